//! Symmetric linear operators for matrix-free methods (Lanczos, Hutchinson, SLQ): a dense matrix, or the
//! Hessian of a network's loss applied to a vector by central differences of dfdx gradients.

use faer::Mat;

use super::numeric::{effective_data, HessianOptions};
use crate::data::Dataset;
use crate::error::{ensure_len, Result};
use crate::net::FlatParams;

/// A symmetric operator `v ↦ A v` on `R^n`.
pub trait SymmetricOperator: Sync {
    /// The dimension `n`.
    fn dim(&self) -> usize;
    /// `A v`. Errors if `v.len() ≠ n` or the evaluation fails.
    fn apply(&self, v: &[f64]) -> Result<Vec<f64>>;
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

/// The Hessian-vector product of a network's loss at its current weights θ:
/// `H v ≈ ‖v‖ · (∇ℓ(θ + h v̂) − ∇ℓ(θ − h v̂)) / (2h)`, `v̂ = v/‖v‖`, with dfdx gradients and
/// `h = ε^{1/3} · max(1, ‖θ‖_∞)` (see [`HessianOptions`]). The two gradients run in parallel.
#[derive(Debug, Clone)]
pub struct HessianOperator<const D: usize, Net> {
    net: Net,
    data: Dataset<D>,
    theta: Vec<f64>,
    step: f64,
}

impl<const D: usize, Net: FlatParams<D>> HessianOperator<D, Net> {
    /// The operator at `net`'s current weights on `data` (moment-compressed for linear networks when the
    /// options allow it, exactly as [`super::numeric_hessian`] does).
    pub fn new(net: &Net, data: &Dataset<D>, options: &HessianOptions) -> Result<Self> {
        let theta = net.params();
        let scale = theta.iter().fold(1.0f64, |a, v| a.max(v.abs()));
        Ok(Self {
            net: net.clone(),
            data: effective_data(net, data, options)?,
            theta,
            step: options.step_for(scale),
        })
    }

    fn gradient_at(&self, direction: &[f64], t: f64) -> Result<Vec<f64>> {
        let mut probe = self.net.clone();
        let p: Vec<f64> = self
            .theta
            .iter()
            .zip(direction)
            .map(|(a, v)| a + t * v)
            .collect();
        probe.set_params(&p)?;
        Ok(probe.loss_and_gradient(&self.data)?.1)
    }
}

impl<const D: usize, Net: FlatParams<D>> SymmetricOperator for HessianOperator<D, Net> {
    fn dim(&self) -> usize {
        self.theta.len()
    }
    fn apply(&self, v: &[f64]) -> Result<Vec<f64>> {
        ensure_len("vector length", self.theta.len(), v.len())?;
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm == 0.0 {
            return Ok(vec![0.0; v.len()]);
        }
        let unit: Vec<f64> = v.iter().map(|x| x / norm).collect();
        let (plus, minus) = rayon::join(
            || self.gradient_at(&unit, self.step),
            || self.gradient_at(&unit, -self.step),
        );
        let (plus, minus) = (plus?, minus?);
        Ok(plus
            .iter()
            .zip(&minus)
            .map(|(a, b)| norm * (a - b) / (2.0 * self.step))
            .collect())
    }
}
