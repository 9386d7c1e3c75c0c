//! A typed-in answer as the checker takes it: the text of a report page's answer box read as a real number, a
//! count or a choice. A blank box is "not attempted"; text that is not an answer of the right kind is refused
//! with a message that says what to type (never a panic, never a silently different number).

use super::feedback::Feedback;

/// The kind of answer an exercise takes (its notebook answer cell's type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    /// `Option<f64>`: a real number such as `0.42`, `-3`, `1.5e-4`.
    Real,
    /// `Option<usize>`: a whole number ≥ 0.
    Count,
    /// One of the labels the exercise lists (exercise 4.1's initialisations).
    Choice,
}

/// Reads a real number: surrounding blanks, spaces between digit groups and `_` are ignored, `−` (U+2212) is a
/// minus, `×10^k` and `·10^k` are exponents. `Ok(None)` for a blank box; `Err(feedback)` (not yet, saying what to
/// type) for anything else that is not a number. `NaN`/`inf` are read as such, and the checker calls them not
/// finite.
pub fn parse_real(text: &str) -> Result<Option<f64>, Feedback> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if trimmed.contains(',') {
        return Err(Feedback::NotYet(format!(
            "“{trimmed}” has a comma: write the decimal point as “.” and no thousands separator, e.g. 1234.5."
        )));
    }
    let mut s: String = trimmed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_')
        .map(|c| if c == '−' { '-' } else { c })
        .collect();
    for times in ["×10^", "·10^", "*10^", "x10^", "×10", "·10"] {
        if let Some(at) = s.find(times) {
            let rest = &s[at + times.len()..];
            // Without "^" the exponent must be written in superscript digits (10⁻⁴), or "3×105" would be 3e5.
            if !times.ends_with('^') && !rest.chars().all(|c| superscript_digit(c) != c) {
                break;
            }
            let exponent: String = rest.chars().map(superscript_digit).collect();
            s = format!("{}e{exponent}", &s[..at]);
            break;
        }
    }
    s.parse::<f64>().map(Some).map_err(|_| {
        Feedback::NotYet(format!(
            "“{trimmed}” is not a number: type digits, a decimal point and an optional exponent, e.g. 0.25 or 1.5e-4."
        ))
    })
}

fn superscript_digit(c: char) -> char {
    match c {
        '⁰' => '0',
        '¹' => '1',
        '²' => '2',
        '³' => '3',
        '⁴' => '4',
        '⁵' => '5',
        '⁶' => '6',
        '⁷' => '7',
        '⁸' => '8',
        '⁹' => '9',
        '⁻' => '-',
        c => c,
    }
}

/// Reads a count: a whole number ≥ 0 written as a real number (`80`, `80.0`, `8e1`). `Ok(None)` for a blank box.
pub fn parse_count(text: &str) -> Result<Option<usize>, Feedback> {
    let Some(v) = parse_real(text)? else {
        return Ok(None);
    };
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < 9.0e15 {
        Ok(Some(v as usize))
    } else {
        Err(Feedback::NotYet(format!(
            "“{}” is not a count: the answer is a whole number ≥ 0, e.g. 12.",
            text.trim()
        )))
    }
}

/// Reads a choice among `labels`: case, blanks, an `Init::` prefix and a `Some(…)` wrapper are ignored, and a
/// label matches its long name (`XavierNormal` for `xavier`, `SmallGaussian…` for the one `small(…)` label).
/// Returns the matching label, the text itself when nothing matches (the checker then lists the labels), or
/// `Ok(None)` for a blank box.
pub fn parse_choice(text: &str, labels: &[String]) -> Result<Option<String>, Feedback> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let mut key: String = trimmed
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    if let Some(inner) = key.strip_prefix("some(").and_then(|k| k.strip_suffix(')')) {
        key = inner.to_string();
    }
    if let Some(rest) = key.strip_prefix("init::") {
        key = rest.to_string();
    }
    let normal = |l: &str| -> String {
        l.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    if let Some(label) = labels.iter().find(|l| normal(l) == key) {
        return Ok(Some(label.clone()));
    }
    let long_name = |l: &str| -> Option<&'static str> {
        let l = normal(l);
        if l == "xavier" {
            Some("xaviernormal")
        } else if l.starts_with("small(") {
            Some("smallgaussian")
        } else {
            None
        }
    };
    let by_long_name: Vec<&String> = labels
        .iter()
        .filter(|l| long_name(l).is_some_and(|n| key.starts_with(n)))
        .collect();
    Ok(Some(match by_long_name.as_slice() {
        [one] => (*one).clone(),
        _ => trimmed.to_string(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_students_type_them() {
        for (text, value) in [
            ("0.25", 0.25),
            (" -3 ", -3.0),
            ("−3", -3.0),
            ("1.5e-4", 1.5e-4),
            ("1.5×10^-4", 1.5e-4),
            ("1.5·10⁻⁴", 1.5e-4),
            ("2 097 152", 2_097_152.0),
            ("1_000", 1000.0),
        ] {
            assert_eq!(parse_real(text), Ok(Some(value)), "{text}");
        }
        assert_eq!(parse_real("   "), Ok(None));
        for bad in ["seven", "1,5", "0.5.1", "--2", "3×105"] {
            let Err(Feedback::NotYet(message)) = parse_real(bad) else {
                panic!("{bad} was read as a number");
            };
            assert!(message.contains(bad), "{message}");
        }
        assert!(parse_real("NaN").unwrap().unwrap().is_nan());
    }

    #[test]
    fn counts_are_whole_and_not_negative() {
        assert_eq!(parse_count("80"), Ok(Some(80)));
        assert_eq!(parse_count("8e1"), Ok(Some(80)));
        assert_eq!(parse_count(""), Ok(None));
        for bad in ["-1", "2.5", "inf", "NaN", "eighty"] {
            assert!(parse_count(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn choices_match_labels_and_long_names() {
        let labels: Vec<String> = ["small(1e-3)", "xavier", "orthogonal"]
            .map(String::from)
            .to_vec();
        for (text, label) in [
            ("xavier", "xavier"),
            ("Init::XavierNormal", "xavier"),
            ("Some(Init::SmallGaussian { std: 1e-3 })", "small(1e-3)"),
            ("small(1e-3)", "small(1e-3)"),
            (" Orthogonal ", "orthogonal"),
        ] {
            assert_eq!(
                parse_choice(text, &labels),
                Ok(Some(label.to_string())),
                "{text}"
            );
        }
        assert_eq!(
            parse_choice("identity", &labels),
            Ok(Some("identity".into()))
        );
        assert_eq!(parse_choice("", &labels), Ok(None));
    }
}
