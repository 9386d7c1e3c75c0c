//! The numeric Hessian of the loss at any parameter point of any network in the crate, by one of two methods
//! ([`HessianMethod`]): **exact** (the default; forward-over-reverse R-operator, [`super::exact`]) or
//! **finite differences of dfdx gradients** (dfdx has no second-order autodiff), kept as an independent
//! cross-check: column `j` is `(∇ℓ(θ + h_j e_j) − ∇ℓ(θ − h_j e_j)) / (2 h_j)`, in f64, then the matrix is
//! symmetrised and its asymmetry reported. The two agree to about 1e-10 relative, the floor of the differences.
//!
//! **Step rule**: `h_j = ε^{1/3} · max(1, |θ_j|)` with `ε` the f64 machine epsilon (`h ≈ 6.06e-6` near 0): it
//! balances the rounding error of the gradient (`~ε/h`) against the `O(h²)` truncation error of central
//! differences. At the zero point of a linear network the gradient is a polynomial of degree ≤ 3, so the
//! truncation error is `O(h²)·|∂³g|` ≈ 1e-11 relative.
//!
//! **Moment compression** (on by default, linear networks only): the loss of a linear network depends on the
//! data only through its second moments (THEORY.md), so gradients are evaluated on
//! [`Dataset::moment_equivalent`] (`≤ 2D` samples), which makes each column cost independent of `m`.
//!
//! Columns are computed in parallel (rayon) and written straight into the matrix, so the peak memory is the
//! `P×P` matrix plus two gradient vectors per thread; each column's arithmetic does not depend on the thread
//! that runs it, so the result is bitwise identical for any number of threads.
//!
//! **Size guard**: every dense path estimates its peak memory before it allocates and returns
//! [`Error::TooLarge`] above [`HessianOptions::max_dense_bytes`] (default [`DEFAULT_MAX_DENSE_BYTES`]).

use faer::Mat;
use rayon::prelude::*;

use super::model::LossModel;
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::net::{ActivationKind, FlatParams};

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
    /// Exact, by the R-operator on the forward and backward passes ([`super::exact`]); relu'(0) = 0 as in
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

/// A numeric Hessian: the symmetrised matrix `(H + Hᵀ)/2` and how asymmetric the raw `H` was.
#[derive(Debug, Clone)]
pub struct NumericHessian {
    /// The symmetrised Hessian (`P×P`, or `k×k` for a block of `k` parameters).
    pub matrix: Mat<f64>,
    /// `max|H − Hᵀ| / max|H|` of the raw finite-difference matrix (0 for a zero matrix); a check on the step.
    pub asymmetry: f64,
    /// Number of samples the gradients were evaluated on (smaller than the data when compressed).
    pub samples_used: usize,
}

/// The dataset gradients are evaluated on: moment-equivalent for linear networks (when allowed), else `data`.
pub(crate) fn effective_data<const D: usize>(
    net: &dyn LossModel<D>,
    data: &Dataset<D>,
    options: &HessianOptions,
) -> Result<Dataset<D>> {
    options.validate()?;
    if options.moment_compression
        && net.activation() == ActivationKind::Linear
        && data.len() > 2 * D
    {
        data.moment_equivalent()
    } else {
        Ok(data.clone())
    }
}

/// Writes the finite-difference Hessian columns `columns[c]` (rows `rows`) into column `c` of `out`, in
/// parallel, one column at a time: no other `P×P`-sized buffer exists.
fn fd_columns_into<const D: usize>(
    net: &dyn LossModel<D>,
    data: &Dataset<D>,
    columns: &[usize],
    rows: std::ops::Range<usize>,
    options: &HessianOptions,
    out: &mut Mat<f64>,
) -> Result<()> {
    let theta = net.params();
    out.par_col_iter_mut()
        .zip(columns.par_iter())
        .map_init(
            || (net.on_own_device(), theta.clone()),
            |(probe, p), (column, &j)| -> Result<()> {
                let probe = probe.as_mut().map_err(|e| e.clone())?;
                let h = options.step_for(theta[j]);
                p[j] = theta[j] + h;
                probe.set_params(p)?;
                let plus = probe.loss_and_gradient(data)?.1;
                p[j] = theta[j] - h;
                probe.set_params(p)?;
                let minus = probe.loss_and_gradient(data)?.1;
                p[j] = theta[j];
                for (dst, (a, b)) in column
                    .iter_mut()
                    .zip(plus[rows.clone()].iter().zip(&minus[rows.clone()]))
                {
                    *dst = (a - b) / (2.0 * h);
                }
                Ok(())
            },
        )
        .collect::<Result<()>>()
}

