//! Durations as people type and read them: `250us`, `5ms`, `1.5s`, `2m`, `1h`.

use crate::model::Micros;

/// Parses a duration into microseconds. A bare number is seconds; parts
/// add up (`1m30s`, `2h05m`), so whatever [`format_duration_us`] writes
/// reads back.
pub fn parse_duration_us(text: &str) -> Result<Micros, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(not_a_duration(text));
    }
    let is_number = |c: char| c.is_ascii_digit() || c == '.';
    let mut rest = text;
    let mut total: Micros = 0;
    let mut parts = 0;
    while !rest.is_empty() {
        let (number, after) = rest.split_at(rest.find(|c| !is_number(c)).unwrap_or(rest.len()));
        let (unit, next) = after.split_at(after.find(is_number).unwrap_or(after.len()));
        let unit = unit.trim();
        if unit.is_empty() && (parts > 0 || !next.is_empty()) {
            return Err(format!(
                "`{text}` is not a duration: write a unit after each number, e.g. 1m30s"
            ));
        }
        total = total
            .checked_add(part_us(number, unit, text)?)
            .ok_or_else(|| format!("`{text}` is too long a duration"))?;
        parts += 1;
        rest = next;
    }
    Ok(total)
}

/// What to say of `text` when it is no duration at all.
fn not_a_duration(text: &str) -> String {
    format!("`{text}` is not a duration: write a number and a unit, e.g. 60s")
}

/// One number and its unit (`90`, `1.5s`, `30m`) in microseconds; `text`
/// is the whole duration, for the message.
fn part_us(number: &str, unit: &str, text: &str) -> Result<Micros, String> {
    let scale: u64 = match unit {
        "us" | "µs" => 1,
        "ms" => 1_000,
        "" | "s" => 1_000_000,
        "m" | "min" => 60_000_000,
        "h" => 3_600_000_000,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`: use us, ms, s, m or h (e.g. 500ms, 60s)"
            ));
        }
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() {
        return Err(not_a_duration(text));
    }
    let parse = |digits: &str| -> Result<u64, String> {
        if digits.is_empty() {
            Ok(0)
        } else {
            digits.parse::<u64>().map_err(|_| not_a_duration(text))
        }
    };
    let whole_us = parse(whole)?
        .checked_mul(scale)
        .ok_or_else(|| format!("`{text}` is too long a duration"))?;
    let fraction = &fraction[..fraction.len().min(9)];
    let fraction_us = if fraction.is_empty() {
        0
    } else {
        let digits = parse(fraction)?;
        let denominator = 10u64.pow(fraction.len() as u32);
        (u128::from(digits) * u128::from(scale) / u128::from(denominator)) as u64
    };
    whole_us
        .checked_add(fraction_us)
        .ok_or_else(|| format!("`{text}` is too long a duration"))
}

/// Writes microseconds the short way a person reads them: `850us`, `12.5ms`, `3.2s`, `2m05s`.
pub fn format_duration_us(us: Micros) -> String {
    if us < 1_000 {
        format!("{us}us")
    } else if us < 1_000_000 {
        trim_decimal(us as f64 / 1_000.0, "ms")
    } else if us < 60_000_000 {
        trim_decimal(us as f64 / 1_000_000.0, "s")
    } else if us < 3_600_000_000 {
        let secs = us / 1_000_000;
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        let mins = us / 60_000_000;
        format!("{}h{:02}m", mins / 60, mins % 60)
    }
}

fn trim_decimal(value: f64, unit: &str) -> String {
    let text = format!("{value:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration_us("250us"), Ok(250));
        assert_eq!(parse_duration_us("5ms"), Ok(5_000));
        assert_eq!(parse_duration_us("1.5s"), Ok(1_500_000));
        assert_eq!(parse_duration_us("60"), Ok(60_000_000));
        assert_eq!(parse_duration_us("2m"), Ok(120_000_000));
        assert!(parse_duration_us("5 parsecs").is_err());
        assert!(parse_duration_us("").is_err());
        assert!(parse_duration_us("99999999999999999999h").is_err());
    }

    #[test]
    fn parts_add_up_and_a_bare_number_stands_alone() {
        assert_eq!(parse_duration_us("1m00s"), Ok(60_000_000));
        assert_eq!(parse_duration_us("1m30.5s"), Ok(90_500_000));
        assert_eq!(parse_duration_us("2h05m"), Ok(7_500_000_000));
        assert_eq!(parse_duration_us("1m 30s"), Ok(90_000_000));
        assert_eq!(parse_duration_us("1s500ms"), Ok(1_500_000));
        let unit_missing = parse_duration_us("1m30").unwrap_err();
        assert!(
            unit_missing.contains("a unit after each number"),
            "{unit_missing}"
        );
        assert!(parse_duration_us("1m..s").is_err());
        assert!(
            parse_duration_us("1m2x")
                .unwrap_err()
                .contains("unknown unit `x`")
        );
        assert!(
            parse_duration_us("4000000000h4000000000h")
                .unwrap_err()
                .contains("too long")
        );
    }

    #[test]
    fn what_is_written_reads_back_within_the_precision_written() {
        // The what-if panel once offered `1m00s` and then refused it.
        let mut us: u64 = 1;
        while us < 30 * 24 * 3_600_000_000 {
            let text = format_duration_us(us);
            let back = parse_duration_us(&text)
                .unwrap_or_else(|error| panic!("{us} us written as `{text}`: {error}"));
            // Tenths of a ms or s are written; whole seconds past a minute,
            // whole minutes past an hour.
            let precision = match us {
                0..1_000 => 0,
                1_000..1_000_000 => 50,
                1_000_000..60_000_000 => 50_000,
                60_000_000..3_600_000_000 => 1_000_000,
                _ => 60_000_000,
            };
            assert!(back.abs_diff(us) <= precision, "{us} → `{text}` → {back}");
            us = us * 3 / 2 + 7;
        }
    }

    #[test]
    fn durations_format_short() {
        assert_eq!(format_duration_us(850), "850us");
        assert_eq!(format_duration_us(12_500), "12.5ms");
        assert_eq!(format_duration_us(3_000_000), "3s");
        assert_eq!(format_duration_us(125_000_000), "2m05s");
    }
}
