//! Exercises of notebook 01 (residual blocks).

use super::{check_count, check_real, direction, Feedback};
use crate::error::Result;
use crate::experiments::{build_network, DataSpec, NetworkSpec};
use crate::net::Init;

/// The network of exercise 1.1: width 4, shortcut depth 3, five units.
pub const PARAMETER_COUNT_NETWORK: (usize, usize, usize) = (4, 3, 5);

/// **Exercise 1.1 (predict, then check).** How many parameters `P` does the residual network of
/// [`PARAMETER_COUNT_NETWORK`] — `ResNet::<4, 3>` with `L = 5` units — have? Each unit holds `n` weight matrices
/// of `D×D`, so `P = n·L·D²`; the checker counts the parameters of a built network.
pub fn parameter_count(answer: Option<usize>) -> Result<Feedback> {
    let (width, shortcut, depth) = PARAMETER_COUNT_NETWORK;
    let truth = build_network(
        &NetworkSpec::residual(width, shortcut, depth),
        &Init::Zero,
        0,
    )?
    .params()
    .len();
    Ok(check_count(
        answer,
        truth,
        || {
            format!("P = n·L·D² = {shortcut}·{depth}·{width}² = {truth}, the length of the built network's parameter vector.")
        },
        |a| {
            if a == width * width * depth {
                "That counts one matrix per unit; a shortcut-3 unit holds three D×D matrices."
                    .into()
            } else if a == shortcut * width * depth {
                "Each weight matrix is D×D, so it holds D² numbers, not D.".into()
            } else {
                format!(
                    "{a} is {}: count the D×D matrices per unit, then the units.",
                    direction(a as f64, truth as f64)
                )
            }
        },
    ))
}

/// **Exercise 1.2 (derive, then verify).** At `W = 0` a residual network is the identity, so its loss on the
/// default teacher data (width 4) is `ℓ(0) = (1/2m)·Σᵢ‖yᵢ − xᵢ‖²`. Compute it from the data's second moments,
/// `ℓ(0) = ½·tr(Σ_yy) − tr(Σ_xy) + ½·tr(Σ_xx)` (`Moments::mean_sq_target` is `tr Σ_yy`), and give the number.
/// The checker evaluates the loss of a zero-initialised network (relative tolerance 1e-9).
pub fn loss_at_zero(answer: Option<f64>) -> Result<Feedback> {
    let data = DataSpec::default().load(4)?;
    let truth = build_network(&NetworkSpec::residual(4, 2, 3), &Init::Zero, 0)?.loss(&data)?;
    let plain_zero = 0.5 * data.moments().mean_sq_target;
    Ok(check_real(
        answer,
        truth,
        1e-9,
        || {
            format!("ℓ(0) = {truth:.6}: the loss of the identity map, the same for every shortcut depth and L.")
        },
        |a| {
            if (a - plain_zero).abs() <= 1e-9 * plain_zero {
                "That is ½·tr(Σ_yy), the loss of the *plain* network at zero (it outputs 0); the residual network outputs x.".into()
            } else if (a - 2.0 * truth).abs() <= 1e-9 * truth {
                "Off by a factor 2: the loss has a ½ in front.".into()
            } else {
                format!(
                    "{a} is {}: expand ‖y − x‖² = ‖y‖² − 2yᵀx + ‖x‖² and average over the samples.",
                    direction(a, truth)
                )
            }
        },
    ))
}
