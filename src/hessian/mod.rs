//! The Hessian of the loss: exact (R-operator) or by central differences of dfdx gradients at any point, closed forms at the
//! zero point, dense spectra, matrix-free methods (Lanczos, Hutchinson, SLQ) and per-unit blocks.

pub mod blocks;
pub mod dense;
pub mod eigen;
pub mod exact;
pub mod finite_difference;
pub mod lanczos;
pub mod matrix;
mod model;
pub mod operator;
pub mod taylor;

/// How a Hessian is computed, and the dense-size guard ([`demystify_core::options`]).
pub use demystify_core::options;
/// Spectra and their summaries ([`demystify_core::spectrum`]).
pub use demystify_core::spectrum;
/// Closed forms at the zero point ([`demystify_core::theory`]).
pub use demystify_core::theory;

use faer::MatRef;

use crate::error::Result;

pub use dense::{hessian_at, hessian_block_at};
pub use eigen::{symmetric_eigenvalues, symmetric_eigenvalues_with, EigenBackend};
pub use exact::{exact_hessian, ExactHessian};
pub use finite_difference::{finite_difference_hessian, loss_hessian};
pub use lanczos::{extreme_eigenvalues, hutchinson_trace, spectral_density, LanczosOptions, Which};
pub use matrix::HessianMatrix;
pub use operator::{HessianOperator, SymmetricOperator};
pub use options::{
    dense_matrix_bytes, dense_spectrum_bytes, HessianMethod, HessianOptions,
    DEFAULT_MAX_DENSE_BYTES,
};
pub use spectrum::{Spectrum, SpectrumSummary};

/// The spectrum of a symmetric matrix. When `block` is given and every entry outside the diagonal
/// `block × block` blocks is exactly zero (the shortcut-2 Hessian at zero, block = `2D²`), the blocks are
/// diagonalised separately; otherwise one dense eigendecomposition ([`symmetric_eigenvalues`]).
pub fn spectrum_of(h: MatRef<'_, f64>, block: Option<usize>) -> Result<Spectrum> {
    if let Some(b) = block {
        if let Some(values) = eigen::block_diagonal_eigenvalues(h, b)? {
            return Ok(Spectrum::from_eigenvalues(values));
        }
    }
    Ok(Spectrum::from_eigenvalues(symmetric_eigenvalues(h)?))
}

/// `max_ij |a_ij − b_ij|`: how far a computed Hessian is from a closed form, entry by entry. Errors when the
/// shapes differ.
pub fn max_abs_difference(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Result<f64> {
    crate::error::ensure_len("matrix rows", a.nrows(), b.nrows())?;
    crate::error::ensure_len("matrix columns", a.ncols(), b.ncols())?;
    Ok((0..a.ncols())
        .flat_map(|j| (0..a.nrows()).map(move |i| (i, j)))
        .map(|(i, j)| (a[(i, j)] - b[(i, j)]).abs())
        .fold(0.0, f64::max))
}
