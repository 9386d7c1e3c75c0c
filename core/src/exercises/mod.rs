//! The exercises' checking logic, shared by the notebooks and the report pages: the verdict ([`Feedback`]) and
//! its comparisons ([`feedback`]), each exercise's truth ([`truths`]) and judge with its hints ([`judges`]), how a
//! typed answer is read ([`answer`]) and how an exercise box's data crosses to the page ([`payload`]).
//!
//! In a report page, [`check_in_page`] is what *Check* runs: it reads the box's data, takes the truth from the
//! closed forms (an *in-page* exercise) or from the value recorded when the notebook ran (a *recorded* one, for
//! truths that need a training run or the main crate's Taylor expansion), and calls the same judge as the
//! notebook.

pub mod answer;
pub mod feedback;
pub mod judges;
pub mod payload;
pub mod truths;

pub use answer::AnswerKind;
pub use feedback::Feedback;

use faer::Mat;

use crate::error::{Error, Result};
use crate::moments::Moments;
use crate::teacher::Teacher;
use payload::{seal, Payload, Reader, Writer};
use truths::*;

/// The exercises, one per answer cell of the notebooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExerciseId {
    /// 1.1: the parameter count.
    ParameterCount,
    /// 1.2: the loss at zero.
    LossAtZero,
    /// 2.1: the negative eigenvalues.
    NegativeEigenvalues,
    /// 2.2: `λ_max` from M.
    LambdaMax,
    /// 3.1: κ at depth 10 000.
    ConditionAtDepth,
    /// 3.2: the exponent of `λ_max` in `L` for shortcut 1.
    LambdaMaxSlope,
    /// 3.3: the first depth with κ above 10⁴.
    FirstDepthAbove,
    /// 4.1: the fastest initialisation.
    FastestInit,
    /// 4.2: the edge-of-stability exponent.
    EdgeExponent,
    /// 5.1: escape steps.
    EscapeSteps,
    /// 5.2: the escape ratio of shortcut 3.
    EscapeRatio,
    /// 5.3: the order of the stationary point.
    StationaryOrder,
    /// 6.1: the digits' condition number.
    DigitsCondition,
    /// 6.2: the ReLU second-differences ratio.
    ReluRatio,
    /// 7.1: the trace at zero.
    TraceAtZero,
    /// 7.2: the dense Hessian's bytes.
    DenseBytes,
}

impl ExerciseId {
    /// Every exercise, in notebook order.
    pub const ALL: [ExerciseId; 16] = [
        ExerciseId::ParameterCount,
        ExerciseId::LossAtZero,
        ExerciseId::NegativeEigenvalues,
        ExerciseId::LambdaMax,
        ExerciseId::ConditionAtDepth,
        ExerciseId::LambdaMaxSlope,
        ExerciseId::FirstDepthAbove,
        ExerciseId::FastestInit,
        ExerciseId::EdgeExponent,
        ExerciseId::EscapeSteps,
        ExerciseId::EscapeRatio,
        ExerciseId::StationaryOrder,
        ExerciseId::DigitsCondition,
        ExerciseId::ReluRatio,
        ExerciseId::TraceAtZero,
        ExerciseId::DenseBytes,
    ];

    /// The number the notebooks print, e.g. `"3.1"`.
    pub fn number(self) -> &'static str {
        [
            "1.1", "1.2", "2.1", "2.2", "3.1", "3.2", "3.3", "4.1", "4.2", "5.1", "5.2", "5.3",
            "6.1", "6.2", "7.1", "7.2",
        ][self as usize]
    }

    /// The code the page passes to the WebAssembly: chapter·10 + exercise, e.g. 31.
    pub fn code(self) -> u32 {
        let (chapter, k) = self.number().split_once('.').expect("n.k");
        chapter.parse::<u32>().expect("digit") * 10 + k.parse::<u32>().expect("digit")
    }

    /// The exercise of a code (`None` for an unknown one).
    pub fn from_code(code: u32) -> Option<ExerciseId> {
        ExerciseId::ALL.into_iter().find(|e| e.code() == code)
    }

    /// The kind of answer its box takes.
    pub fn answer_kind(self) -> AnswerKind {
        use ExerciseId::*;
        match self {
            ParameterCount | NegativeEigenvalues | FirstDepthAbove | StationaryOrder => {
                AnswerKind::Count
            }
            FastestInit => AnswerKind::Choice,
            _ => AnswerKind::Real,
        }
    }
}

