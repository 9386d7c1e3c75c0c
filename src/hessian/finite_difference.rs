//! The Hessian of the loss by **finite differences** (dfdx has no second-order autodiff), kept as the
//! independent cross-check of the exact engine ([`super::exact`]). From gradients: column `j` is `(∇ℓ(θ + h_j e_j) − ∇ℓ(θ − h_j e_j)) / (2 h_j)`, in f64, then the matrix is
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
use faer::Mat;
use rayon::prelude::*;

use super::matrix::{symmetrise, HessianMatrix};
use super::model::{effective_data, LossModel};
use super::options::{dense_matrix_bytes, HessianOptions};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::net::FlatParams;

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

/// The Hessian from central differences of dfdx gradients (`2P` gradient evaluations), whatever
/// `options.method` says: the independent cross-check of the exact engine.
///
/// Errors: as [`super::hessian_at`].
pub fn finite_difference_hessian<const D: usize, Net: FlatParams<D>>(
    net: &Net,
    data: &Dataset<D>,
    options: &HessianOptions,
) -> Result<HessianMatrix> {
    finite_difference_hessian_of(net, data, options)
}

/// [`finite_difference_hessian`] for a network seen as a [`LossModel`] (compiled once per width).
pub(crate) fn finite_difference_hessian_of<const D: usize>(
    net: &dyn LossModel<D>,
    data: &Dataset<D>,
    options: &HessianOptions,
) -> Result<HessianMatrix> {
    let p = net.num_params();
    options.ensure_dense_fits("finite-difference Hessian", p, dense_matrix_bytes(p))?;
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

/// The finite-difference Hessian block of parameters `range` (rows and columns): only those `|range|` columns
/// are computed, `2|range|` gradient evaluations. The caller ([`super::hessian_block_at`]) has checked the range
/// and the block's size.
pub(crate) fn finite_difference_block_of<const D: usize>(
    net: &dyn LossModel<D>,
    data: &Dataset<D>,
    range: std::ops::Range<usize>,
    options: &HessianOptions,
) -> Result<HessianMatrix> {
    let k = range.len();
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
) -> Result<HessianMatrix> {
    loss_hessian_of(net, data, options)
}

/// [`loss_hessian`] for a network seen as a [`LossModel`] (compiled once per width).
fn loss_hessian_of<const D: usize>(
    net: &dyn LossModel<D>,
    data: &Dataset<D>,
    options: &HessianOptions,
) -> Result<HessianMatrix> {
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
    Ok(HessianMatrix {
        matrix,
        asymmetry: 0.0,
        samples_used: eval.len(),
    })
}
