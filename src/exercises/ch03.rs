//! Exercises of notebook 03 (condition number versus depth).

use super::{check_count, check_real, direction, Feedback};
use crate::error::Result;
use crate::experiments::{ConditionVsDepthConfig, DataSpec};
use crate::hessian::theory;
use crate::numbers::fit::log_log_slope;

/// The depth of exercise 3.1.
pub const DEEP: usize = 10_000;

/// Relative tolerance of exercise 3.1: the notebook's tables show κ to 4 significant digits, so a value read off
/// them is within 5e-4 of the truth; 1e-3 accepts it.
pub const READ_OFF_TOLERANCE: f64 = 1e-3;

/// **Exercise 3.1 (predict, then check).** Predict the condition number of the Hessian at zero of a shortcut-2
/// network with `L = ` [`DEEP`], of the width and on the data of the notebook's sweep `config`, from the tables
/// of notebook 03 (no new computation needed). The checker computes it in closed form at that depth and accepts
/// a relative error up to [`READ_OFF_TOLERANCE`] (the tables' 4 significant digits).
pub fn n2_condition_at_depth(
    answer: Option<f64>,
    config: &ConditionVsDepthConfig,
) -> Result<Feedback> {
    let data = config.data.load(config.width)?;
    let truth = theory::closed_form_spectrum(2, DEEP, data.moments(), 1.0)?
        .condition_number()
        .unwrap_or(f64::INFINITY);
    Ok(check_real(
        answer,
        truth,
        READ_OFF_TOLERANCE,
        || format!("κ = {truth:.6} at L = {DEEP}: the same as at L = 1, σ_max(M)/σ_min(M)."),
        |a| {
            format!("{a} is {}: for n = 2 the condition number does not depend on L — read it off any row of the shortcut-2 table.", direction(a, truth))
        },
    ))
}

/// Depths of exercise 3.2.
pub const SLOPE_DEPTHS: [usize; 7] = [1, 2, 4, 8, 16, 32, 64];

/// The fitted log–log slope of the closed-form `λ_max` of shortcut 1 against `L` over [`SLOPE_DEPTHS`] (`D = 2`,
/// default teacher data).
pub fn n1_lambda_max_slope_value() -> Result<f64> {
    let data = DataSpec::default().load(2)?;
    let pts = SLOPE_DEPTHS
        .iter()
        .map(|&l| {
            Ok((
                l as f64,
                theory::closed_form_spectrum(1, l, data.moments(), 1.0)?.lambda_max(),
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(log_log_slope(&pts).unwrap_or(f64::NAN))
}

/// **Exercise 3.2 (predict, then check).** For shortcut 1 every pair of units is coupled by the same block
/// `G = I_D ⊗ Σ_xx`, so `λ_max(H(0)) ≥ L·max_j (Σ_xx)_jj`. Predict the fitted exponent `s` in `λ_max ∝ L^s`
/// (closed form, `D = 2`, default teacher, `L` in [`SLOPE_DEPTHS`]). Accepted within ±0.1 of the fitted slope.
pub fn n1_lambda_max_slope(answer: Option<f64>) -> Result<Feedback> {
    let truth = n1_lambda_max_slope_value()?;
    Ok(match answer {
        Some(a) if a.is_finite() && (a - truth).abs() <= 0.1 => Feedback::Correct(format!(
            "The fitted exponent is {truth:.3}: λ_max grows like L, so the largest stable learning rate 2/λ_max shrinks like 1/L."
        )),
        other => check_real(other, truth, 0.0, String::new, |a| {
            format!("{a} is {}: if every pair of units carries the same block, what does an all-ones L×L matrix do to the top eigenvalue?", direction(a, truth))
        }),
    })
}

/// The threshold of exercise 3.3.
pub const KAPPA_THRESHOLD: f64 = 1e4;
/// Depths scanned by the checker of exercise 3.3.
pub const MAX_SCANNED_DEPTH: usize = 64;

/// The smallest `L ≤` [`MAX_SCANNED_DEPTH`] at which the closed-form shortcut-1 condition number (`D = 4`,
/// default teacher: the prompt fixes `D = 4` in both modes) exceeds [`KAPPA_THRESHOLD`] (`None` if none does).
pub fn n1_first_depth_above_value() -> Result<Option<usize>> {
    let data = DataSpec::default().load(4)?;
    for l in 1..=MAX_SCANNED_DEPTH {
        let kappa = theory::closed_form_spectrum(1, l, data.moments(), 1.0)?
            .condition_number()
            .unwrap_or(f64::INFINITY);
        if kappa > KAPPA_THRESHOLD {
            return Ok(Some(l));
        }
    }
    Ok(None)
}

/// **Exercise 3.3 (change a parameter).** Find the smallest depth `L` at which the shortcut-1 condition number
/// at zero (closed form, `D = 4` as the prompt states, default teacher data) first exceeds [`KAPPA_THRESHOLD`]. Change the depth list
/// of a `ConditionVsDepthConfig` (or call `theory::closed_form_spectrum(1, L, …)`) and look. Beware: κ is not
/// monotone in `L`, so "first" means scanning every depth, not bisecting.
pub fn n1_first_depth_above(answer: Option<usize>) -> Result<Feedback> {
    let Some(truth) = n1_first_depth_above_value()? else {
        return Ok(Feedback::NotYet(format!(
            "No depth up to {MAX_SCANNED_DEPTH} exceeds the threshold on this data; the exercise does not apply."
        )));
    };
    Ok(check_count(
        answer,
        truth,
        || format!("L = {truth} is the first depth with κ > {KAPPA_THRESHOLD:e}."),
        |a| {
            if a > truth {
                format!("κ already exceeds {KAPPA_THRESHOLD:e} at a smaller depth than {a}: scan every L from 1, not only powers of 2.")
            } else {
                format!("At L = {a} κ is still at most {KAPPA_THRESHOLD:e}: scan further up, one depth at a time.")
            }
        },
    ))
}
