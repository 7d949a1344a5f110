//! A corrupted sample never panics the loader: it loads (the corruption was
//! harmless) or it fails with an error whose line and column lie inside the file.

use proptest::prelude::*;
use stormflow_core::format;
use stormflow_tests::sample_files;

fn samples() -> Vec<String> {
    sample_files()
        .iter()
        .map(|f| std::fs::read_to_string(f).expect("readable sample"))
        .collect()
}

#[derive(Clone, Debug)]
enum Corruption {
    Truncate(usize),
    FlipBytes(Vec<(usize, u8)>),
    DeleteLine(usize),
    DuplicateLine(usize),
    HugeNumber(usize, String),
}

fn corruption() -> impl Strategy<Value = Corruption> {
    prop_oneof![
        any::<usize>().prop_map(Corruption::Truncate),
        prop::collection::vec((any::<usize>(), any::<u8>()), 1..8).prop_map(Corruption::FlipBytes),
        any::<usize>().prop_map(Corruption::DeleteLine),
        any::<usize>().prop_map(Corruption::DuplicateLine),
        (
            any::<usize>(),
            prop_oneof![
                Just("99999999999999999999999999".to_string()),
                Just("4294967296".to_string()),
                Just("-1".to_string()),
                Just("1e309".to_string()),
                Just("NaN".to_string()),
                "[0-9]{12,40}".prop_map(|s| s),
            ]
        )
            .prop_map(|(at, n)| Corruption::HugeNumber(at, n)),
    ]
}

fn apply(text: &str, corruption: &Corruption) -> Vec<u8> {
    let bytes = text.as_bytes();
    match corruption {
        Corruption::Truncate(at) => bytes[..at % (bytes.len() + 1)].to_vec(),
        Corruption::FlipBytes(flips) => {
            let mut out = bytes.to_vec();
            for (at, value) in flips {
                let i = at % out.len();
                out[i] ^= value | 1;
            }
            out
        }
        Corruption::DeleteLine(n) | Corruption::DuplicateLine(n) => {
            let mut lines: Vec<&str> = text.lines().collect();
            let i = n % lines.len();
            if matches!(corruption, Corruption::DeleteLine(_)) {
                lines.remove(i);
            } else {
                lines.insert(i, lines[i]);
            }
            lines.join("\n").into_bytes()
        }
        Corruption::HugeNumber(at, number) => {
            // Replace the digits of the n-th number in the file.
            let starts: Vec<usize> = (0..bytes.len())
                .filter(|i| {
                    bytes[*i].is_ascii_digit()
                        && (*i == 0 || !bytes[*i - 1].is_ascii_alphanumeric())
                })
                .collect();
            let start = starts[at % starts.len()];
            let end = (start..bytes.len())
                .find(|i| !bytes[*i].is_ascii_digit())
                .unwrap_or(bytes.len());
            let mut out = bytes[..start].to_vec();
            out.extend_from_slice(number.as_bytes());
            out.extend_from_slice(&bytes[end..]);
            out
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn corrupted_files_give_a_located_error_or_a_valid_model(pick in any::<usize>(), corruption in corruption()) {
        let texts = samples();
        let text = &texts[pick % texts.len()];
        let corrupted = apply(text, &corruption);
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("corrupted.ron");
        std::fs::write(&path, &corrupted).expect("write");
        match format::load(&path) {
            Ok(model) => {
                // A harmless corruption: the result is a model that saves and loads again.
                let written = format::to_ron_string(&model).expect("encodes");
                prop_assert_eq!(format::from_ron_str(&written).expect("reloads"), model);
            }
            Err(format::LoadError::Format { error, .. }) => {
                let lines = corrupted.split(|b| *b == b'\n').count().max(1);
                prop_assert!(error.line >= 1 && error.line <= lines, "line {} of {}: {}", error.line, lines, error.message);
                let line_len = corrupted
                    .split(|b| *b == b'\n')
                    .nth(error.line - 1)
                    .map_or(0, |l| String::from_utf8_lossy(l).chars().count());
                prop_assert!(error.col >= 1 && error.col <= line_len + 1, "col {} of {}: {}", error.col, line_len, error.message);
                prop_assert!(!error.message.is_empty());
            }
            Err(other) => prop_assert!(false, "unexpected error kind: {other}"),
        }
    }
}
