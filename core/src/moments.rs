//! Second moments of a dataset (THEORY.md, "Data moments"): for a linear network the loss depends on the data
//! only through `Σ_xx = E[x xᵀ]`, `Σ_xy = E[x yᵀ]` and `E‖y‖²`; the Hessian at the zero point is a function of
//! `M = Σ_xy − Σ_xx`.

use faer::Mat;

use crate::error::{ensure_len, ensure_positive_size, Error, Result};

/// Second moments of a dataset; all matrices are `D×D`.
#[derive(Debug, Clone)]
pub struct Moments {
    /// `Σ_xx = (1/m) Σ_i x_i x_iᵀ`.
    pub sxx: Mat<f64>,
    /// `Σ_xy = (1/m) Σ_i x_i y_iᵀ`.
    pub sxy: Mat<f64>,
    /// `M = Σ_xy − Σ_xx = E[x (y − x)ᵀ]`: the only data the Hessian at zero depends on.
    pub m: Mat<f64>,
    /// `E‖y‖²`.
    pub mean_sq_target: f64,
    /// `ℓ(0) = (1/2m) Σ_i ‖y_i − x_i‖²`: the loss at the zero point, where `f(x) = x`.
    pub loss_at_zero: f64,
}

impl Moments {
    /// The moments of `m = inputs.len() / d` samples stored row-major (`inputs[i·d + j]` is coordinate `j` of
    /// `x_i`). Errors: `d = 0`, no samples, lengths that are not `m·d`; non-finite moments are reported by
    /// [`Moments::first_non_finite`], not here.
    pub fn of_samples(inputs: &[f64], targets: &[f64], d: usize) -> Result<Moments> {
        ensure_positive_size("width D", d)?;
        let n = inputs.len() / d;
        ensure_positive_size("number of samples", n)?;
        ensure_len("input values (m·D)", n * d, inputs.len())?;
        ensure_len("target values (m·D)", inputs.len(), targets.len())?;
        let m = n as f64;
        let x = Mat::from_fn(n, d, |i, j| inputs[i * d + j]);
        let y = Mat::from_fn(n, d, |i, j| targets[i * d + j]);
        let sxx = (x.transpose() * &x) * faer::Scale(1.0 / m);
        let sxy = (x.transpose() * &y) * faer::Scale(1.0 / m);
        let mdiff = &sxy - &sxx;
        let mean_sq_target = targets.iter().map(|v| v * v).sum::<f64>() / m;
        let loss_at_zero = inputs
            .iter()
            .zip(targets)
            .map(|(a, b)| (b - a) * (b - a))
            .sum::<f64>()
            / (2.0 * m);
        Ok(Moments {
            sxx,
            sxy,
            m: mdiff,
            mean_sq_target,
            loss_at_zero,
        })
    }

    /// The name of the first moment that is not finite (finite data so large that the products overflow), or
    /// `None` when all are finite.
    pub fn first_non_finite(&self) -> Option<&'static str> {
        let finite =
            |m: &Mat<f64>| (0..m.nrows()).all(|i| (0..m.ncols()).all(|j| m[(i, j)].is_finite()));
        [
            ("Σ_xx", finite(&self.sxx)),
            ("Σ_xy", finite(&self.sxy)),
            ("M = Σ_xy − Σ_xx", finite(&self.m)),
            ("E‖y‖²", self.mean_sq_target.is_finite()),
            ("ℓ(0)", self.loss_at_zero.is_finite()),
        ]
        .into_iter()
        .find(|(_, ok)| !ok)
        .map(|(name, _)| name)
    }

    /// `Err(NonFinite)` naming the first moment that is not finite; `source` describes the data in the message.
    pub fn ensure_finite(&self, source: &str) -> Result<()> {
        match self.first_non_finite() {
            None => Ok(()),
            Some(name) => Err(Error::NonFinite {
                location: format!(
                    "the second moment {name} of {source}: the values are too large for f64 products; rescale the data"
                ),
            }),
        }
    }
}
