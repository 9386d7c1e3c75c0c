//! The plain (shortcut-free) baseline `f(x) = V_L σ(V_{L−1} ⋯ σ(V_1 x))` with run-time depth.
//! THEORY.md: a residual network with shortcut depth 1 is this network re-parametrised by `V_l = I + W_l`,
//! so at the identity point (`Init::Identity`) its Hessian equals the shortcut-1 Hessian at zero.

use dfdx::nn::modules::UnbiasedLinear;
use dfdx::nn::{BuildModule, Module, ToDevice};
use dfdx::prelude::{Cpu, OwnedTape, Tape};

use super::activation::{Activation, ActivationKind, Identity};
use super::init::Init;
use super::{Architecture, Batch, Network, WeightMatrix};
use crate::error::{ensure_positive_size, Result};

/// A plain network of width `D` and `depth()` bias-free layers; σ between layers, none after the last.
#[derive(Debug, Clone)]
pub struct PlainNet<const D: usize, A: Activation = Identity> {
    layers: Vec<UnbiasedLinear<D, D, f64, Cpu>>,
    activation: A,
    device: Cpu,
}

impl<const D: usize, A: Activation> PlainNet<D, A> {
    /// A plain network of `depth` layers initialised by `init` with the given seed. The natural baseline is
    /// [`Init::Identity`] (every `V_l = I`, so `f(x) = x` as for a residual network at zero).
    ///
    /// Errors: `depth = 0`, or `D = 0`.
    pub fn new(depth: usize, init: &Init, seed: u64) -> Result<Self> {
        Self::with_activation(A::default(), depth, init, seed)
    }

    /// As [`PlainNet::new`] with the given activation value (for `A = ActivationKind`, σ chosen at run time).
    pub fn with_activation(activation: A, depth: usize, init: &Init, seed: u64) -> Result<Self> {
        ensure_positive_size("depth", depth)?;
        ensure_positive_size("width D", D)?;
        let device = Cpu::default();
        let layers = (0..depth)
            .map(|_| UnbiasedLinear::<D, D, f64, Cpu>::try_build(&device))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let mut net = Self {
            layers,
            activation,
            device,
        };
        init.apply::<D, _>(&mut net, seed)?;
        Ok(net)
    }

    fn run<T: Tape<f64, Cpu>>(&self, mut x: Batch<D, T>) -> Result<Batch<D, T>>
    where
        UnbiasedLinear<D, D, f64, Cpu>:
            Module<Batch<D, T>, Output = Batch<D, T>, Error = dfdx::tensor::CpuError>,
    {
        let last = self.layers.len() - 1;
        for (l, layer) in self.layers.iter().enumerate() {
            x = layer.try_forward(x)?;
            if l < last {
                x = self.activation.kind().apply(x)?;
            }
        }
        Ok(x)
    }
}

impl<const D: usize, A> Network<D> for PlainNet<D, A>
where
    A: Activation,
{
    type Block = UnbiasedLinear<D, D, f64, Cpu>;

    fn architecture(&self) -> Architecture {
        Architecture::Plain
    }
    fn activation(&self) -> ActivationKind {
        self.activation.kind()
    }
    fn depth(&self) -> usize {
        self.layers.len()
    }
    fn layers_per_block(&self) -> usize {
        1
    }
    fn blocks(&self) -> &[Self::Block] {
        &self.layers
    }
    fn blocks_mut(&mut self) -> &mut [Self::Block] {
        &mut self.layers
    }
    fn weights(&self) -> Vec<&WeightMatrix<D>> {
        self.layers.iter().map(|l| &l.weight).collect()
    }
    fn weights_mut(&mut self) -> Vec<&mut WeightMatrix<D>> {
        self.layers.iter_mut().map(|l| &mut l.weight).collect()
    }
    fn forward(&self, x: Batch<D>) -> Result<Batch<D>> {
        self.run(x)
    }
    fn forward_traced(
        &self,
        x: Batch<D, OwnedTape<f64, Cpu>>,
    ) -> Result<Batch<D, OwnedTape<f64, Cpu>>> {
        self.run(x)
    }
    fn device(&self) -> &Cpu {
        &self.device
    }
    fn on_own_device(&self) -> Result<Self> {
        let device = Cpu::default();
        let layers = self
            .layers
            .iter()
            .map(|l| l.try_to_device(&device))
            .collect::<std::result::Result<_, _>>()?;
        Ok(Self {
            layers,
            activation: self.activation,
            device,
        })
    }
}
