//! Compile-time-shaped networks on dfdx: residual units ([`unit`]), the run-time-depth residual network
//! ([`resnet`]), the plain baseline ([`plain`]), activations, initialisers and the flat parameter view.
//!
//! Every network here is square (width `D` throughout) and bias-free, as in THEORY.md. The trait
//! [`Network`] is what the Hessian, training and experiment layers program against.

pub mod activation;
pub mod init;
pub(crate) mod layers;
pub mod params;
pub mod plain;
pub mod resnet;
pub mod unit;

use std::fmt::Debug;

use dfdx::nn::TensorCollection;
use dfdx::prelude::{Cpu, OwnedTape, Rank2, Tensor};

use crate::error::Result;

pub use crate::data::Batch;

/// One `D×D` weight matrix as dfdx stores it (`w[i][j]` = Wᵢⱼ, applied to a column as `W h`).
pub type WeightMatrix<const D: usize> = Tensor<Rank2<D, D>, f64, Cpu>;

/// Which family a network belongs to; used in tables and to pick the closed form at zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Architecture {
    /// Residual units whose identity shortcut skips `shortcut` weight layers (THEORY.md's `n`).
    Residual {
        /// Shortcut depth `N ≥ 1`.
        shortcut: usize,
    },
    /// No shortcuts: `f(x) = V_L σ(… σ(V_1 x))`.
    Plain,
}

impl Architecture {
    /// A short label for tables and legends: `"residual n=2"` or `"plain"`.
    pub fn label(&self) -> String {
        match self {
            Architecture::Residual { shortcut } => format!("residual n={shortcut}"),
            Architecture::Plain => "plain".to_string(),
        }
    }
}

/// A square, bias-free network of width `D` whose depth is a run-time value.
///
/// Its trainable weights are an ordered list of `D×D` matrices (see [`Network::weights`]); the order is
/// THEORY.md's parameter order: unit-major, then layer `k = 1..n` inside the unit, then row-major entries.
/// The flat parameter vector, the loss and its gradient are provided for every `Network` by
/// [`params::FlatParams`].
pub trait Network<const D: usize>: Clone + Send + Sync + Debug + 'static {
    /// The dfdx module that one optimiser state drives (a residual unit, or one plain layer).
    type Block: TensorCollection<f64, Cpu> + Clone + Send + Sync + Debug;

    /// Residual (with its shortcut depth) or plain.
    fn architecture(&self) -> Architecture;
    /// The activation σ between layers.
    fn activation(&self) -> ActivationKind;
    /// Number of units `L` (residual) or layers `L` (plain).
    fn depth(&self) -> usize;
    /// Weight layers per block: `N` for a residual unit, 1 for a plain layer.
    fn layers_per_block(&self) -> usize;
    /// The dfdx modules, in order of application (block 0 is applied first).
    fn blocks(&self) -> &[Self::Block];
    /// Mutable access to the dfdx modules, e.g. for dfdx optimisers.
    fn blocks_mut(&mut self) -> &mut [Self::Block];
    /// All weight matrices in parameter order.
    fn weights(&self) -> Vec<&WeightMatrix<D>>;
    /// All weight matrices in parameter order, mutably.
    fn weights_mut(&mut self) -> Vec<&mut WeightMatrix<D>>;
    /// Forward pass without gradient tracking: `f(x)` for every row of `x`.
    fn forward(&self, x: Batch<D>) -> Result<Batch<D>>;
    /// Forward pass recording a dfdx tape, for backpropagation.
    fn forward_traced(
        &self,
        x: Batch<D, OwnedTape<f64, Cpu>>,
    ) -> Result<Batch<D, OwnedTape<f64, Cpu>>>;
    /// The dfdx device the weights live on.
    fn device(&self) -> &Cpu;
    /// A copy whose weights live on a new dfdx device (with its own allocation cache). Clones share the
    /// device and contend for its cache; parallel workers use one of these each.
    fn on_own_device(&self) -> Result<Self>;

    /// Total number of trainable weights `P = (layers per block) · L · D²`.
    fn num_params(&self) -> usize {
        self.layers_per_block() * self.depth() * D * D
    }

    /// A one-line description for tables: e.g. `"residual n=2, L=8, linear, D=4"`.
    fn describe(&self) -> String {
        format!(
            "{}, L={}, {}, D={}",
            self.architecture().label(),
            self.depth(),
            self.activation().name(),
            D
        )
    }
}

pub use activation::{Activation, ActivationKind, Identity, ReLU, Tanh};
pub use init::Init;
pub use params::FlatParams;
pub use plain::PlainNet;
pub use resnet::ResNet;
pub use unit::ResidualUnit;
