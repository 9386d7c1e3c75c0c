//! Exercises with feedback: every notebook ends with a few exercises (predict then check, change a parameter,
//! derive and verify). Each has an answer cell for the student and a checker here that computes the truth with
//! the library and hands it, with the answer, to the exercise's judge (`demystify_core::exercises::judges`, the
//! code a report page also runs): [`Feedback::Correct`], [`Feedback::NotYet`] with a hint, or
//! [`Feedback::NotAttempted`] for a blank (`None`) answer. Checkers never panic on an answer: a NaN, a negative
//! count or an absurd value is "not yet", with a hint. An `Err` means the library could not compute the truth (a
//! bug, not the student's).
//!
//! A checker returns an [`ExerciseCheck`]: the verdict, and the data of the exercise's box in the exported report
//! ([`PageExercise`]), where a reader types an answer and presses *Check*. In-page exercises carry the settings of
//! their closed form; the others carry the truth of this run, sealed, so the student's page never holds it as
//! plain text.
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

use std::ops::Deref;

pub use demystify_core::exercises::{
    answer, check_in_page, judges, payload, truths, AnswerKind, ExerciseId, Feedback, PageInputs,
    PageTruth,
};

use crate::data::Teacher;
use crate::error::{Error, Result};
use crate::experiments::DataSpec;
use crate::report::display::EvcxrDisplay;
use crate::report::table::escape_html;
use payload::Payload;

/// The MIME type of a checker's verdict in a notebook's outputs: `{"verdict": "correct" | "not yet" |
/// "not attempted", "message": …}` (see [`feedback_json`]).
pub const FEEDBACK_MIME: &str = "application/vnd.demystify-resnet.feedback+json";

/// The MIME type of a worked solution's record in the solutions notebooks' outputs: `{"code", "number",
/// "solution", "wrong"}`, the two answers as a student would type them into the report page's box (see
/// [`WorkedSolution`]); the page test types them.
pub const WORKED_SOLUTION_MIME: &str = "application/vnd.demystify-resnet.worked-solution+json";

/// The HTML class of an exercise's box in a report page (`web/exercise.js` looks for it).
pub const EXERCISE_CLASS: &str = "demystify-exercise";

/// The verdict as data, for the teacher's roll-up (`scripts/collect.py`): `{"verdict": label, "message":
/// message}`.
pub fn feedback_json(feedback: &Feedback) -> String {
    serde_json::json!({"verdict": feedback.label(), "message": feedback.message()}).to_string()
}

/// What a report page needs to check an exercise itself: which exercise, where its truth comes from, and the
/// labels a choice offers (exercise 4.1).
#[derive(Debug, Clone, PartialEq)]
pub struct PageExercise {
    /// The exercise.
    pub id: ExerciseId,
    /// The closed form's settings, or this run's truth.
    pub truth: PageTruth,
    /// The choices shown beside the box (empty unless the answer is a choice).
    pub choices: Vec<String>,
}

impl PageExercise {
    /// An exercise the page checks from the closed forms at `inputs`.
    pub fn in_page(id: ExerciseId, inputs: PageInputs) -> Self {
        PageExercise {
            id,
            truth: PageTruth::InPage(inputs),
            choices: Vec::new(),
        }
    }
    /// An exercise the page checks against `truth`, recorded in this run.
    pub fn recorded(id: ExerciseId, truth: &impl Payload) -> Self {
        PageExercise {
            id,
            truth: PageTruth::Recorded(truth.to_bytes()),
            choices: Vec::new(),
        }
    }
    /// The box's data as the page reads it: `{"code", "number", "kind", "source", "data" (hex), "choices"}`.
    pub fn to_json(&self) -> String {
        let kind = match self.id.answer_kind() {
            AnswerKind::Real => "real",
            AnswerKind::Count => "count",
            AnswerKind::Choice => "choice",
        };
        serde_json::json!({
            "code": self.id.code(),
            "number": self.id.number(),
            "kind": kind,
            "source": if self.truth.is_in_page() { "in-page" } else { "recorded" },
            "data": payload::to_hex(&self.truth.to_bytes(self.id)),
            "choices": self.choices,
        })
        .to_string()
    }
}

/// The settings of an in-page closed form on `data`: the teacher problem's settings (`None` for data the page
/// cannot generate, which is then checked against the recorded truth).
pub fn page_teacher(data: &DataSpec) -> Option<Teacher> {
    match data {
        DataSpec::Teacher(t) => Some(t.clone()),
        _ => None,
    }
}

/// An answer as a student types it into a report page's box: numbers in Rust's shortest round-trip form,
/// initialisations by their table label.
pub trait PageAnswer {
    /// The text to type.
    fn page_text(&self) -> String;
}

impl PageAnswer for f64 {
    fn page_text(&self) -> String {
        format!("{self}")
    }
}

impl PageAnswer for usize {
    fn page_text(&self) -> String {
        format!("{self}")
    }
}

