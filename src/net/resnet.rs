//! The residual network with run-time depth: `f = u_L ∘ ⋯ ∘ u_1`, each `u_l` a [`ResidualUnit`].
//! Sweeping `L = 1..128` uses one type per `(D, N, σ)`, not one per depth.

use dfdx::nn::{BuildModule, Module, ToDevice};
use dfdx::prelude::{Cpu, OwnedTape};

use super::activation::{Activation, ActivationKind, Identity};
use super::init::Init;
use super::unit::ResidualUnit;
use super::{Architecture, Batch, Network, WeightMatrix};
use crate::error::{ensure_positive_size, Result};

/// A residual network of width `D`, shortcut depth `N`, activation `A`, and `depth()` units chosen at run time:
/// `h_0 = x`, `h_l = h_{l−1} + W_{l,N} σ(… σ(W_{l,1} h_{l−1}))`, `f(x) = h_L` (THEORY.md, "Model").
#[derive(Debug, Clone)]
pub struct ResNet<const D: usize, const N: usize, A: Activation = Identity> {
    units: Vec<ResidualUnit<D, N, A>>,
    device: Cpu,
}

impl<const D: usize, const N: usize, A: Activation> ResNet<D, N, A> {
    /// A network of `depth` units at the zero point (all weights 0), where `f(x) = x` exactly; activation
    /// `A::default()`.
    ///
    /// Errors: `depth = 0` ([`crate::Error::ZeroSize`]).
    pub fn zeros(depth: usize) -> Result<Self> {
        Self::zeros_with_activation(A::default(), depth)
    }

    /// As [`ResNet::zeros`] with the given activation value (for `A = ActivationKind`, σ chosen at run time).
    pub fn zeros_with_activation(activation: A, depth: usize) -> Result<Self> {
        ensure_positive_size("depth", depth)?;
        #[allow(clippy::let_unit_value)]
        let _ = ResidualUnit::<D, N, A>::SHAPE_OK;
        let device = Cpu::default();
        let mut units = Vec::with_capacity(depth);
        for _ in 0..depth {
            let mut unit = ResidualUnit::<D, N, A>::try_build(&device)?;
            for layer in unit.layers.iter_mut() {
                layer.weight.copy_from(&vec![0.0; D * D]);
            }
            unit.activation = activation;
            units.push(unit);
        }
        Ok(Self { units, device })
    }

    /// A network of `depth` units initialised by `init` with the given seed (see [`Init`]); activation
    /// `A::default()`.
    pub fn new(depth: usize, init: &Init, seed: u64) -> Result<Self> {
        Self::with_activation(A::default(), depth, init, seed)
    }

    /// As [`ResNet::new`] with the given activation value: `ResNet::<D, N, ActivationKind>::with_activation(
    /// ActivationKind::Tanh, …)` is the same network, weight for weight, as `ResNet::<D, N, Tanh>::new(…)`.
    pub fn with_activation(activation: A, depth: usize, init: &Init, seed: u64) -> Result<Self> {
        let mut net = Self::zeros_with_activation(activation, depth)?;
        init.apply::<D, _>(&mut net, seed)?;
        Ok(net)
    }

    /// The units, first-applied first.
    pub fn units(&self) -> &[ResidualUnit<D, N, A>] {
        &self.units
    }
}

impl<const D: usize, const N: usize, A> Network<D> for ResNet<D, N, A>
where
    A: Activation,
{
    type Block = ResidualUnit<D, N, A>;

    fn architecture(&self) -> Architecture {
        Architecture::Residual { shortcut: N }
    }
    fn activation(&self) -> ActivationKind {
        self.units[0].activation.kind()
    }
    fn depth(&self) -> usize {
        self.units.len()
    }
    fn layers_per_block(&self) -> usize {
        N
    }
    fn blocks(&self) -> &[Self::Block] {
        &self.units
    }
    fn blocks_mut(&mut self) -> &mut [Self::Block] {
        &mut self.units
    }
    fn weights(&self) -> Vec<&WeightMatrix<D>> {
        self.units
            .iter()
            .flat_map(|u| u.layers.iter().map(|l| &l.weight))
            .collect()
    }
    fn weights_mut(&mut self) -> Vec<&mut WeightMatrix<D>> {
        self.units
            .iter_mut()
            .flat_map(|u| u.layers.iter_mut().map(|l| &mut l.weight))
            .collect()
    }
    fn forward(&self, mut x: Batch<D>) -> Result<Batch<D>> {
        for unit in &self.units {
            x = unit.try_forward(x)?;
        }
        Ok(x)
    }
    fn forward_traced(
        &self,
        mut x: Batch<D, OwnedTape<f64, Cpu>>,
    ) -> Result<Batch<D, OwnedTape<f64, Cpu>>> {
        for unit in &self.units {
            x = unit.try_forward(x)?;
        }
        Ok(x)
    }
    fn device(&self) -> &Cpu {
        &self.device
    }
    fn on_own_device(&self) -> Result<Self> {
        let device = Cpu::default();
        let units = self
            .units
            .iter()
            .map(|u| {
                let mut moved = u.try_to_device(&device)?;
                moved.activation = u.activation;
                Ok(moved)
            })
            .collect::<Result<_>>()?;
        Ok(Self { units, device })
    }
}