/// What an in-page exercise's box carries: the settings its closed form needs (unused fields 0, no teacher or an
/// empty matrix), never its answer.
#[derive(Debug, Clone, PartialEq)]
pub struct PageInputs {
    /// Width `D`.
    pub width: usize,
    /// Shortcut depth `n`.
    pub shortcut: usize,
    /// Depth `L`.
    pub depth: usize,
    /// The seeded teacher problem whose moments the closed form takes.
    pub teacher: Option<Teacher>,
    /// A data set's `M`, row-major `D×D` (exercise 6.1), when there is no in-page generator for its data.
    pub matrix: Vec<f64>,
}

impl PageInputs {
    fn moments(&self) -> Result<Moments> {
        let teacher = self.teacher.as_ref().ok_or_else(|| Error::Parse {
            source: "the exercise box's data".into(),
            message: "no teacher settings".into(),
        })?;
        teacher.moments(self.width)
    }
}

impl Payload for PageInputs {
    fn write(&self, w: &mut Writer) {
        w.u64(self.width as u64)
            .u64(self.shortcut as u64)
            .u64(self.depth as u64);
        match &self.teacher {
            None => {
                w.u64(0);
            }
            Some(t) => {
                w.u64(1)
                    .u64(t.samples as u64)
                    .f64(t.scale)
                    .f64(t.noise_std)
                    .u64(u64::from(t.whiten))
                    .u64(t.seed);
            }
        }
        w.u64(self.matrix.len() as u64);
        for &v in &self.matrix {
            w.f64(v);
        }
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (width, shortcut, depth) = (r.usize()?, r.usize()?, r.usize()?);
        let teacher = match r.u64()? {
            0 => None,
            _ => Some(Teacher {
                samples: r.usize()?,
                scale: r.f64()?,
                noise_std: r.f64()?,
                whiten: r.u64()? != 0,
                seed: r.u64()?,
            }),
        };
        let n = r.usize()?;
        let matrix = (0..n.min(1 << 20))
            .map(|_| r.f64())
            .collect::<Result<Vec<_>>>()?;
        Ok(PageInputs {
            width,
            shortcut,
            depth,
            teacher,
            matrix,
        })
    }
}

/// Where a page's exercise box takes its truth from.
#[derive(Debug, Clone, PartialEq)]
pub enum PageTruth {
    /// Computed in the page from these settings by the closed forms.
    InPage(PageInputs),
    /// Recorded when the notebook ran: the truth's bytes ([`Payload::to_bytes`] of the exercise's truth type).
    Recorded(Vec<u8>),
}

impl PageTruth {
    /// The box's data: a tag (0 in-page, 1 recorded), then the inputs, or the truth sealed with `id`'s key.
    pub fn to_bytes(&self, id: ExerciseId) -> Vec<u8> {
        let mut w = Writer::default();
        match self {
            PageTruth::InPage(inputs) => {
                w.u64(0);
                inputs.write(&mut w);
            }
            PageTruth::Recorded(truth) => {
                w.u64(1);
                let mut sealed = truth.clone();
                seal(&mut sealed, id.code());
                w.0.extend_from_slice(&sealed);
            }
        }
        w.0
    }

    /// Reads a box's data back (unsealing a recorded truth).
    pub fn from_bytes(bytes: &[u8], id: ExerciseId) -> Result<PageTruth> {
        let mut r = Reader::new(bytes);
        match r.u64()? {
            0 => Ok(PageTruth::InPage(PageInputs::from_bytes(&bytes[8..])?)),
            _ => {
                let mut truth = bytes[8..].to_vec();
                seal(&mut truth, id.code());
                Ok(PageTruth::Recorded(truth))
            }
        }
    }

    /// `true` for a truth computed in the page.
    pub fn is_in_page(&self) -> bool {
        matches!(self, PageTruth::InPage(_))
    }
}

fn truth_of<T: Payload>(
    truth: &PageTruth,
    in_page: impl FnOnce(&PageInputs) -> Result<T>,
) -> Result<T> {
    match truth {
        PageTruth::InPage(inputs) => in_page(inputs),
        PageTruth::Recorded(bytes) => T::from_bytes(bytes),
    }
}

fn recorded_only(id: ExerciseId) -> Error {
    Error::Parse {
        source: "the exercise box's data".into(),
        message: format!(
            "exercise {} is checked against its recorded value",
            id.number()
        ),
    }
}

fn m_of(inputs: &PageInputs) -> Result<Mat<f64>> {
    let d = inputs.width;
    if d == 0 || inputs.matrix.len() != d * d {
        return Err(Error::ShapeMismatch {
            what: "M in the exercise box".into(),
            expected: d * d,
            found: inputs.matrix.len(),
        });
    }
    Ok(Mat::from_fn(d, d, |i, j| inputs.matrix[i * d + j]))
}

