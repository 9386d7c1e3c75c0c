//! Activations σ used inside a residual branch `W_N σ(… σ(W_1 h))`.
//!
//! [`ActivationKind`] is the activation as a value and holds what the theory needs of each σ: σ(0) = 0 for all
//! three, and the slope σ'(0) that scales the Hessian at the zero point (THEORY.md, "Nonlinear branches":
//! H(0) = σ'(0) · H_linear(0) for shortcut depth 2). A network's activation is any type implementing
//! [`Activation`]:
//! - the zero-sized [`Identity`], [`Tanh`], [`ReLU`] fix σ in the type (`ResNet<4, 2, Tanh>`), as dfdx's own
//!   activation modules do ([`Tanh`] and [`ReLU`] are dfdx's);
//! - [`ActivationKind`] itself chooses σ at run time (`ResNet<4, 2, ActivationKind>`). The networks that
//!   experiments and notebooks build from a `NetworkSpec` are of this kind, so one compiled network per
//!   (width, shortcut depth) serves all three activations (docs/setup-costs.md).

use dfdx::nn::{Module, NonMutableModule, ZeroSizedModule};
use dfdx::prelude::{Device, Dtype, HasErr, Shape, Tape, Tensor};

pub use dfdx::nn::modules::{ReLU, Tanh};

/// σ(x) = x: the linear residual network of THEORY.md.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Identity;

impl ZeroSizedModule for Identity {}
impl NonMutableModule for Identity {}

impl<X: HasErr> Module<X> for Identity {
    type Output = X;
    type Error = X::Err;
    fn try_forward(&self, input: X) -> Result<X, X::Err> {
        Ok(input)
    }
}

/// The activation as a value: linear, tanh or ReLU.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActivationKind {
    /// σ(x) = x.
    #[default]
    Linear,
    /// σ = tanh (σ'(0) = 1).
    Tanh,
    /// σ = max(0, ·) (not differentiable at 0; see the crate docs on conventions).
    Relu,
}

impl ActivationKind {
    /// All three, in table order.
    pub const ALL: [ActivationKind; 3] = [Self::Linear, Self::Tanh, Self::Relu];

    /// Short name used in tables and figure legends: `"linear"`, `"tanh"`, `"relu"`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Linear => "linear",
            Self::Tanh => "tanh",
            Self::Relu => "relu",
        }
    }

    /// σ'(0) as dfdx's autodiff sees it: 1, 1, 0. dfdx defines relu'(0) = 0, so autodiff sees a zero Hessian
    /// at the zero point of a ReLU network (THEORY.md).
    pub fn autodiff_slope_at_zero(&self) -> f64 {
        match self {
            Self::Linear | Self::Tanh => 1.0,
            Self::Relu => 0.0,
        }
    }

    /// The slope a symmetric finite difference across 0 sees, `(σ(h) − σ(−h)) / 2h`: 1 for linear and tanh
    /// (as `h → 0`), ½ for ReLU. This is what [`crate::hessian::loss_hessian`] measures at the zero point.
    pub fn central_difference_slope_at_zero(&self) -> f64 {
        match self {
            Self::Linear | Self::Tanh => 1.0,
            Self::Relu => 0.5,
        }
    }

    /// σ applied to one number (used by tests and closed forms, never by training).
    pub fn scalar(&self, x: f64) -> f64 {
        (self.evaluator())(x).0
    }

    /// `(σ'(x), σ''(x))` under autodiff's convention (what dfdx's backward pass uses): linear `(1, 0)`; tanh
    /// `σ' = 1 − tanh²`, `σ'' = −2 tanh · (1 − tanh²)`; ReLU `σ' = 1[x > 0]` (0 at the kink, as dfdx),
    /// `σ'' = 0`. The exact Hessian engine ([`crate::hessian::exact`]) propagates second derivatives with it.
    pub fn derivatives(&self, x: f64) -> (f64, f64) {
        let (_, slope, curvature) = (self.evaluator())(x);
        (slope, curvature)
    }

    /// `x ↦ (σ(x), σ'(x), σ''(x))` (the derivatives as in [`ActivationKind::derivatives`]) as a plain function
    /// pointer, one `tanh` per call: what the exact engine and the fused training pass run on, per element.
    pub fn evaluator(&self) -> fn(f64) -> (f64, f64, f64) {
        fn linear(x: f64) -> (f64, f64, f64) {
            (x, 1.0, 0.0)
        }
        fn tanh(x: f64) -> (f64, f64, f64) {
            let t = x.tanh();
            let slope = 1.0 - t * t;
            (t, slope, -2.0 * t * slope)
        }
        fn relu(x: f64) -> (f64, f64, f64) {
            (x.max(0.0), if x > 0.0 { 1.0 } else { 0.0 }, 0.0)
        }
        match self {
            Self::Linear => linear,
            Self::Tanh => tanh,
            Self::Relu => relu,
        }
    }

    /// σ applied elementwise to a dfdx tensor, recording on its tape (dfdx's own `tanh`/`relu` kernels).
    pub fn apply<S: Shape, E: Dtype, Dev: Device<E>, T: Tape<E, Dev>>(
        &self,
        x: Tensor<S, E, Dev, T>,
    ) -> Result<Tensor<S, E, Dev, T>, Dev::Err> {
        match self {
            Self::Linear => Ok(x),
            Self::Tanh => x.try_tanh(),
            Self::Relu => x.try_relu(),
        }
    }
}

/// What a network's activation type provides: which σ it is. Everything else (σ on tensors and numbers, its
/// slopes at 0) follows from the [`ActivationKind`].
///
/// The value of an activation is not a tensor, so dfdx's module-rebuilding visitors (`build_module`,
/// `to_device`) make a fresh one with `Default` (for [`ActivationKind`]: `Linear`); [`super::ResNet`] and
/// [`super::PlainNet`] set it back after every rebuild.
pub trait Activation: Default + Copy + Send + Sync + std::fmt::Debug + 'static {
    /// Which σ this is.
    fn kind(&self) -> ActivationKind;
}

impl Activation for Identity {
    fn kind(&self) -> ActivationKind {
        ActivationKind::Linear
    }
}

impl Activation for Tanh {
    fn kind(&self) -> ActivationKind {
        ActivationKind::Tanh
    }
}

impl Activation for ReLU {
    fn kind(&self) -> ActivationKind {
        ActivationKind::Relu
    }
}

/// σ chosen at run time.
impl Activation for ActivationKind {
    fn kind(&self) -> ActivationKind {
        *self
    }
}
