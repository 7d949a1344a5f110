//! Files a user has on disk are never lost or silently changed, and a file
//! that cannot be read says where and why in the user's words.

use std::fs;
use std::path::Path;

use stormflow_core::format::{self, FormatErrorKind, LoadError, from_ron_str};
use stormflow_core::model::{Element, ElementKind, Model, Pos};

fn small_model() -> Model {
    let mut model = Model::new("Small");
    model
        .add_element(Element::new(
            "order-placed",
            ElementKind::Event,
            "Order Placed",
            Pos::default(),
        ))
        .expect("fresh");
    model
}

fn error_of(src: &str) -> format::FormatError {
    from_ron_str(src).expect_err("the text is refused")
}

#[test]
fn saving_keeps_the_comment_block_at_the_top_of_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("shop.ron");
    fs::write(
        &path,
        "// The shop, as the March workshop drew it.\n// Owner: sales.\n\n(version: 1, name: \"Old\")\n",
    )
    .expect("write");
    format::save(&path, &small_model()).expect("saves");
    let text = fs::read_to_string(&path).expect("read");
    assert!(
        text.starts_with("// The shop, as the March workshop drew it.\n// Owner: sales.\n\n(\n"),
        "{text}"
    );
    assert_eq!(
        format::load(&path).expect("loads again"),
        small_model(),
        "the comments do not change the model"
    );
}

#[cfg(unix)]
#[test]
fn saving_through_a_symbolic_link_writes_the_file_it_names_and_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let real = dir.path().join("models").join("shop.ron");
    fs::create_dir_all(real.parent().expect("parent")).expect("mkdir");
    format::save(&real, &Model::new("Old")).expect("saves");
    fs::set_permissions(&real, fs::Permissions::from_mode(0o600)).expect("chmod");
    let link = dir.path().join("shop.ron");
    std::os::unix::fs::symlink("models/shop.ron", &link).expect("link");
    format::save(&link, &small_model()).expect("saves through the link");
    let meta = fs::symlink_metadata(&link).expect("link still there");
    assert!(meta.file_type().is_symlink(), "the link is still a link");
    assert_eq!(format::load(&real).expect("loads"), small_model());
    let mode = fs::metadata(&real).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the file keeps its mode");
}

#[cfg(unix)]
#[test]
fn a_device_or_a_pipe_is_refused_not_read_without_end() {
    for path in ["/dev/zero", "/dev/urandom"] {
        match format::load(Path::new(path)) {
            Err(LoadError::Io { source, .. }) => {
                assert!(
                    source.to_string().contains("not a regular file"),
                    "{source}"
                )
            }
            other => panic!("{path}: expected a refusal, got {other:?}"),
        }
    }
}

#[test]
fn a_file_over_the_limit_is_refused_with_the_limit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("big.ron");
    fs::write(&path, vec![b' '; 4096]).expect("write");
    let limits = format::Limits {
        max_file_bytes: 1024,
        ..format::Limits::default()
    };
    match format::load_with(&path, &limits) {
        Err(LoadError::Format { error, .. }) => {
            assert!(error.message.contains("the limit is 1024 bytes"), "{error}")
        }
        other => panic!("expected the size refusal, got {other:?}"),
    }
}

#[test]
fn twenty_thousand_repeats_of_one_id_all_load_under_marked_ids() {
    let mut src = String::from("(version: 1, name: \"x\", elements: [\n");
    for _ in 0..20_000 {
        src.push_str("(id: \"a\", kind: Event, name: \"A Happened\", pos: (x: 0, y: 0)),\n");
    }
    src.push_str("])");
    let model = from_ron_str(&src).expect("loads");
    assert_eq!(model.element_count(), 20_000);
    assert!(model.contains(&"a~20000".into()));
}

#[test]
fn repeated_ids_of_sixty_four_characters_load() {
    let id = "x".repeat(64);
    let src = format!(
        "(version: 1, name: \"x\", elements: [\n\
         (id: \"{id}\", kind: Event, name: \"A Happened\", pos: (x: 0, y: 0)),\n\
         (id: \"{id}\", kind: Event, name: \"B Happened\", pos: (x: 0, y: 0)),\n])"
    );
    let model = from_ron_str(&src).expect("loads");
    assert_eq!(model.element_count(), 2);
    assert!(model.ids().all(|id| id.validate().is_ok()));
}

