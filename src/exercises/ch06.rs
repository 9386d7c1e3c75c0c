//! Exercises of notebook 06 (nonlinear branches and real data).

use super::{check_real, direction, Feedback};
use crate::error::Result;
use crate::experiments::{build_network, DataSpec, NetworkSpec, ReluConvention, ReluConventions};
use crate::hessian::{spectrum_of, HessianOptions};
use crate::net::Init;

/// **Exercise 6.1 (derive, then verify).** Compute the shortcut-2 condition number at zero of the digits data
/// (`D = 8`) by hand from its `M`: `κ = σ_max(M)/σ_min(M)` (`DataSpec::Digits.load(8)?`, then
/// `theory::singular_values(&data.moments().m)`). The checker computes κ of the numeric Hessian of a `D = 8`,
/// `L = 1` network on the digits (relative tolerance 1e-5).
pub fn digits_condition_number(answer: Option<f64>) -> Result<Feedback> {
    if answer.is_none() {
        return Ok(Feedback::NotAttempted);
    }
    let data = DataSpec::Digits.load(8)?;
    let h = build_network(&NetworkSpec::residual(8, 2, 1), &Init::Zero, 0)?
        .hessian_at(&data, &HessianOptions::default())?;
    let truth = spectrum_of(h.matrix.as_ref(), None)?
        .condition_number()
        .unwrap_or(f64::INFINITY);
    Ok(check_real(
        answer,
        truth,
        1e-5,
        || {
            format!("κ = {truth:.4}: the numeric Hessian of the digits network agrees with σ_max(M)/σ_min(M), at every depth.")
        },
        |a| {
            format!("{a} is {}: use the singular values of M = Σ_xy − Σ_xx of the whitened digits, largest over smallest.", direction(a, truth))
        },
    ))
}

/// **Exercise 6.2 (predict, then check).** A ReLU branch at `W = 0` sits on the kink. Taking central second
/// differences of the loss averages the slopes 0 and 1. Predict `λ_max` of that Hessian divided by the linear
/// network's, for the notebook's run `result` (shortcut 2; its width and depth). The checker reads the ratio from
/// `result`'s second-differences row (relative tolerance 1e-3).
pub fn relu_second_difference_ratio(
    answer: Option<f64>,
    result: &ReluConventions,
) -> Result<Feedback> {
    if answer.is_none() {
        return Ok(Feedback::NotAttempted);
    }
    let Some(truth) = result
        .of(ReluConvention::LossSecondDifferences)
        .map(|r| r.lambda_max_over_linear)
    else {
        return Ok(Feedback::NotYet(
            "This run has no second-differences row.".into(),
        ));
    };
    Ok(check_real(
        answer,
        truth,
        1e-3,
        || {
            format!("Measured ratio {truth:.4}: the effective slope is ½, and the n = 2 block is linear in the slope (one factor per branch: ½·1).")
        },
        |a| {
            if (a - 0.25).abs() < 1e-3 {
                "¼ is what differences of dfdx gradients give (one block sees the kink, the other does not); second differences of the loss see the kink from both sides.".into()
            } else {
                format!("{a} is {}: the average of the slopes 0 and 1, entering the block W₂·σ(W₁x) once.", direction(a, truth))
            }
        },
    ))
}
