//! What the Hessian engines need of a network, as a trait object: its weights θ, its structure (architecture
//! and activation as plain functions), the loss `ℓ(θ)` and its gradient `∇ℓ(θ)` at any θ.
//!
//! The public Hessian functions are generic over the network type (`Net: FlatParams<D>`) and hand the network
//! to the engines as `&dyn LossModel<D>`, so each engine (exact R-operator, finite differences, second
//! differences) is compiled once per width `D` instead of once per network type (per width: 4 shortcut depths
//! and the plain net, with σ a run-time value in the networks `build_network` makes). What stays per network
//! type is the dfdx forward and backward pass behind [`LossModel::loss`] and [`LossModel::loss_and_gradient`].
//! This keeps the crate's build, and so every fresh notebook kernel, shorter (docs/setup-costs.md).

use std::fmt::Debug;

use super::options::HessianOptions;
use crate::data::Dataset;
use crate::error::Result;
use crate::net::{ActivationKind, Architecture, FlatParams, Network};

/// A network seen through its flat parameter vector (object safe; implemented for every [`FlatParams`]).
pub(crate) trait LossModel<const D: usize>: Send + Sync + Debug {
    /// Number of weights `P`.
    fn num_params(&self) -> usize;
    /// All weights θ in parameter order.
    fn params(&self) -> Vec<f64>;
    /// Overwrites the weights with `p` (parameter order); errors on a wrong length or a non-finite value.
    fn set_params(&mut self, p: &[f64]) -> Result<()>;
    /// Residual (with its shortcut depth) or plain.
    fn architecture(&self) -> Architecture;
    /// The activation σ between layers.
    fn activation(&self) -> ActivationKind;
    /// `ℓ(θ) = 1/(2m) Σ_i ‖y_i − f(x_i)‖²` on `data`.
    fn loss(&self, data: &Dataset<D>) -> Result<f64>;
    /// `ℓ(θ)` and `∇ℓ(θ)` (parameter order, dfdx backpropagation).
    fn loss_and_gradient(&self, data: &Dataset<D>) -> Result<(f64, Vec<f64>)>;
    /// A copy sharing the dfdx device.
    fn boxed_clone(&self) -> Box<dyn LossModel<D>>;
    /// A copy on a device of its own (its own allocation cache): what each parallel worker probes.
    fn on_own_device(&self) -> Result<Box<dyn LossModel<D>>>;
}

impl<const D: usize, Net: FlatParams<D>> LossModel<D> for Net {
    fn num_params(&self) -> usize {
        Network::num_params(self)
    }
    fn params(&self) -> Vec<f64> {
        FlatParams::params(self)
    }
    fn set_params(&mut self, p: &[f64]) -> Result<()> {
        FlatParams::set_params(self, p)
    }
    fn architecture(&self) -> Architecture {
        Network::architecture(self)
    }
    fn activation(&self) -> ActivationKind {
        Network::activation(self)
    }
    fn loss(&self, data: &Dataset<D>) -> Result<f64> {
        FlatParams::loss(self, data)
    }
    fn loss_and_gradient(&self, data: &Dataset<D>) -> Result<(f64, Vec<f64>)> {
        FlatParams::loss_and_gradient(self, data)
    }
    fn boxed_clone(&self) -> Box<dyn LossModel<D>> {
        Box::new(self.clone())
    }
    fn on_own_device(&self) -> Result<Box<dyn LossModel<D>>> {
        Ok(Box::new(Network::on_own_device(self)?))
    }
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
