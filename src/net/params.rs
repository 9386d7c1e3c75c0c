//! The flat parameter view and the loss: every network's weights as one `Vec<f64>` in THEORY.md's order
//! (unit-major, then layer `k = 1..n`, then row-major entries of `W_{l,k}`), and
//! `ℓ(W) = 1/(2m) Σ_i ‖y_i − f(x_i)‖²` with its gradient from dfdx backpropagation in the same order.

use dfdx::prelude::{Cpu, Gradients, Rank0, Tensor, Trace};
use dfdx::tensor::{AsArray, OwnedTape};
use dfdx::tensor_ops::{Backward, SumTo, TryMul, TrySub};

use super::Network;
use crate::data::Dataset;
use crate::error::{ensure_len, Error, Result};

/// Flat access to parameters, loss and gradient; implemented for every [`Network`].
pub trait FlatParams<const D: usize>: Network<D> {
    /// All weights, in parameter order (`P = num_params()` values).
    fn params(&self) -> Vec<f64>;
    /// Overwrites all weights from `p` (parameter order). Errors if `p.len() ≠ P` or a value is not finite.
    fn set_params(&mut self, p: &[f64]) -> Result<()>;
    /// The loss `ℓ = 1/(2m) Σ_i ‖y_i − f(x_i)‖²` on `data`.
    fn loss(&self, data: &Dataset<D>) -> Result<f64>;
    /// The loss and dfdx's gradients object (keyed by the weight tensors; what dfdx optimisers consume).
    fn loss_and_dfdx_gradients(&self, data: &Dataset<D>) -> Result<(f64, Gradients<f64, Cpu>)>;
    /// Extracts the gradient of every weight from a dfdx gradients object, in parameter order.
    fn flatten_gradients(&self, grads: &Gradients<f64, Cpu>) -> Vec<f64>;
    /// The loss and its gradient `∂ℓ/∂θ` in parameter order (dfdx backpropagation, f64).
    fn loss_and_gradient(&self, data: &Dataset<D>) -> Result<(f64, Vec<f64>)> {
        let (loss, grads) = self.loss_and_dfdx_gradients(data)?;
        Ok((loss, self.flatten_gradients(&grads)))
    }
}

impl<const D: usize, Net: Network<D>> FlatParams<D> for Net {
    fn params(&self) -> Vec<f64> {
        let mut p = Vec::with_capacity(self.num_params());
        for w in self.weights() {
            p.extend(w.as_vec());
        }
        p
    }

    fn set_params(&mut self, p: &[f64]) -> Result<()> {
        ensure_len("parameter vector length", self.num_params(), p.len())?;
        if let Some(k) = p.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                location: format!("parameter {k}"),
            });
        }
        for (w, chunk) in self.weights_mut().into_iter().zip(p.chunks_exact(D * D)) {
            w.copy_from(chunk);
        }
        Ok(())
    }

    fn loss(&self, data: &Dataset<D>) -> Result<f64> {
        let out = self.forward(data.input_batch(self.device()))?;
        let residual = out.try_sub(data.target_batch(self.device()))?;
        let loss: Tensor<Rank0, f64, Cpu> = residual
            .try_square()?
            .try_sum()?
            .try_mul(0.5 / data.len() as f64)?;
        Ok(loss.array())
    }

    fn loss_and_dfdx_gradients(&self, data: &Dataset<D>) -> Result<(f64, Gradients<f64, Cpu>)> {
        let x = data.input_batch(self.device()).leaky_traced();
        let out = self.forward_traced(x)?;
        let residual = out.try_sub(data.target_batch(self.device()))?;
        let loss: Tensor<Rank0, f64, Cpu, OwnedTape<f64, Cpu>> = residual
            .try_square()?
            .try_sum()?
            .try_mul(0.5 / data.len() as f64)?;
        let value = loss.array();
        let grads = loss.try_backward()?;
        Ok((value, grads))
    }

    fn flatten_gradients(&self, grads: &Gradients<f64, Cpu>) -> Vec<f64> {
        let mut g = Vec::with_capacity(self.num_params());
        for w in self.weights() {
            g.extend(grads.get(w).as_vec());
        }
        g
    }
}