/// The full Hessian of `ℓ` at `net`'s current weights on `data` (`P×P`) by `options.method`: exact
/// ([`super::exact::exact_hessian`]) or finite differences ([`finite_difference_hessian`]).
///
/// Errors: invalid options, a matrix above the dense-size limit ([`Error::TooLarge`], nothing allocated), or a
/// non-finite entry (the point or the data overflow).
pub fn numeric_hessian<const D: usize, Net: FlatParams<D>>(
    net: &Net,
    data: &Dataset<D>,
    options: &HessianOptions,
) -> Result<NumericHessian> {
    match options.method {
        HessianMethod::Exact => super::exact::exact_hessian_of(net, data, options),
        HessianMethod::FiniteDifference => finite_difference_hessian_of(net, data, options),
    }
}

/// The Hessian from central differences of dfdx gradients (`2P` gradient evaluations), whatever
/// `options.method` says: the independent cross-check of the exact engine.
///
/// Errors: as [`numeric_hessian`].
pub fn finite_difference_hessian<const D: usize, Net: FlatParams<D>>(
    net: &Net,
    data: &Dataset<D>,
    options: &HessianOptions,
) -> Result<NumericHessian> {
    finite_difference_hessian_of(net, data, options)
}

/// [`finite_difference_hessian`] for a network seen as a [`LossModel`] (compiled once per width).
fn finite_difference_hessian_of<const D: usize>(
    net: &dyn LossModel<D>,
    data: &Dataset<D>,
    options: &HessianOptions,
) -> Result<NumericHessian> {
    let p = net.num_params();
    options.ensure_dense_fits("numeric Hessian", p, dense_matrix_bytes(p))?;
    let eval = effective_data(net, data, options)?;
    let mut raw = Mat::<f64>::zeros(p, p);
    fd_columns_into(
        net,
        &eval,
        &(0..p).collect::<Vec<_>>(),
        0..p,
        options,
        &mut raw,
    )?;
    symmetrise(raw, eval.len())
}

/// The Hessian block of parameters `range` (rows and columns), e.g. one residual unit's weights, by
/// `options.method`: only those `|range|` columns are computed.
pub fn numeric_hessian_block<const D: usize, Net: FlatParams<D>>(
    net: &Net,
    data: &Dataset<D>,
    range: std::ops::Range<usize>,
    options: &HessianOptions,
) -> Result<NumericHessian> {
    numeric_hessian_block_of(net, data, range, options)
}

/// [`numeric_hessian_block`] for a network seen as a [`LossModel`] (compiled once per width).
fn numeric_hessian_block_of<const D: usize>(
    net: &dyn LossModel<D>,
    data: &Dataset<D>,
    range: std::ops::Range<usize>,
    options: &HessianOptions,
) -> Result<NumericHessian> {
    if range.end > net.num_params() || range.is_empty() {
        return Err(Error::ShapeMismatch {
            what: format!("parameter range {range:?}"),
            expected: net.num_params(),
            found: range.end,
        });
    }
    let k = range.len();
    options.ensure_dense_fits("numeric Hessian block", k, dense_matrix_bytes(k))?;
    if options.method == HessianMethod::Exact {
        // k unit directions in one batched R-pass; the k×P products are held while the block is cut out.
        let p = net.num_params();
        options.ensure_dense_fits(
            "exact Hessian block",
            k,
            dense_matrix_bytes(k).saturating_add((k as u64).saturating_mul(p as u64 * 16)),
        )?;
        let engine = super::exact::ExactHessian::of_model(net, data, options)?;
        let units: Vec<Vec<f64>> = range
            .clone()
            .map(|j| (0..p).map(|i| f64::from(u8::from(i == j))).collect())
            .collect();
        let refs: Vec<&[f64]> = units.iter().map(Vec::as_slice).collect();
        let columns = engine.products(&refs)?;
        let raw = Mat::from_fn(k, k, |i, j| columns[j][range.start + i]);
        return symmetrise(raw, engine.samples_used());
    }
    let eval = effective_data(net, data, options)?;
    let mut raw = Mat::<f64>::zeros(k, k);
    fd_columns_into(
        net,
        &eval,
        &range.clone().collect::<Vec<_>>(),
        range,
        options,
        &mut raw,
    )?;
    symmetrise(raw, eval.len())
}

