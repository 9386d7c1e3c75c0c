//! Exercises of notebook 03 (condition number versus depth). All three are closed forms, so the report page
//! computes their truths itself.

use super::{page_teacher, ExerciseCheck, ExerciseId, PageExercise, PageInputs};
use crate::error::Result;
use crate::experiments::{ConditionVsDepthConfig, DataSpec};
use demystify_core::exercises::{judges, truths};

pub use demystify_core::exercises::judges::{DEEP, READ_OFF_TOLERANCE};
pub use demystify_core::exercises::truths::{KAPPA_THRESHOLD, MAX_SCANNED_DEPTH, SLOPE_DEPTHS};

/// The page's settings: shortcut `shortcut`, depth `depth`, width `width` on `data` (`None` teacher when the page
/// cannot generate the data; the box then carries the recorded truth instead, see [`closed_form_check`]).
fn inputs(shortcut: usize, depth: usize, width: usize, data: &DataSpec) -> PageInputs {
    PageInputs {
        width,
        shortcut,
        depth,
        teacher: page_teacher(data),
        matrix: Vec::new(),
    }
}

/// In-page when the page can generate the data, recorded otherwise.
fn closed_form_check<T: demystify_core::exercises::payload::Payload>(
    id: ExerciseId,
    feedback: super::Feedback,
    inputs: PageInputs,
    truth: &T,
) -> ExerciseCheck {
    let page = if inputs.teacher.is_some() {
        PageExercise::in_page(id, inputs)
    } else {
        PageExercise::recorded(id, truth)
    };
    ExerciseCheck::new(feedback, page)
}

/// **Exercise 3.1 (predict, then check).** Predict the condition number of the Hessian at zero of a shortcut-2
/// network with `L = ` [`DEEP`], of the width and on the data of the notebook's sweep `config`, from the tables
/// of notebook 03 (no new computation needed). The checker computes it in closed form at that depth and accepts
/// a relative error up to [`READ_OFF_TOLERANCE`] (the tables' 4 significant digits).
pub fn n2_condition_at_depth(
    answer: Option<f64>,
    config: &ConditionVsDepthConfig,
) -> Result<ExerciseCheck> {
    let data = config.data.load(config.width)?;
    let truth = truths::condition_closed_form(2, DEEP, data.moments())?;
    Ok(closed_form_check(
        ExerciseId::ConditionAtDepth,
        judges::n2_condition_at_depth(answer, &truth),
        inputs(2, DEEP, config.width, &config.data),
        &truth,
    ))
}

/// The fitted log–log slope of the closed-form `λ_max` of shortcut 1 against `L` over [`SLOPE_DEPTHS`] (`D = 2`,
/// default teacher data).
pub fn n1_lambda_max_slope_value() -> Result<f64> {
    let data = DataSpec::default().load(2)?;
    Ok(truths::lambda_max_slope_closed_form(1, data.moments())?.0)
}

/// **Exercise 3.2 (predict, then check).** For shortcut 1 every pair of units is coupled by the same block
/// `G = I_D ⊗ Σ_xx`, so `λ_max(H(0)) ≥ L·max_j (Σ_xx)_jj`. Predict the fitted exponent `s` in `λ_max ∝ L^s`
/// (closed form, `D = 2`, default teacher, `L` in [`SLOPE_DEPTHS`]). Accepted within ±0.1 of the fitted slope.
pub fn n1_lambda_max_slope(answer: Option<f64>) -> Result<ExerciseCheck> {
    let truth = truths::Value(n1_lambda_max_slope_value()?);
    Ok(closed_form_check(
        ExerciseId::LambdaMaxSlope,
        judges::n1_lambda_max_slope(answer, &truth),
        inputs(1, 0, 2, &DataSpec::default()),
        &truth,
    ))
}

/// The smallest `L ≤` [`MAX_SCANNED_DEPTH`] at which the closed-form shortcut-1 condition number (`D = 4`,
/// default teacher: the prompt fixes `D = 4` in both modes) exceeds [`KAPPA_THRESHOLD`] (`None` if none does).
pub fn n1_first_depth_above_value() -> Result<Option<usize>> {
    let data = DataSpec::default().load(4)?;
    Ok(truths::FirstDepthAbove::closed_form(1, data.moments())?.0)
}

/// **Exercise 3.3 (change a parameter).** Find the smallest depth `L` at which the shortcut-1 condition number
/// at zero (closed form, `D = 4` as the prompt states, default teacher data) first exceeds [`KAPPA_THRESHOLD`].
/// Change the depth list of a `ConditionVsDepthConfig` (or call `theory::closed_form_spectrum(1, L, …)`) and look.
/// Beware: κ is not monotone in `L`, so "first" means scanning every depth, not bisecting.
pub fn n1_first_depth_above(answer: Option<usize>) -> Result<ExerciseCheck> {
    let truth = truths::FirstDepthAbove(n1_first_depth_above_value()?);
    Ok(closed_form_check(
        ExerciseId::FirstDepthAbove,
        judges::n1_first_depth_above(answer, &truth),
        inputs(1, 0, 4, &DataSpec::default()),
        &truth,
    ))
}
