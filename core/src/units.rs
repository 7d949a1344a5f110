//! Durations as people type and read them: `250us`, `5ms`, `1.5s`, `2m`, `1h`.

use crate::model::Micros;

/// Parses a duration into microseconds. A bare number is seconds.
pub fn parse_duration_us(text: &str) -> Result<Micros, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let scale: u64 = match unit.trim() {
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
        return Err(format!(
            "`{text}` is not a duration: write a number and a unit, e.g. 60s"
        ));
    }
    let parse = |digits: &str| -> Result<u64, String> {
        if digits.is_empty() {
            Ok(0)
        } else {
            digits.parse::<u64>().map_err(|_| {
                format!("`{text}` is not a duration: write a number and a unit, e.g. 60s")
            })
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
    fn durations_format_short() {
        assert_eq!(format_duration_us(850), "850us");
        assert_eq!(format_duration_us(12_500), "12.5ms");
        assert_eq!(format_duration_us(3_000_000), "3s");
        assert_eq!(format_duration_us(125_000_000), "2m05s");
    }
}
