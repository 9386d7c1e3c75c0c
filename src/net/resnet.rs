//! The residual network with run-time depth: `f = u_L ∘ ⋯ ∘ u_1`, each `u_l` a [`ResidualUnit`].
//! Sweeping `L = 1..128` uses one type per `(D, N, σ)`, not one per depth.

use dfdx::nn::{BuildModule, Module, ToDevice};
use dfdx::prelude::{Cpu, OwnedTape};

use super::activation::{Activation, Identity};
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
    /// A network of `depth` units at the zero point (all weights 0), where `f(x) = x` exactly.
    ///
    /// Errors: `depth = 0` ([`crate::Error::ZeroSize`]).
    pub fn zeros(depth: usize) -> Result<Self> {
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
            units.push(unit);
        }
        Ok(Self { units, device })
    }

    /// A network of `depth` units initialised by `init` with the given seed (see [`Init`]).
    pub fn new(depth: usize, init: &Init, seed: u64) -> Result<Self> {
        let mut net = Self::zeros(depth)?;
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
    fn activation_name(&self) -> &'static str {
        A::NAME
    }
    fn activation_functions(&self) -> (fn(f64) -> f64, fn(f64) -> (f64, f64)) {
        (A::scalar, A::derivatives)
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
            .map(|u| u.try_to_device(&device))
            .collect::<std::result::Result<_, _>>()?;
        Ok(Self { units, device })
    }
}