/// What *Check* runs in a page: reads `text` as the exercise's kind of answer ([`answer`]), takes the truth from
/// `truth` (closed forms for in-page data, the recorded value otherwise), and returns the judge's feedback — the
/// same function as the notebook's checker. Unreadable text is "not yet" with what to type; `Err` only when the
/// box's data is damaged or the closed form fails.
pub fn check_in_page(id: ExerciseId, text: &str, truth: &PageTruth) -> Result<Feedback> {
    use ExerciseId as E;
    let real = || answer::parse_real(text);
    let count = || answer::parse_count(text);
    macro_rules! judged {
        ($parsed:expr, $judge:path, $truth:expr) => {
            match $parsed {
                Err(unreadable) => unreadable,
                Ok(None) => Feedback::NotAttempted,
                Ok(a) => $judge(a, &$truth?),
            }
        };
    }
    Ok(match id {
        E::ParameterCount => judged!(
            count(),
            judges::parameter_count,
            truth_of(truth, |i| Ok(ParameterCount::closed_form(
                i.width, i.shortcut, i.depth
            )))
        ),
        E::LossAtZero => judged!(
            real(),
            judges::loss_at_zero,
            truth_of(truth, |i| Ok(LossAtZero::of_moments(&i.moments()?)))
        ),
        E::NegativeEigenvalues => judged!(
            count(),
            judges::negative_eigenvalues,
            truth_of(truth, |i| {
                NegativeEigenvalues::closed_form(i.shortcut, i.width, i.depth, &i.moments()?)
            })
        ),
        E::LambdaMax => judged!(
            real(),
            judges::lambda_max_at_zero,
            truth_of(truth, |i| {
                lambda_max_closed_form(i.shortcut, i.depth, &i.moments()?)
            })
        ),
        E::ConditionAtDepth => judged!(
            real(),
            judges::n2_condition_at_depth,
            truth_of(truth, |i| {
                condition_closed_form(i.shortcut, i.depth, &i.moments()?)
            })
        ),
        E::LambdaMaxSlope => judged!(
            real(),
            judges::n1_lambda_max_slope,
            truth_of(truth, |i| {
                lambda_max_slope_closed_form(i.shortcut, &i.moments()?)
            })
        ),
        E::FirstDepthAbove => judged!(
            count(),
            judges::n1_first_depth_above,
            truth_of(truth, |i| {
                FirstDepthAbove::closed_form(i.shortcut, &i.moments()?)
            })
        ),
        E::FastestInit => {
            let t: FastestInit = truth_of(truth, |_| Err(recorded_only(id)))?;
            let labels: Vec<String> = t.rows.iter().map(|r| r.0.clone()).collect();
            match answer::parse_choice(text, &labels) {
                Err(unreadable) => unreadable,
                Ok(a) => judges::fastest_init(a.as_deref(), &t),
            }
        }
        E::EdgeExponent => judged!(
            real(),
            judges::n1_edge_exponent,
            truth_of::<EdgeExponent>(truth, |_| Err(recorded_only(id)))
        ),
        E::EscapeSteps => judged!(
            real(),
            judges::escape_steps,
            truth_of::<Measured>(truth, |_| Err(recorded_only(id)))
        ),
        E::EscapeRatio => judged!(
            real(),
            judges::n3_escape_ratio,
            truth_of::<EscapePair>(truth, |_| Err(recorded_only(id)))
        ),
        E::StationaryOrder => judged!(
            count(),
            judges::stationary_order_prediction,
            truth_of::<LeadingTerm>(truth, |_| Err(recorded_only(id)))
        ),
        E::DigitsCondition => judged!(
            real(),
            judges::digits_condition_number,
            truth_of(truth, |i| condition_of_m(&m_of(i)?))
        ),
        E::ReluRatio => judged!(
            real(),
            judges::relu_second_difference_ratio,
            truth_of::<Measured>(truth, |_| Err(recorded_only(id)))
        ),
        E::TraceAtZero => judged!(
            real(),
            judges::trace_at_zero,
            truth_of(truth, |i| {
                TraceAtZero::closed_form(i.shortcut, i.depth, &i.moments()?)
            })
        ),
        E::DenseBytes => judged!(
            real(),
            judges::dense_bytes,
            truth_of(truth, |i| Ok(DenseBytes::of_params(
                crate::theory::num_params(i.shortcut, i.depth, i.width)
            )))
        ),
    })
}
