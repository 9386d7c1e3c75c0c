//! Exercises with feedback: every notebook ends with a few exercises (predict then check, change a parameter,
//! derive and verify). Each has an answer cell for the student and a checker here that recomputes the truth with
//! the library and answers [`Feedback::Correct`], [`Feedback::NotYet`] with a hint, or [`Feedback::NotAttempted`]
//! for a blank (`None`) answer. Checkers never panic on an answer: a NaN, a negative count or an absurd value
//! is "not yet", with a hint. An `Err` means the library could not compute the truth (a bug, not the student's).
//!
//! Worked solutions: `notebooks/solutions/`; the test suite runs them and checks that the checkers accept them
//! and reject a wrong answer.

pub mod ch01;
pub mod ch02;
pub mod ch03;
pub mod ch04;
pub mod ch05;
pub mod ch06;
pub mod ch07;

use std::fmt;

use crate::error::{Error, Result};

/// What a checker says about an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Feedback {
    /// The answer matches the library's value; the message says what it was and why.
    Correct(String),
    /// The answer does not match; the hint points to the step that went wrong, without giving the value away.
    NotYet(String),
    /// The answer cell still holds `None`.
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
                "Replace None by Some(your answer) in the answer cell and run it again."
            }
        }
    }
    /// A small coloured box for the notebook (green, amber, grey), HTML-escaped.
    pub fn to_html(&self) -> String {
        let (colour, border) = match self {
            Feedback::Correct(_) => ("#e8f5e9", "#2e7d32"),
            Feedback::NotYet(_) => ("#fff8e1", "#f9a825"),
            Feedback::NotAttempted => ("#f5f5f5", "#9e9e9e"),
        };
        format!(
            "<div class=\"exercise-feedback\" style=\"background:{colour};border-left:4px solid {border};\
             padding:6px 10px;margin:4px 0;font-family:sans-serif\"><b>{}</b> — {}</div>",
            capitalised(self.label()),
            crate::report::table::escape_html(self.message())
        )
    }
    /// The verdict as data, for the teacher's roll-up (`scripts/collect.py`): a JSON object
    /// `{"verdict": label, "message": message}` under the MIME type [`FEEDBACK_MIME`].
    pub fn to_json(&self) -> String {
        serde_json::json!({"verdict": self.label(), "message": self.message()}).to_string()
    }
    /// evcxr display: one output bundle with the HTML box (what the student sees) and the verdict as data
    /// ([`FEEDBACK_MIME`], which Jupyter keeps in the notebook and frontends do not draw).
    pub fn evcxr_display(&self) {
        crate::report::evcxr::emit_bundle(&[
            ("text/html", &self.to_html()),
            (FEEDBACK_MIME, &self.to_json()),
        ]);
    }
}

impl crate::report::EvcxrDisplay for Feedback {
    fn evcxr_display(&self) {
        Feedback::evcxr_display(self)
    }
}

/// The MIME type of a checker's verdict in a notebook's outputs: `{"verdict": "correct" | "not yet" |
/// "not attempted", "message": …}` (see [`Feedback::to_json`]).
pub const FEEDBACK_MIME: &str = "application/vnd.demystify-resnet.feedback+json";

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

/// For worked solutions (the instructor's copy and the tests): checks that `check` accepts `solution`, rejects
/// `wrong` with a hint and calls a blank answer "not attempted"; returns the solution's feedback, or
/// [`Error::Exercise`] saying which of the three failed.
pub fn confirm<T>(
    check: impl Fn(Option<T>) -> Result<Feedback>,
    solution: T,
    wrong: T,
) -> Result<Feedback> {
    let accepted = check(Some(solution))?;
    if !accepted.is_correct() {
        return Err(Error::Exercise(format!(
            "the worked solution was not accepted: {accepted}"
        )));
    }
    match check(Some(wrong))? {
        Feedback::NotYet(hint) if !hint.is_empty() => {}
        other => {
            return Err(Error::Exercise(format!(
                "a wrong answer was not rejected with a hint: {other}"
            )))
        }
    }
    match check(None)? {
        Feedback::NotAttempted => Ok(accepted),
        other => Err(Error::Exercise(format!(
            "a blank answer was not \"not attempted\": {other}"
        ))),
    }
}

/// Checks a real-valued answer against `truth` within relative tolerance `rel_tol` (absolute when `truth` is
/// 0). `wrong(answer)` writes the hint for a finite wrong answer; `right` the message for a correct one.
pub(crate) fn check_real(
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
pub(crate) fn check_count(
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
pub(crate) fn direction(answer: f64, truth: f64) -> &'static str {
    if answer > truth {
        "too large"
    } else {
        "too small"
    }
}