impl PageAnswer for crate::net::Init {
    fn page_text(&self) -> String {
        self.label()
    }
}

/// What [`confirm`] records of a worked solution: the exercise, the accepted answer and the rejected one, as typed
/// text.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkedSolution {
    /// The exercise.
    pub id: ExerciseId,
    /// The worked solution.
    pub solution: String,
    /// The wrong answer it was checked against.
    pub wrong: String,
}

/// What a checker returns: the verdict, and the exercise's box in the report (`None` when the run has nothing
/// for the page to check against).
#[derive(Debug, Clone, PartialEq)]
pub struct ExerciseCheck {
    /// The verdict on the answer given.
    pub feedback: Feedback,
    /// The report page's box.
    pub page: Option<PageExercise>,
    /// The worked solution this verdict confirmed ([`confirm`]; `None` for a student's check).
    pub worked: Option<WorkedSolution>,
}

impl ExerciseCheck {
    /// A verdict with its page box.
    pub fn new(feedback: Feedback, page: PageExercise) -> Self {
        ExerciseCheck {
            feedback,
            page: Some(page),
            worked: None,
        }
    }
    /// The notebook's output: the feedback box, inside the exercise's page box (class [`EXERCISE_CLASS`], its
    /// data in `data-exercise`) when there is one; `web/exercise.js` adds the answer field and *Check* there.
    pub fn to_html(&self) -> String {
        match &self.page {
            None => self.feedback.to_html(),
            Some(page) => format!(
                "<div class=\"{EXERCISE_CLASS}\" data-exercise=\"{}\">{}</div>",
                escape_html(&page.to_json()),
                self.feedback.to_html()
            ),
        }
    }
    /// evcxr display: one output bundle with the HTML (what the student sees) and the verdict as data
    /// ([`FEEDBACK_MIME`], which Jupyter keeps in the notebook and frontends do not draw), and for a worked
    /// solution its record ([`WORKED_SOLUTION_MIME`]).
    pub fn evcxr_display(&self) {
        let html = self.to_html();
        let verdict = feedback_json(&self.feedback);
        let worked = self.worked.as_ref().map(|w| {
            serde_json::json!({
                "code": w.id.code(), "number": w.id.number(), "solution": w.solution, "wrong": w.wrong,
            })
            .to_string()
        });
        let mut bundle = vec![
            ("text/html", html.as_str()),
            (FEEDBACK_MIME, verdict.as_str()),
        ];
        if let Some(w) = &worked {
            bundle.push((WORKED_SOLUTION_MIME, w.as_str()));
        }
        crate::report::evcxr::emit_bundle(&bundle);
    }
}

impl Deref for ExerciseCheck {
    type Target = Feedback;
    fn deref(&self) -> &Feedback {
        &self.feedback
    }
}

impl From<Feedback> for ExerciseCheck {
    fn from(feedback: Feedback) -> Self {
        ExerciseCheck {
            feedback,
            page: None,
            worked: None,
        }
    }
}

impl std::fmt::Display for ExerciseCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.feedback.fmt(f)
    }
}

impl EvcxrDisplay for ExerciseCheck {
    fn evcxr_display(&self) {
        ExerciseCheck::evcxr_display(self)
    }
}

impl EvcxrDisplay for Feedback {
    fn evcxr_display(&self) {
        ExerciseCheck::from(self.clone()).evcxr_display()
    }
}

/// For worked solutions (the instructor's copy and the tests): checks that `check` accepts `solution`, rejects
/// `wrong` with a hint and calls a blank answer "not attempted"; returns the solution's verdict (without a page
/// box) and, when the checker names its exercise, the [`WorkedSolution`], or [`Error::Exercise`] saying which of
/// the three failed.
pub fn confirm<T: PageAnswer, C: Into<ExerciseCheck>>(
    check: impl Fn(Option<T>) -> Result<C>,
    solution: T,
    wrong: T,
) -> Result<ExerciseCheck> {
    let (solution_text, wrong_text) = (solution.page_text(), wrong.page_text());
    let accepted = check(Some(solution))?.into();
    let worked = accepted.page.as_ref().map(|p| WorkedSolution {
        id: p.id,
        solution: solution_text,
        wrong: wrong_text,
    });
    let accepted = accepted.feedback;
    if !accepted.is_correct() {
        return Err(Error::Exercise(format!(
            "the worked solution was not accepted: {accepted}"
        )));
    }
    match check(Some(wrong))?.into().feedback {
        Feedback::NotYet(hint) if !hint.is_empty() => {}
        other => {
            return Err(Error::Exercise(format!(
                "a wrong answer was not rejected with a hint: {other}"
            )))
        }
    }
    match check(None)?.into().feedback {
        Feedback::NotAttempted => Ok(ExerciseCheck {
            feedback: accepted,
            page: None,
            worked,
        }),
        other => Err(Error::Exercise(format!(
            "a blank answer was not \"not attempted\": {other}"
        ))),
    }
}
