//! Closed forms at the zero initial point (THEORY.md), for a linear residual network with shortcut depth `n`,
//! `L` units, width `d`, as functions of the data moment `M = Σ_xy − Σ_xx` (and `Σ_xx` for `n = 1`).
//! Parameter order as everywhere: unit-major, layer `k = 1..n`, row-major entries.
//!
//! | n | gradient at 0 | Hessian at 0 | spectrum |
//! |---|---|---|---|
//! | 1 | `−Mᵀ` per unit | `(11ᵀ)⊗G + StrictLower⊗K + StrictUpper⊗Kᵀ` | dense; condition number grows with `L` |
//! | 2 | 0 | block-diagonal, blocks `[[0, Bᵀ], [B, 0]]` | `±σ_i(M)`, each `d·L` times; cond = `σ_max/σ_min` |
//! | ≥3 | 0 | 0 | flat |
//!
//! with `G = I_d ⊗ Σ_xx`, `K[(i,j),(j,k)] = B[(i,j),(j,k)] = −M[k,i]`. With an activation of slope
//! `c = σ'(0)` inside the branch the shortcut-2 Hessian is `c·H`; `n = 1` has no activation inside its branch.

use faer::Mat;

use crate::eigen::symmetric_eigenvalues;
use crate::error::{ensure_positive_size, Error, Result};
use crate::moments::Moments;
use crate::options::{dense_matrix_bytes, dense_spectrum_bytes, HessianOptions};
use crate::spectrum::Spectrum;

/// The size of a residual network's parameter vector, `P = n·L·d²`.
pub fn num_params(shortcut: usize, depth: usize, d: usize) -> usize {
    shortcut * depth * d * d
}

fn check(shortcut: usize, depth: usize, moments: &Moments) -> Result<usize> {
    ensure_positive_size("shortcut depth", shortcut)?;
    ensure_positive_size("depth", depth)?;
    let d = moments.m.nrows();
    ensure_positive_size("width D", d)?;
    Ok(d)
}

/// Gradient of the loss at `W = 0`: `−Mᵀ` (row-major) for every unit when `n = 1`, zero when `n ≥ 2`.
pub fn gradient_at_zero(shortcut: usize, depth: usize, moments: &Moments) -> Result<Vec<f64>> {
    let d = check(shortcut, depth, moments)?;
    let mut g = vec![0.0; num_params(shortcut, depth, d)];
    if shortcut == 1 {
        for unit in g.chunks_mut(d * d) {
            for i in 0..d {
                for j in 0..d {
                    unit[i * d + j] = -moments.m[(j, i)];
                }
            }
        }
    }
    Ok(g)
}

/// Adds `K[(i,j),(j,k)] = −c·M[k,i]` (the bilinear form `vec(W_b)ᵀ K vec(W_a) = −c·tr(W_b W_a M)`) to the
/// `d²×d²` block of `h` at `(row0, col0)`, and its transpose to `(col0, row0)` (two distinct blocks, each entry
/// touched once).
fn put_cross_block(h: &mut Mat<f64>, row0: usize, col0: usize, m: &Mat<f64>, c: f64) {
    let d = m.nrows();
    for i in 0..d {
        for j in 0..d {
            for k in 0..d {
                let v = -c * m[(k, i)];
                h[(row0 + i * d + j, col0 + j * d + k)] += v;
                h[(col0 + j * d + k, row0 + i * d + j)] += v;
            }
        }
    }
}

/// The dense Hessian at `W = 0` (`P×P`) for shortcut depth `n`, `L` units and activation slope `c = σ'(0)`
/// (1 for linear and tanh). Memory is `P²` doubles, refused above [`DEFAULT_MAX_DENSE_BYTES`](crate::options::DEFAULT_MAX_DENSE_BYTES) with
/// [`Error::TooLarge`] (see [`hessian_at_zero_with`] to change the limit): use [`closed_form_spectrum`] for
/// large `n = 2` networks.
pub fn hessian_at_zero(
    shortcut: usize,
    depth: usize,
    moments: &Moments,
    slope: f64,
) -> Result<Mat<f64>> {
    hessian_at_zero_with(shortcut, depth, moments, slope, &HessianOptions::default())
}