/// The Hessian from central **second differences of the loss** alone (no gradients):
/// `H_ij ≈ [ℓ(θ+h e_i+h e_j) − ℓ(θ+h e_i−h e_j) − ℓ(θ−h e_i+h e_j) + ℓ(θ−h e_i−h e_j)] / (4h²)` (and the usual
/// three-point formula on the diagonal), with `h = ε^{1/4}·max(1, ‖θ‖_∞)` unless a step is given.
/// Costs `O(P²)` loss evaluations: for small networks. It is symmetric by construction and never uses a
/// derivative of the activation, so for ReLU at the zero point it sees the slope ½ that straddling the kink
/// gives, where autodiff (relu'(0) = 0) sees 0 (THEORY.md, "Nonlinear branches").
pub fn loss_hessian<const D: usize, Net: FlatParams<D>>(
    net: &Net,
    data: &Dataset<D>,
    options: &HessianOptions,
) -> Result<NumericHessian> {
    loss_hessian_of(net, data, options)
}

/// [`loss_hessian`] for a network seen as a [`LossModel`] (compiled once per width).
fn loss_hessian_of<const D: usize>(
    net: &dyn LossModel<D>,
    data: &Dataset<D>,
    options: &HessianOptions,
) -> Result<NumericHessian> {
    let p = net.num_params();
    // The matrix, the list of (i, j) pairs (16 bytes each) and their values (8 bytes each), P(P+1)/2 of each.
    let pairs_bytes = (p as u64).saturating_mul(p as u64 + 1) / 2 * 24;
    options.ensure_dense_fits(
        "second-difference Hessian",
        p,
        dense_matrix_bytes(p).saturating_add(pairs_bytes),
    )?;
    let eval = effective_data(net, data, options)?; // validates the options
    let theta = net.params();
    let scale = theta.iter().fold(1.0f64, |a, v| a.max(v.abs()));
    let h = options.step.unwrap_or(f64::EPSILON.powf(0.25) * scale);
    let pairs: Vec<(usize, usize)> = (0..p).flat_map(|j| (j..p).map(move |i| (i, j))).collect();
    let loss_at = |probe: &mut Box<dyn LossModel<D>>,
                   p: &mut Vec<f64>,
                   shifts: &[(usize, f64)]|
     -> Result<f64> {
        for &(k, t) in shifts {
            p[k] += t;
        }
        probe.set_params(p)?;
        let l = probe.loss(&eval);
        for &(k, _) in shifts {
            p[k] = theta[k];
        }
        l
    };
    let l0 = net.loss(&eval)?;
    let entries = pairs
        .par_iter()
        .map_init(
            || (net.on_own_device(), theta.clone()),
            |(probe, buf), &(i, j)| {
                let probe = probe.as_mut().map_err(|e| e.clone())?;
                if i == j {
                    let up = loss_at(probe, buf, &[(i, h)])?;
                    let down = loss_at(probe, buf, &[(i, -h)])?;
                    Ok((up - 2.0 * l0 + down) / (h * h))
                } else {
                    let pp = loss_at(probe, buf, &[(i, h), (j, h)])?;
                    let pm = loss_at(probe, buf, &[(i, h), (j, -h)])?;
                    let mp = loss_at(probe, buf, &[(i, -h), (j, h)])?;
                    let mm = loss_at(probe, buf, &[(i, -h), (j, -h)])?;
                    Ok((pp - pm - mp + mm) / (4.0 * h * h))
                }
            },
        )
        .collect::<Result<Vec<f64>>>()?;
    let mut matrix = Mat::<f64>::zeros(p, p);
    for (&(i, j), &v) in pairs.iter().zip(&entries) {
        if !v.is_finite() {
            return Err(Error::NonFinite {
                location: format!("Hessian entry ({i}, {j})"),
            });
        }
        matrix[(i, j)] = v;
        matrix[(j, i)] = v;
    }
    Ok(NumericHessian {
        matrix,
        asymmetry: 0.0,
        samples_used: eval.len(),
    })
}

/// Replaces `raw` by `(raw + rawᵀ)/2` in place (tiled, so the transposed reads stay in cache) and measures
/// `max|raw − rawᵀ| / max|raw|`.
fn symmetrise(mut raw: Mat<f64>, samples_used: usize) -> Result<NumericHessian> {
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
    Ok(NumericHessian {
        matrix: raw,
        asymmetry,
        samples_used,
    })
}