#[test]
fn a_bad_run_setting_is_reported_at_the_setting_not_in_the_notes() {
    let src = "(\n    version: 1,\n    name: \"x\",\n    notes: \"try a run horizon_us of 0\",\n    run: (\n        seed: 1,\n        horizon_us: 0,\n    ),\n)";
    let error = error_of(src);
    assert_eq!(error.kind, FormatErrorKind::Invalid);
    assert_eq!((error.line, error.col), (7, 9), "{error}");
}

#[test]
fn an_elements_bad_value_is_reported_inside_that_element() {
    // `billing` is named first inside `shipping`'s notes; the error is in
    // billing's own service.
    let src = r#"(version: 1, name: "x", elements: [
    (id: "shipping", kind: Aggregate, name: "Shipping", notes: "after \"billing\"", pos: (x: 0, y: 0)),
    (id: "billing", kind: Aggregate, name: "Billing", pos: (x: 0, y: 0),
     service: (instances: 0)),
])"#;
    let error = error_of(src);
    assert_eq!(error.line, 4, "{error}");
    assert_eq!(error.col, 16, "{error}");
    assert!(error.message.contains("instances"), "{error}");
}

#[test]
fn a_version_zero_file_with_upper_case_ids_migrates_with_its_arrows() {
    let src = r#"(
    name: "Prototype",
    stickies: [
        (id: "Customer", kind: Actor, text: "Customer", x: 0, y: 0),
        (id: "PlaceOrder", kind: Command, text: "Place Order", x: 200, y: 0),
    ],
    arrows: [(from: "Customer", to: "PlaceOrder", kind: Issues)],
)"#;
    let model = from_ron_str(src).expect("migrates");
    assert_eq!(model.flow_count(), 1);
    assert!(model.contains(&"placeorder".into()));
}

#[test]
fn a_file_saying_context_loads_as_a_bounded_context_and_is_saved_with_the_full_name() {
    let src = r#"(version: 1, name: "x", elements: [
    (id: "billing-context", kind: Context, name: "Billing", pos: (x: 0, y: 0)),
])"#;
    let model = from_ron_str(src).expect("the short name still loads");
    let kind = model.element(&"billing-context".into()).map(|e| e.kind);
    assert_eq!(kind, Some(ElementKind::BoundedContext));
    let saved = format::to_ron_string(&model).expect("saves");
    assert!(saved.contains("kind: BoundedContext"), "{saved}");
    assert!(!saved.contains("kind: Context"), "{saved}");
}

#[test]
fn a_byte_order_mark_at_the_start_is_skipped() {
    let model = from_ron_str("\u{feff}(version: 1, name: \"x\")").expect("loads");
    assert_eq!(model.name, "x");
}

#[test]
fn parse_errors_speak_the_users_words_with_a_suggestion() {
    let error = error_of(
        r#"(version: 1, name: "x", elements: [(id: "a", kind: Aggregat, name: "A", pos: (x: 0, y: 0))])"#,
    );
    assert_eq!(
        error.message,
        "unknown kind `Aggregat`: did you mean `Aggregate`?"
    );
    let error = error_of(
        r#"(version: 1, name: "x", elements: [(id: "a", kind: BoundedContxt, name: "A", pos: (x: 0, y: 0))])"#,
    );
    assert!(
        error.message.contains("did you mean `BoundedContext`"),
        "{}",
        error.message
    );
    for src in [
        "[1, 2]",
        r#"(name: "x", stickies: [(id: "a", kind: Actr, text: "a", x: 0, y: 0)])"#,
        r#"(version: 1, name: "x", elemnts: [])"#,
        r#"(version: 1, name: "x", elements: [(id: "a", kind: Event, pos: (x: 0, y: 0))])"#,
    ] {
        let message = error_of(src).message;
        for internal in [
            "VersionProbe",
            "FileV0",
            "FileV1",
            "StickyV0",
            "ElementKind",
            "`Element`",
        ] {
            assert!(!message.contains(internal), "{src}: {message}");
        }
    }
}