/// [`hessian_at_zero`] with the dense-size limit of `options` ([`HessianOptions::max_dense_bytes`]).
pub fn hessian_at_zero_with(
    shortcut: usize,
    depth: usize,
    moments: &Moments,
    slope: f64,
    options: &HessianOptions,
) -> Result<Mat<f64>> {
    let d = check(shortcut, depth, moments)?;
    let p = num_params(shortcut, depth, d);
    options.ensure_dense_fits("closed-form Hessian at zero", p, dense_matrix_bytes(p))?;
    let dd = d * d;
    let mut h = Mat::<f64>::zeros(p, p);
    match shortcut {
        1 => {
            // (11ᵀ) ⊗ G: every pair of units (a, b) gets G = I_d ⊗ Σ_xx.
            for a in 0..depth {
                for b in 0..depth {
                    for i in 0..d {
                        for j in 0..d {
                            for k in 0..d {
                                h[(a * dd + i * d + j, b * dd + i * d + k)] += moments.sxx[(j, k)];
                            }
                        }
                    }
                }
            }
            // Unit a applied after unit b (a > b): the product W_a W_b pairs with M.
            for a in 0..depth {
                for b in 0..a {
                    put_cross_block(&mut h, a * dd, b * dd, &moments.m, 1.0);
                }
            }
        }
        2 => {
            for l in 0..depth {
                let w1 = l * 2 * dd;
                put_cross_block(&mut h, w1 + dd, w1, &moments.m, slope);
            }
        }
        _ => {}
    }
    Ok(h)
}

/// The spectrum of the Hessian at `W = 0`.
///
/// - `n = 2`: `{±c·σ_i(M)}`, each with multiplicity `d·L`, from the singular values of the `d×d` matrix `M`:
///   `O(d³)` at any depth (try `L = 10⁴`).
/// - `n ≥ 3`: flat (all `P` eigenvalues 0).
/// - `n = 1`: dense eigendecomposition of [`hessian_at_zero`] (`O(P³)` time, two `P×P` matrices of memory;
///   `P = L·d²`), refused above [`DEFAULT_MAX_DENSE_BYTES`](crate::options::DEFAULT_MAX_DENSE_BYTES) (see [`closed_form_spectrum_with`]).
pub fn closed_form_spectrum(
    shortcut: usize,
    depth: usize,
    moments: &Moments,
    slope: f64,
) -> Result<Spectrum> {
    closed_form_spectrum_with(shortcut, depth, moments, slope, &HessianOptions::default())
}

/// [`closed_form_spectrum`] with the dense-size limit of `options` (it only matters for `n = 1`).
pub fn closed_form_spectrum_with(
    shortcut: usize,
    depth: usize,
    moments: &Moments,
    slope: f64,
    options: &HessianOptions,
) -> Result<Spectrum> {
    let d = check(shortcut, depth, moments)?;
    let p = num_params(shortcut, depth, d);
    match shortcut {
        1 => {
            options.ensure_dense_fits(
                "closed-form Hessian at zero and its spectrum",
                p,
                dense_spectrum_bytes(p),
            )?;
            let h = hessian_at_zero_with(1, depth, moments, slope, options)?;
            Ok(Spectrum::from_eigenvalues(symmetric_eigenvalues(h.as_ref())?))
        }
        2 => {
            let sv = singular_values(&moments.m)?;
            let mult = d * depth;
            let pairs = sv
                .iter()
                .flat_map(|&s| [(slope * s, mult), (-slope * s, mult)])
                .collect();
            Ok(Spectrum::from_multiplicities(pairs))
        }
        _ => Ok(Spectrum::from_multiplicities(vec![(0.0, p)])),
    }
}

/// Condition number of the Hessian at zero for shortcut depth 2: `σ_max(M) / σ_min(M)`, the same at every
/// depth (`+∞` when `M` is singular; `None` when `M = 0`, i.e. the data are already fitted by the identity).
pub fn shortcut_two_condition_number(moments: &Moments) -> Result<Option<f64>> {
    Ok(closed_form_spectrum(2, 1, moments, 1.0)?.condition_number())
}

/// Singular values of a square matrix, descending.
pub fn singular_values(m: &Mat<f64>) -> Result<Vec<f64>> {
    let mut s = m
        .singular_values()
        .map_err(|e| Error::LinearAlgebra(format!("SVD of M: {e:?}")))?;
    s.sort_by(|a, b| b.total_cmp(a));
    Ok(s)
}
