//! Symmetric linear operators for matrix-free methods (Lanczos, Hutchinson, SLQ): a dense matrix, or the
//! Hessian of a network's loss applied to vectors — exactly (R-operator, batched) or by central differences of
//! dfdx gradients.

use faer::Mat;

use rayon::prelude::*;

use std::sync::Arc;

use super::exact::ExactHessian;
use super::model::{effective_data, LossModel};
use super::options::{HessianMethod, HessianOptions};
use crate::data::Dataset;
use crate::error::{ensure_len, Result};
use crate::net::FlatParams;

/// A symmetric operator `v ↦ A v` on `R^n`.
pub trait SymmetricOperator: Sync {
    /// The dimension `n`.
    fn dim(&self) -> usize;
    /// `A v`. Errors if `v.len() ≠ n` or the evaluation fails.
    fn apply(&self, v: &[f64]) -> Result<Vec<f64>>;
    /// `A v` for every `v` of a block; operators that can batch (the exact Hessian) override it.
    fn apply_many(&self, vs: &[&[f64]]) -> Result<Vec<Vec<f64>>> {
        vs.iter().map(|v| self.apply(v)).collect()
    }
}

impl SymmetricOperator for Mat<f64> {
    fn dim(&self) -> usize {
        self.nrows()
    }
    fn apply(&self, v: &[f64]) -> Result<Vec<f64>> {
        ensure_len("vector length", self.nrows(), v.len())?;
        Ok((0..self.nrows())
            .map(|i| (0..self.ncols()).map(|j| self[(i, j)] * v[j]).sum())
            .collect())
    }
}

/// The Hessian-vector product of a network's loss at its current weights θ, by `options.method`:
///
/// - [`HessianMethod::Exact`] (default): the R-operator on cached forward and backward passes
///   ([`ExactHessian::products`]); [`SymmetricOperator::apply_many`] runs a whole block of vectors in one
///   batched pass;
/// - [`HessianMethod::FiniteDifference`]: `H v ≈ ‖v‖ · (∇ℓ(θ + h v̂) − ∇ℓ(θ − h v̂)) / (2h)`, `v̂ = v/‖v‖`, with
///   dfdx gradients and `h = ε^{1/3} · max(1, ‖θ‖_∞)` (see [`HessianOptions`]); the two gradients run in parallel.
#[derive(Debug, Clone)]
pub struct HessianOperator<const D: usize> {
    engine: Engine<D>,
}

#[derive(Debug, Clone)]
enum Engine<const D: usize> {
    Exact(ExactHessian<D>),
    FiniteDifference {
        net: Arc<dyn LossModel<D>>,
        data: Dataset<D>,
        theta: Vec<f64>,
        step: f64,
    },
}

impl<const D: usize> HessianOperator<D> {
    /// The operator at `net`'s current weights on `data` (moment-compressed for linear networks when the
    /// options allow it, exactly as [`super::hessian_at`] does).
    pub fn new<Net: FlatParams<D>>(
        net: &Net,
        data: &Dataset<D>,
        options: &HessianOptions,
    ) -> Result<Self> {
        Self::of_model(net, data, options)
    }

    /// [`HessianOperator::new`] for a network seen as a [`LossModel`] (compiled once per width).
    fn of_model(
        net: &dyn LossModel<D>,
        data: &Dataset<D>,
        options: &HessianOptions,
    ) -> Result<Self> {
        let engine = match options.method {
            HessianMethod::Exact => Engine::Exact(ExactHessian::of_model(net, data, options)?),
            HessianMethod::FiniteDifference => {
                let theta = net.params();
                let scale = theta.iter().fold(1.0f64, |a, v| a.max(v.abs()));
                Engine::FiniteDifference {
                    net: Arc::from(net.boxed_clone()),
                    data: effective_data(net, data, options)?,
                    theta,
                    step: options.step_for(scale),
                }
            }
        };
        Ok(Self { engine })
    }
}

/// `∇ℓ(θ + t·direction)` with dfdx.
fn gradient_at<const D: usize>(
    net: &dyn LossModel<D>,
    data: &Dataset<D>,
    theta: &[f64],
    direction: &[f64],
    t: f64,
) -> Result<Vec<f64>> {
    let mut probe = net.boxed_clone();
    let p: Vec<f64> = theta
        .iter()
        .zip(direction)
        .map(|(a, v)| a + t * v)
        .collect();
    probe.set_params(&p)?;
    Ok(probe.loss_and_gradient(data)?.1)
}

impl<const D: usize> SymmetricOperator for HessianOperator<D> {
    fn dim(&self) -> usize {
        match &self.engine {
            Engine::Exact(e) => e.dim(),
            Engine::FiniteDifference { theta, .. } => theta.len(),
        }
    }
    fn apply(&self, v: &[f64]) -> Result<Vec<f64>> {
        ensure_len("vector length", self.dim(), v.len())?;
        let (net, data, theta, step) = match &self.engine {
            Engine::Exact(e) => return Ok(e.products(&[v])?.remove(0)),
            Engine::FiniteDifference {
                net,
                data,
                theta,
                step,
            } => (net, data, theta, *step),
        };
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm == 0.0 {
            return Ok(vec![0.0; v.len()]);
        }
        let unit: Vec<f64> = v.iter().map(|x| x / norm).collect();
        let (plus, minus) = rayon::join(
            || gradient_at(net.as_ref(), data, theta, &unit, step),
            || gradient_at(net.as_ref(), data, theta, &unit, -step),
        );
        let (plus, minus) = (plus?, minus?);
        Ok(plus
            .iter()
            .zip(&minus)
            .map(|(a, b)| norm * (a - b) / (2.0 * step))
            .collect())
    }
    fn apply_many(&self, vs: &[&[f64]]) -> Result<Vec<Vec<f64>>> {
        match &self.engine {
            Engine::Exact(e) => {
                for v in vs {
                    ensure_len("vector length", e.dim(), v.len())?;
                }
                // Blocks of 32 directions, split between threads.
                Ok(vs
                    .par_chunks(32)
                    .map(|block| e.products(block))
                    .collect::<Result<Vec<_>>>()?
                    .into_iter()
                    .flatten()
                    .collect())
            }
            Engine::FiniteDifference { .. } => vs.iter().map(|v| self.apply(v)).collect(),
        }
    }
}
