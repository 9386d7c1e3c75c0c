//! Exercises of notebook 02 (gradient and Hessian at the zero point).

use super::{page_teacher, ExerciseCheck, ExerciseId, PageExercise, PageInputs};
use crate::error::Result;
use crate::experiments::{build_network, DataSpec, NetworkSpec};
use crate::hessian::{spectrum_of, HessianOptions, Spectrum};
use crate::net::Init;
use demystify_core::exercises::{judges, truths};

pub use demystify_core::exercises::judges::LAMBDA_MAX_TOLERANCE;

/// The exact Hessian (R-operator, the default method) at `W = 0` of a residual network on the default teacher
/// data, and its spectrum.
fn numeric_spectrum_at_zero(width: usize, shortcut: usize, depth: usize) -> Result<Spectrum> {
    let data = DataSpec::default().load(width)?;
    let h = build_network(
        &NetworkSpec::residual(width, shortcut, depth),
        &Init::Zero,
        0,
    )?
    .hessian_at(&data, &HessianOptions::default())?;
    spectrum_of(h.matrix.as_ref(), None)
}

fn on_default_teacher(width: usize, depth: usize) -> PageInputs {
    PageInputs {
        width,
        shortcut: 2,
        depth,
        teacher: page_teacher(&DataSpec::default()),
        matrix: Vec::new(),
    }
}

/// **Exercise 2.1 (predict, then check).** How many *negative* eigenvalues has the Hessian at `W = 0` of a
/// shortcut-2 network with `D = 4` and `L = 5` (default teacher data)? Theory: the spectrum is `±σ_i(M)`, each
/// with multiplicity `D·L`. The checker counts the eigenvalues below `−1e-6·max|λ|` of the exact Hessian; the
/// page, of the closed form.
pub fn negative_eigenvalues(answer: Option<usize>) -> Result<ExerciseCheck> {
    let (width, depth) = (4, 5);
    let spectrum = numeric_spectrum_at_zero(width, 2, depth)?;
    let truth = truths::NegativeEigenvalues::of_eigenvalues(width, depth, &spectrum.eigenvalues());
    Ok(ExerciseCheck::new(
        judges::negative_eigenvalues(answer, &truth),
        PageExercise::in_page(
            ExerciseId::NegativeEigenvalues,
            on_default_teacher(width, depth),
        ),
    ))
}

/// **Exercise 2.2 (derive, then verify).** For the shortcut-2 network with `D = 2`, `L = 3` on the default teacher
/// data, compute the largest eigenvalue of the Hessian at zero *by hand from M*: `λ_max = σ_max(M)` (use
/// `data.moments().m` and `theory::singular_values`, or the entries of M as the notebook's table shows them, to 4
/// significant digits). The checker takes `λ_max` of the exact Hessian (R-operator; the page, of the closed form)
/// and accepts a relative error up to [`LAMBDA_MAX_TOLERANCE`], which covers an SVD of the displayed, rounded
/// entries.
pub fn lambda_max_at_zero(answer: Option<f64>) -> Result<ExerciseCheck> {
    let truth = truths::Value(numeric_spectrum_at_zero(2, 2, 3)?.lambda_max());
    Ok(ExerciseCheck::new(
        judges::lambda_max_at_zero(answer, &truth),
        PageExercise::in_page(ExerciseId::LambdaMax, on_default_teacher(2, 3)),
    ))
}
