//! Exercises of notebook 07 (Hessians too large to store).

use super::{check_real, direction, Feedback};
use crate::error::Result;
use crate::experiments::{DataSpec, MatrixFreeConfig};
use crate::hessian::{dense_spectrum_bytes, theory};

/// **Exercise 7.1 (predict, then check).** Hutchinson's estimate of `tr H` for the large network near the zero
/// point comes with a standard error. What is the *exact* trace of the Hessian at `W = 0` of a shortcut-2 network
/// (any `D`, any `L`)? The checker sums the closed-form spectrum of the `D = 8`, `L = 1024` network (absolute
/// tolerance 1e-9·P·σ_max).
pub fn trace_at_zero(answer: Option<f64>) -> Result<Feedback> {
    let large = MatrixFreeConfig::large();
    let data = DataSpec::default().load(large.network.width)?;
    let spectrum = theory::closed_form_spectrum(2, large.network.depth, data.moments(), 1.0)?;
    let truth = spectrum.trace();
    let tol = 1e-9 * spectrum.dim() as f64 * spectrum.max_abs();
    Ok(match answer {
        Some(a) if a.is_finite() && (a - truth).abs() <= tol => Feedback::Correct(
            "tr H(0) = 0: the spectrum is ±σ_i(M), symmetric about 0 (each unit's block has zero diagonal sub-blocks). \
             Hutchinson's estimate scatters around it with the stated error."
                .into(),
        ),
        other => check_real(other, truth, 0.0, String::new, |a| {
            format!(
                "{a} is {}: look at the diagonal of one unit's block [[0, B], [Bᵀ, 0]] — or at the symmetry of its spectrum.",
                direction(a, truth)
            )
        }),
    })
}

/// **Exercise 7.2 (derive, then verify).** How many bytes would the dense Hessian of
/// [`MatrixFreeConfig::large`] (`D = 8`, `L = 1024`, shortcut 2) and a copy for the eigensolver take, at 8 bytes
/// per entry? First derive `P`. The checker compares with `hessian::dense_spectrum_bytes(P)` (relative
/// tolerance 1 %).
pub fn dense_bytes_of_large(answer: Option<f64>) -> Result<Feedback> {
    let p = MatrixFreeConfig::large().network.num_params();
    let truth = dense_spectrum_bytes(p) as f64;
    Ok(check_real(
        answer,
        truth,
        0.01,
        || {
            format!("P = 2·L·D² = {p}, and 2·8·P² = {truth:.3e} bytes = {}: far beyond this machine, while each matrix-free estimate needs only a few vectors of length P.", crate::error::human_bytes(truth as u64))
        },
        |a| {
            if (a - truth / 2.0).abs() <= 0.01 * truth / 2.0 {
                "That is one matrix; the eigensolver works on a copy, so count two.".into()
            } else {
                format!("{a} is {}: P = n·L·D² parameters, P² entries per matrix, 8 bytes per entry, two matrices.", direction(a, truth))
            }
        },
    ))
}
