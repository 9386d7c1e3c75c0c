//! A computed dense Hessian ([`HessianMatrix`]): the symmetrised matrix, how asymmetric the raw one was, and
//! how many samples it was evaluated on. Every dense engine (exact, finite differences, second differences)
//! returns it.

use faer::Mat;

use crate::error::{Error, Result};

/// A dense Hessian: the symmetrised matrix `(H + Hᵀ)/2` and how asymmetric the raw `H` was (by construction
/// 0 for second differences; for the exact engine only the diagonal blocks are computed twice).
#[derive(Debug, Clone)]
pub struct HessianMatrix {
    /// The symmetrised Hessian (`P×P`, or `k×k` for a block of `k` parameters).
    pub matrix: Mat<f64>,
    /// `max|H − Hᵀ| / max|H|` of the raw finite-difference matrix (0 for a zero matrix); a check on the step.
    pub asymmetry: f64,
    /// Number of samples the gradients were evaluated on (smaller than the data when compressed).
    pub samples_used: usize,
}

/// Replaces `raw` by `(raw + rawᵀ)/2` in place (tiled, so the transposed reads stay in cache) and measures
/// `max|raw − rawᵀ| / max|raw|`.
pub(crate) fn symmetrise(mut raw: Mat<f64>, samples_used: usize) -> Result<HessianMatrix> {
    const TILE: usize = 64;
    let n = raw.nrows();
    let mut max_abs = 0.0f64;
    let mut max_asym = 0.0f64;
    for jb in (0..n).step_by(TILE) {
        for ib in (jb..n).step_by(TILE) {
            for j in jb..(jb + TILE).min(n) {
                for i in ib.max(j)..(ib + TILE).min(n) {
                    let (a, b) = (raw[(i, j)], raw[(j, i)]);
                    if !(a.is_finite() && b.is_finite()) {
                        return Err(Error::NonFinite {
                            location: format!("Hessian entry ({i}, {j})"),
                        });
                    }
                    max_abs = max_abs.max(a.abs()).max(b.abs());
                    max_asym = max_asym.max((a - b).abs());
                    let mean = 0.5 * (a + b);
                    raw[(i, j)] = mean;
                    raw[(j, i)] = mean;
                }
            }
        }
    }
    let asymmetry = if max_abs > 0.0 {
        max_asym / max_abs
    } else {
        0.0
    };
    Ok(HessianMatrix {
        matrix: raw,
        asymmetry,
        samples_used,
    })
}
