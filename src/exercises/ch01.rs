//! Exercises of notebook 01 (residual blocks).

use super::{page_teacher, ExerciseCheck, ExerciseId, PageExercise, PageInputs};
use crate::error::Result;
use crate::experiments::{build_network, DataSpec, NetworkSpec};
use crate::net::Init;
use demystify_core::exercises::{judges, truths};

/// The network of exercise 1.1: width 4, shortcut depth 3, five units.
pub const PARAMETER_COUNT_NETWORK: (usize, usize, usize) = (4, 3, 5);

/// **Exercise 1.1 (predict, then check).** How many parameters `P` does the residual network of
/// [`PARAMETER_COUNT_NETWORK`] — `ResNet::<4, 3>` with `L = 5` units — have? Each unit holds `n` weight matrices
/// of `D×D`, so `P = n·L·D²`; the checker counts the parameters of a built network. In the page: `n·L·D²`.
pub fn parameter_count(answer: Option<usize>) -> Result<ExerciseCheck> {
    let (width, shortcut, depth) = PARAMETER_COUNT_NETWORK;
    let params = build_network(
        &NetworkSpec::residual(width, shortcut, depth),
        &Init::Zero,
        0,
    )?
    .params()
    .len();
    let truth = truths::ParameterCount {
        width,
        shortcut,
        depth,
        params,
    };
    Ok(ExerciseCheck::new(
        judges::parameter_count(answer, &truth),
        PageExercise::in_page(
            ExerciseId::ParameterCount,
            PageInputs {
                width,
                shortcut,
                depth,
                teacher: None,
                matrix: Vec::new(),
            },
        ),
    ))
}

/// **Exercise 1.2 (derive, then verify).** At `W = 0` a residual network is the identity, so its loss on the
/// default teacher data (width 4) is `ℓ(0) = (1/2m)·Σᵢ‖yᵢ − xᵢ‖²`. Compute it from the data's second moments,
/// `ℓ(0) = ½·tr(Σ_yy) − tr(Σ_xy) + ½·tr(Σ_xx)` (`Moments::mean_sq_target` is `tr Σ_yy`), and give the number.
/// The checker evaluates the loss of a zero-initialised network (relative tolerance
/// [`judges::LOSS_AT_ZERO_TOLERANCE`], which covers the 10 significant digits of the notebook's table of traces);
/// the page, the moments' formula.
pub fn loss_at_zero(answer: Option<f64>) -> Result<ExerciseCheck> {
    let spec = DataSpec::default();
    let data = spec.load(4)?;
    let truth = truths::LossAtZero {
        loss: build_network(&NetworkSpec::residual(4, 2, 3), &Init::Zero, 0)?.loss(&data)?,
        plain_zero: 0.5 * data.moments().mean_sq_target,
    };
    Ok(ExerciseCheck::new(
        judges::loss_at_zero(answer, &truth),
        PageExercise::in_page(
            ExerciseId::LossAtZero,
            PageInputs {
                width: 4,
                shortcut: 2,
                depth: 3,
                teacher: page_teacher(&spec),
                matrix: Vec::new(),
            },
        ),
    ))
}
