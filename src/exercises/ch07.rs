//! Exercises of notebook 07 (Hessians too large to store). Both are closed forms, computed again in the page.

use super::{page_teacher, ExerciseCheck, ExerciseId, PageExercise, PageInputs};
use crate::error::Result;
use crate::experiments::{DataSpec, MatrixFreeConfig};
use crate::net::Architecture;
use demystify_core::exercises::{judges, truths};

fn large_network_inputs() -> PageInputs {
    let large = MatrixFreeConfig::large().network;
    let shortcut = match large.architecture {
        Architecture::Residual { shortcut } => shortcut,
        Architecture::Plain => 1,
    };
    PageInputs {
        width: large.width,
        shortcut,
        depth: large.depth,
        teacher: page_teacher(&DataSpec::default()),
        matrix: Vec::new(),
    }
}

/// **Exercise 7.1 (predict, then check).** Hutchinson's estimate of `tr H` for the large network near the zero
/// point comes with a standard error. What is the *exact* trace of the Hessian at `W = 0` of a shortcut-2 network
/// (any `D`, any `L`)? The checker sums the closed-form spectrum of the `D = 8`, `L = 1024` network (absolute
/// tolerance 1e-9·P·σ_max).
pub fn trace_at_zero(answer: Option<f64>) -> Result<ExerciseCheck> {
    let inputs = large_network_inputs();
    let data = DataSpec::default().load(inputs.width)?;
    let truth = truths::TraceAtZero::closed_form(inputs.shortcut, inputs.depth, data.moments())?;
    Ok(ExerciseCheck::new(
        judges::trace_at_zero(answer, &truth),
        PageExercise::in_page(ExerciseId::TraceAtZero, inputs),
    ))
}

/// **Exercise 7.2 (derive, then verify).** How many bytes would the dense Hessian of
/// [`MatrixFreeConfig::large`] (`D = 8`, `L = 1024`, shortcut 2) and a copy for the eigensolver take, at 8 bytes
/// per entry? First derive `P`. The checker compares with `hessian::dense_spectrum_bytes(P)` (relative
/// tolerance 1 %).
pub fn dense_bytes_of_large(answer: Option<f64>) -> Result<ExerciseCheck> {
    let truth = truths::DenseBytes::of_params(MatrixFreeConfig::large().network.num_params());
    Ok(ExerciseCheck::new(
        judges::dense_bytes(answer, &truth),
        PageExercise::in_page(ExerciseId::DenseBytes, large_network_inputs()),
    ))
}
