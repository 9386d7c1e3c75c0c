//! How a Hessian is computed ([`HessianOptions`]: exact or finite differences, the step, moment compression)
//! and the size guard every dense path runs before it allocates: a `P×P` f64 matrix needs `8P²` bytes
//! ([`dense_matrix_bytes`]); above [`HessianOptions::max_dense_bytes`] the call returns [`Error::TooLarge`] and
//! names the matrix-free alternative.

use crate::error::{Error, Result};

/// Default of [`HessianOptions::max_dense_bytes`]: 2 GiB, i.e. a dense Hessian up to `P ≈ 16 000` parameters, or
/// `P ≈ 11 500` with its eigenvalues (which need a second `P×P` copy).
pub const DEFAULT_MAX_DENSE_BYTES: u64 = 2 << 30;

/// The matrix-free alternative named in [`Error::TooLarge`].
pub const MATRIX_FREE_ALTERNATIVE: &str =
    "the matrix-free `HessianOperator` with `hessian::lanczos` (extreme eigenvalues, Hutchinson trace, SLQ density)";

/// Bytes of a dense `n×n` f64 matrix.
pub fn dense_matrix_bytes(n: usize) -> u64 {
    (n as u64).saturating_mul(n as u64).saturating_mul(8)
}

/// Peak bytes of assembling a dense `P×P` Hessian and then its eigenvalues (the eigensolver works on a copy).
pub fn dense_spectrum_bytes(p: usize) -> u64 {
    dense_matrix_bytes(p).saturating_mul(2)
}

/// How Hessians (dense, and Hessian-vector products) are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HessianMethod {
    /// Exact, by the R-operator on the forward and backward passes (the main crate's `hessian::exact`); relu'(0) = 0 as in
    /// autodiff. Accurate to rounding (about 1e-15 relative).
    #[default]
    Exact,
    /// Central differences of dfdx gradients with [`HessianOptions::step`]: about 1e-10 relative; at a ReLU
    /// kink the differences straddle it (THEORY.md).
    FiniteDifference,
}

/// How to compute a Hessian: the method, the finite-difference step, the moment compression, and the largest
/// dense matrix allowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HessianOptions {
    /// Exact (default) or finite differences of gradients.
    pub method: HessianMethod,
    /// Fixed finite-difference step; `None` uses the rule `h_j = ε^{1/3} · max(1, |θ_j|)`.
    pub step: Option<f64>,
    /// Evaluate gradients of *linear* networks on the moment-equivalent dataset (exact up to rounding).
    pub moment_compression: bool,
    /// The most memory a dense path (a `P×P` Hessian, closed form or numeric, and its eigenvalues) may need;
    /// above it the call returns [`Error::TooLarge`] before allocating. Default [`DEFAULT_MAX_DENSE_BYTES`].
    pub max_dense_bytes: u64,
}

impl Default for HessianOptions {
    fn default() -> Self {
        Self {
            method: HessianMethod::Exact,
            step: None,
            moment_compression: true,
            max_dense_bytes: DEFAULT_MAX_DENSE_BYTES,
        }
    }
}

impl HessianOptions {
    /// The step for a coordinate (or direction) of size `scale`: the fixed step, or `ε^{1/3}·max(1, scale)`.
    pub fn step_for(&self, scale: f64) -> f64 {
        self.step
            .unwrap_or_else(|| f64::EPSILON.cbrt() * scale.abs().max(1.0))
    }

    /// `Err(Error::TooLarge)` when `bytes_needed` exceeds [`HessianOptions::max_dense_bytes`].
    pub fn ensure_dense_fits(
        &self,
        what: &'static str,
        params: usize,
        bytes_needed: u64,
    ) -> Result<()> {
        if bytes_needed <= self.max_dense_bytes {
            Ok(())
        } else {
            Err(Error::TooLarge {
                what,
                params,
                bytes_needed,
                limit: self.max_dense_bytes,
                alternative: MATRIX_FREE_ALTERNATIVE,
            })
        }
    }

    /// Checks the step (finite and > 0 when fixed).
    pub fn validate(&self) -> Result<()> {
        match self.step {
            Some(h) if !(h.is_finite() && h > 0.0) => Err(Error::OutOfRange {
                field: "step",
                value: h,
                expected: "must be finite and > 0",
            }),
            _ => Ok(()),
        }
    }
}
