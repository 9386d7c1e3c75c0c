//! Where a training step's gradient comes from: the fused pass ([`super::fused`], the default) or dfdx's
//! autodiff (the reference). Either way the update is dfdx's optimiser, which reads the gradient from a dfdx
//! [`Gradients`] object that is allocated once per run and overwritten every step.

use dfdx::prelude::{Cpu, Gradients};

use super::fused::FusedPass;
use crate::data::Dataset;
use crate::error::Result;
use crate::net::{FlatParams, Network};

/// How [`super::train`] computes each step's gradient. Both give the gradient of the same loss to rounding
/// (`tests/fused_pass.rs`); the update rule is dfdx's optimiser either way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GradientPath {
    /// The fused pass: hand-written kernels for the compiled width, buffers reused across steps, samples in
    /// fixed chunks on rayon's threads ([`super::fused::FusedPass`]).
    #[default]
    Fused,
    /// dfdx's reverse-mode autodiff on a fresh tape every step
    /// ([`crate::net::FlatParams::loss_and_dfdx_gradients`]).
    DfdxAutodiff,
}

/// The gradient source of one training run, holding what it reuses between steps.
pub(super) enum StepGradient<const D: usize> {
    Fused {
        pass: Box<FusedPass<D>>,
        grads: Gradients<f64, Cpu>,
        norm: f64,
    },
    Dfdx {
        grads: Option<Gradients<f64, Cpu>>,
    },
}

impl<const D: usize> StepGradient<D> {
    pub(super) fn new<Net: Network<D>>(net: &Net, path: GradientPath) -> Self {
        match path {
            GradientPath::Fused => StepGradient::Fused {
                pass: Box::new(FusedPass::new(net)),
                grads: Gradients::leaky(),
                norm: 0.0,
            },
            GradientPath::DfdxAutodiff => StepGradient::Dfdx { grads: None },
        }
    }

    /// `ℓ(θ)` on `data`, without a gradient.
    pub(super) fn loss<Net: Network<D>>(&mut self, net: &Net, data: &Dataset<D>) -> Result<f64> {
        match self {
            StepGradient::Fused { pass, .. } => pass.loss(net, data),
            StepGradient::Dfdx { .. } => net.loss(data),
        }
    }

    /// `ℓ(θ)` on `data`; keeps `∇ℓ(θ)` for [`StepGradient::gradients`] and [`StepGradient::norm`].
    pub(super) fn loss_and_gradient<Net: Network<D>>(
        &mut self,
        net: &Net,
        data: &Dataset<D>,
    ) -> Result<f64> {
        match self {
            StepGradient::Fused { pass, grads, norm } => {
                let (loss, gradient) = pass.loss_and_gradient(net, data)?;
                *norm = gradient.iter().map(|g| g * g).sum::<f64>().sqrt();
                for (w, g) in net.weights().into_iter().zip(gradient.chunks_exact(D * D)) {
                    grads.get_or_alloc_mut(w)?.copy_from_slice(g);
                }
                Ok(loss)
            }
            StepGradient::Dfdx { grads } => {
                let (loss, g) = net.loss_and_dfdx_gradients(data)?;
                *grads = Some(g);
                Ok(loss)
            }
        }
    }

    /// `‖∇ℓ(θ)‖` of the last [`StepGradient::loss_and_gradient`].
    pub(super) fn norm<Net: Network<D>>(&self, net: &Net) -> f64 {
        match self {
            StepGradient::Fused { norm, .. } => *norm,
            StepGradient::Dfdx { grads } => grads.as_ref().map_or(0.0, |g| {
                net.flatten_gradients(g)
                    .iter()
                    .map(|v| v * v)
                    .sum::<f64>()
                    .sqrt()
            }),
        }
    }

    /// The last gradient as dfdx's optimisers read it.
    pub(super) fn gradients(&self) -> Option<&Gradients<f64, Cpu>> {
        match self {
            StepGradient::Fused { grads, .. } => Some(grads),
            StepGradient::Dfdx { grads } => grads.as_ref(),
        }
    }
}
