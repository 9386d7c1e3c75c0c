//! Exercises of notebook 06 (nonlinear branches and real data).

use super::{ExerciseCheck, ExerciseId, PageExercise, PageInputs};
use crate::error::Result;
use crate::experiments::{build_network, DataSpec, NetworkSpec, ReluConvention, ReluConventions};
use crate::hessian::{spectrum_of, HessianOptions};
use crate::net::Init;
use demystify_core::exercises::{judges, truths};

/// **Exercise 6.1 (derive, then verify).** Compute the shortcut-2 condition number at zero of the digits data
/// (`D = 8`) by hand from its `M`: `κ = σ_max(M)/σ_min(M)` (`DataSpec::Digits.load(8)?`, then
/// `theory::singular_values(&data.moments().m)`). The checker computes κ of the numeric Hessian of a `D = 8`,
/// `L = 1` network on the digits (relative tolerance 1e-5). The page gets the digits' `M` (the data, not the
/// answer) and takes `σ_max/σ_min` itself.
pub fn digits_condition_number(answer: Option<f64>) -> Result<ExerciseCheck> {
    let data = DataSpec::Digits.load(8)?;
    let h = build_network(&NetworkSpec::residual(8, 2, 1), &Init::Zero, 0)?
        .hessian_at(&data, &HessianOptions::default())?;
    let truth = truths::Value(
        spectrum_of(h.matrix.as_ref(), None)?
            .condition_number()
            .unwrap_or(f64::INFINITY),
    );
    let m = &data.moments().m;
    let matrix = (0..8 * 8).map(|k| m[(k / 8, k % 8)]).collect();
    Ok(ExerciseCheck::new(
        judges::digits_condition_number(answer, &truth),
        PageExercise::in_page(
            ExerciseId::DigitsCondition,
            PageInputs {
                width: 8,
                shortcut: 2,
                depth: 1,
                teacher: None,
                matrix,
            },
        ),
    ))
}

/// **Exercise 6.2 (predict, then check).** A ReLU branch at `W = 0` sits on the kink. Taking central second
/// differences of the loss averages the slopes 0 and 1. Predict `λ_max` of that Hessian divided by the linear
/// network's, for the notebook's run `result` (shortcut 2; its width and depth). The checker reads the ratio from
/// `result`'s second-differences row (relative tolerance 1e-3); the page, the ratio recorded from it.
pub fn relu_second_difference_ratio(
    answer: Option<f64>,
    result: &ReluConventions,
) -> Result<ExerciseCheck> {
    let truth = truths::Measured(
        result
            .of(ReluConvention::LossSecondDifferences)
            .map(|r| r.lambda_max_over_linear),
    );
    Ok(ExerciseCheck::new(
        judges::relu_second_difference_ratio(answer, &truth),
        PageExercise::recorded(ExerciseId::ReluRatio, &truth),
    ))
}
