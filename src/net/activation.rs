//! Activations σ used inside a residual branch `W_N σ(… σ(W_1 h))`.
//!
//! Each activation is a zero-sized dfdx module ([`Identity`] is ours; [`Tanh`] and [`ReLU`] are dfdx's own),
//! tagged with what the theory needs: σ(0) = 0 for all three, and the slope σ'(0) that scales the Hessian at
//! the zero point (THEORY.md, "Nonlinear branches": H(0) = σ'(0) · H_linear(0) for shortcut depth 2).

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

/// What the crate needs to know about an activation beyond its dfdx forward pass.
pub trait Activation: Default + Copy + Send + Sync + std::fmt::Debug + 'static {
    /// Short name used in tables and figure legends (`"linear"`, `"tanh"`, `"relu"`).
    const NAME: &'static str;
    /// σ'(0) as dfdx's autodiff sees it. For ReLU dfdx defines relu'(0) = 0, so autodiff sees a zero
    /// Hessian at the zero point; central differences straddle the kink and see 1/2 (THEORY.md).
    const AUTODIFF_SLOPE_AT_ZERO: f64;
    /// The slope a symmetric finite difference across 0 sees, `(σ(h) − σ(−h)) / 2h`: 1 for linear and tanh
    /// (as `h → 0`), ½ for ReLU. This is what [`crate::hessian::loss_hessian`] measures at the zero point.
    const CENTRAL_DIFFERENCE_SLOPE_AT_ZERO: f64;
    /// σ applied to one number (used by tests and closed forms, never by training).
    fn scalar(x: f64) -> f64;
    /// `(σ'(x), σ''(x))` under autodiff's convention (what dfdx's backward pass uses; relu'(0) = 0 and
    /// relu'' = 0): the exact Hessian engine ([`crate::hessian::exact`]) propagates second derivatives with it.
    fn derivatives(x: f64) -> (f64, f64);
    /// σ applied elementwise to a dfdx tensor, recording on its tape (dfdx's own `tanh`/`relu` kernels).
    fn apply<S: Shape, E: Dtype, Dev: Device<E>, T: Tape<E, Dev>>(
        x: Tensor<S, E, Dev, T>,
    ) -> Result<Tensor<S, E, Dev, T>, Dev::Err>;
}

impl Activation for Identity {
    const NAME: &'static str = "linear";
    const AUTODIFF_SLOPE_AT_ZERO: f64 = 1.0;
    const CENTRAL_DIFFERENCE_SLOPE_AT_ZERO: f64 = 1.0;
    fn scalar(x: f64) -> f64 {
        x
    }
    fn derivatives(_: f64) -> (f64, f64) {
        (1.0, 0.0)
    }
    fn apply<S: Shape, E: Dtype, Dev: Device<E>, T: Tape<E, Dev>>(
        x: Tensor<S, E, Dev, T>,
    ) -> Result<Tensor<S, E, Dev, T>, Dev::Err> {
        Ok(x)
    }
}

impl Activation for Tanh {
    const NAME: &'static str = "tanh";
    const AUTODIFF_SLOPE_AT_ZERO: f64 = 1.0;
    const CENTRAL_DIFFERENCE_SLOPE_AT_ZERO: f64 = 1.0;
    fn scalar(x: f64) -> f64 {
        x.tanh()
    }
    /// `σ' = 1 − tanh²`, `σ'' = −2 tanh · (1 − tanh²)`.
    fn derivatives(x: f64) -> (f64, f64) {
        let t = x.tanh();
        let slope = 1.0 - t * t;
        (slope, -2.0 * t * slope)
    }
    fn apply<S: Shape, E: Dtype, Dev: Device<E>, T: Tape<E, Dev>>(
        x: Tensor<S, E, Dev, T>,
    ) -> Result<Tensor<S, E, Dev, T>, Dev::Err> {
        x.try_tanh()
    }
}

impl Activation for ReLU {
    const NAME: &'static str = "relu";
    const AUTODIFF_SLOPE_AT_ZERO: f64 = 0.0;
    const CENTRAL_DIFFERENCE_SLOPE_AT_ZERO: f64 = 0.5;
    fn scalar(x: f64) -> f64 {
        x.max(0.0)
    }
    /// `σ' = 1[x > 0]` (0 at the kink, as dfdx), `σ'' = 0`.
    fn derivatives(x: f64) -> (f64, f64) {
        (if x > 0.0 { 1.0 } else { 0.0 }, 0.0)
    }
    fn apply<S: Shape, E: Dtype, Dev: Device<E>, T: Tape<E, Dev>>(
        x: Tensor<S, E, Dev, T>,
    ) -> Result<Tensor<S, E, Dev, T>, Dev::Err> {
        x.try_relu()
    }
}
