//! The dense Hessian of the loss at any parameter point of any network in the crate, by the method the options
//! name ([`HessianMethod`]): **exact** (the default; forward-over-reverse R-operator, [`super::exact`]) or
//! **finite differences of dfdx gradients** ([`super::finite_difference`]). The two agree to about 1e-10
//! relative, the floor of the differences. Whole matrix ([`hessian_at`]) or one block of parameters
//! ([`hessian_block_at`], e.g. one residual unit).

use faer::Mat;

use super::exact::ExactHessian;
use super::matrix::{symmetrise, HessianMatrix};
use super::model::LossModel;
use super::options::{dense_matrix_bytes, HessianMethod, HessianOptions};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::net::FlatParams;

/// The full Hessian of `ℓ` at `net`'s current weights on `data` (`P×P`) by `options.method`: exact
/// ([`super::exact::exact_hessian`]) or finite differences ([`super::finite_difference_hessian`]).
///
/// Errors: invalid options, a matrix above the dense-size limit ([`Error::TooLarge`], nothing allocated), or a
/// non-finite entry (the point or the data overflow).
pub fn hessian_at<const D: usize, Net: FlatParams<D>>(
    net: &Net,
    data: &Dataset<D>,
    options: &HessianOptions,
) -> Result<HessianMatrix> {
    match options.method {
        HessianMethod::Exact => super::exact::exact_hessian_of(net, data, options),
        HessianMethod::FiniteDifference => {
            super::finite_difference::finite_difference_hessian_of(net, data, options)
        }
    }
}

/// The Hessian block of parameters `range` (rows and columns), e.g. one residual unit's weights, by
/// `options.method`: only those `|range|` columns are computed.
pub fn hessian_block_at<const D: usize, Net: FlatParams<D>>(
    net: &Net,
    data: &Dataset<D>,
    range: std::ops::Range<usize>,
    options: &HessianOptions,
) -> Result<HessianMatrix> {
    hessian_block_of(net, data, range, options)
}

/// [`hessian_block_at`] for a network seen as a [`LossModel`] (compiled once per width).
fn hessian_block_of<const D: usize>(
    net: &dyn LossModel<D>,
    data: &Dataset<D>,
    range: std::ops::Range<usize>,
    options: &HessianOptions,
) -> Result<HessianMatrix> {
    if range.end > net.num_params() || range.is_empty() {
        return Err(Error::ShapeMismatch {
            what: format!("parameter range {range:?}"),
            expected: net.num_params(),
            found: range.end,
        });
    }
    let k = range.len();
    options.ensure_dense_fits("Hessian block", k, dense_matrix_bytes(k))?;
    if options.method == HessianMethod::Exact {
        // k unit directions in one batched R-pass; the k×P products are held while the block is cut out.
        let p = net.num_params();
        options.ensure_dense_fits(
            "exact Hessian block",
            k,
            dense_matrix_bytes(k).saturating_add((k as u64).saturating_mul(p as u64 * 16)),
        )?;
        let engine = ExactHessian::of_model(net, data, options)?;
        let units: Vec<Vec<f64>> = range
            .clone()
            .map(|j| (0..p).map(|i| f64::from(u8::from(i == j))).collect())
            .collect();
        let refs: Vec<&[f64]> = units.iter().map(Vec::as_slice).collect();
        let columns = engine.products(&refs)?;
        let raw = Mat::from_fn(k, k, |i, j| columns[j][range.start + i]);
        return symmetrise(raw, engine.samples_used());
    }
    super::finite_difference::finite_difference_block_of(net, data, range, options)
}
