//! The verdict of an exercise checker and the comparisons every checker uses: the same code answers in a notebook
//! (through the main crate) and in an exported page (compiled to WebAssembly).

use std::fmt;

use crate::format::escape_html;

/// What a checker says about an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Feedback {
    /// The answer matches the library's value; the message says what it was and why.
    Correct(String),
    /// The answer does not match; the hint points to the step that went wrong, without giving the value away.
    NotYet(String),
    /// No answer yet (`None` in the notebook's answer cell, an empty box in the page).
    NotAttempted,
}

impl Feedback {
    /// `true` for [`Feedback::Correct`].
    pub fn is_correct(&self) -> bool {
        matches!(self, Feedback::Correct(_))
    }
    /// `"correct"`, `"not yet"` or `"not attempted"`.
    pub fn label(&self) -> &'static str {
        match self {
            Feedback::Correct(_) => "correct",
            Feedback::NotYet(_) => "not yet",
            Feedback::NotAttempted => "not attempted",
        }
    }
    /// The message or hint (a prompt for a blank answer).
    pub fn message(&self) -> &str {
        match self {
            Feedback::Correct(m) | Feedback::NotYet(m) => m,
            Feedback::NotAttempted => {
                "Replace None by Some(your answer) in the answer cell and run it again \
                 (in the report: type your answer in the box and press Check)."
            }
        }
    }
    /// A small coloured box (green, amber, grey), HTML-escaped: what the notebook shows under an answer cell and
    /// what the report page shows after *Check*.
    pub fn to_html(&self) -> String {
        let (colour, border) = match self {
            Feedback::Correct(_) => ("#e8f5e9", "#2e7d32"),
            Feedback::NotYet(_) => ("#fff8e1", "#f9a825"),
            Feedback::NotAttempted => ("#f5f5f5", "#9e9e9e"),
        };
        format!(
            "<div class=\"exercise-feedback\" data-verdict=\"{}\" style=\"background:{colour};border-left:4px solid \
             {border};padding:6px 10px;margin:4px 0;font-family:sans-serif\"><b>{}</b> — {}</div>",
            self.label(),
            capitalised(self.label()),
            escape_html(self.message())
        )
    }
}

impl fmt::Display for Feedback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", capitalised(self.label()), self.message())
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|first| first.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Checks a real-valued answer against `truth` within relative tolerance `rel_tol` (absolute when `truth` is
/// 0): correct iff `|a − truth| ≤ rel_tol·|truth|`. `wrong(answer)` writes the hint for a finite wrong answer;
/// `right` the message for a correct one. A NaN or infinite answer is "not yet".
pub fn check_real(
    answer: Option<f64>,
    truth: f64,
    rel_tol: f64,
    right: impl FnOnce() -> String,
    wrong: impl FnOnce(f64) -> String,
) -> Feedback {
    match answer {
        None => Feedback::NotAttempted,
        Some(a) if !a.is_finite() => Feedback::NotYet(format!(
            "{a} is not a finite number; the answer is a finite real number."
        )),
        Some(a)
            if (a - truth).abs()
                <= rel_tol * truth.abs().max(if truth == 0.0 { 1.0 } else { 0.0 }) =>
        {
            Feedback::Correct(right())
        }
        Some(a) => Feedback::NotYet(wrong(a)),
    }
}

/// Checks a count against `truth` exactly; `wrong(answer)` writes the hint.
pub fn check_count(
    answer: Option<usize>,
    truth: usize,
    right: impl FnOnce() -> String,
    wrong: impl FnOnce(usize) -> String,
) -> Feedback {
    match answer {
        None => Feedback::NotAttempted,
        Some(a) if a == truth => Feedback::Correct(right()),
        Some(a) => Feedback::NotYet(wrong(a)),
    }
}

/// "too large" / "too small" for a hint.
pub fn direction(answer: f64, truth: f64) -> &'static str {
    if answer > truth {
        "too large"
    } else {
        "too small"
    }
}
