//! Exercises of notebook 02 (gradient and Hessian at the zero point).

use super::{check_count, check_real, direction, Feedback};
use crate::error::Result;
use crate::experiments::{build_network, DataSpec, NetworkSpec};
use crate::hessian::{spectrum_of, HessianOptions, Spectrum};
use crate::net::Init;

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

/// **Exercise 2.1 (predict, then check).** How many *negative* eigenvalues has the Hessian at `W = 0` of a
/// shortcut-2 network with `D = 4` and `L = 5` (default teacher data)? Theory: the spectrum is `±σ_i(M)`, each
/// with multiplicity `D·L`. The checker counts the eigenvalues below `−1e-6·max|λ|` of the exact Hessian.
pub fn negative_eigenvalues(answer: Option<usize>) -> Result<Feedback> {
    let (width, depth) = (4, 5);
    let spectrum = numeric_spectrum_at_zero(width, 2, depth)?;
    let tol = 1e-6 * spectrum.max_abs();
    let truth = spectrum.eigenvalues().iter().filter(|&&l| l < -tol).count();
    let p = spectrum.dim();
    Ok(check_count(
        answer,
        truth,
        || {
            format!("{truth} of the P = {p} eigenvalues are negative: exactly half, −σ_i(M) for each i, each D·L = {} times.", width * depth)
        },
        |a| {
            if a == width {
                "That is the number of distinct negative eigenvalues; count each with its multiplicity D·L.".into()
            } else if a == p {
                "That is every eigenvalue; the spectrum is symmetric, ±σ_i(M).".into()
            } else {
                format!(
                    "{a} is {}: P = 2·L·D², and the spectrum is symmetric about 0.",
                    direction(a as f64, truth as f64)
                )
            }
        },
    ))
}

/// Relative tolerance of exercise 2.2: M is displayed to 4 significant digits (a relative rounding of at most
/// 5e-4 per entry), and σ_max moves by at most ‖ΔM‖₂, so 1e-3 accepts any answer computed from the table.
pub const LAMBDA_MAX_TOLERANCE: f64 = 1e-3;

/// **Exercise 2.2 (derive, then verify).** For the shortcut-2 network with `D = 2`, `L = 3` on the default teacher
/// data, compute the largest eigenvalue of the Hessian at zero *by hand from M*: `λ_max = σ_max(M)` (use
/// `data.moments().m` and `theory::singular_values`, or the entries of M as the notebook's table shows them, to 4
/// significant digits). The checker takes `λ_max` of the exact Hessian (R-operator) and accepts a relative error
/// up to [`LAMBDA_MAX_TOLERANCE`], which covers an SVD of the displayed, rounded entries.
pub fn lambda_max_at_zero(answer: Option<f64>) -> Result<Feedback> {
    let truth = numeric_spectrum_at_zero(2, 2, 3)?.lambda_max();
    Ok(check_real(
        answer,
        truth,
        LAMBDA_MAX_TOLERANCE,
        || {
            format!("λ_max = {truth:.8} = σ_max(M), independent of L: each unit's block has eigenvalues ±σ_i(M).")
        },
        |a| {
            format!("{a} is {}: take the singular values of M = Σ_xy − Σ_xx (not its eigenvalues, and not of Σ_xx).", direction(a, truth))
        },
    ))
}
