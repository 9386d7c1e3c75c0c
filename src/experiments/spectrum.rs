//! Experiment 1: the spectrum of the Hessian at the zero point, per shortcut depth, numeric next to closed form.

use polars::prelude::DataFrame;
use rayon::prelude::*;

use super::network::{build_network, ActivationKind, DataSpec, NetworkSpec};
use super::{col, count, ensure_nonempty, frame};
use crate::error::Result;
use crate::hessian::{spectrum_of, theory, HessianOptions, Spectrum};
use crate::net::{Architecture, Init};

/// Settings of [`spectrum_at_zero`]. `Default`: width 4, shortcut depths 1–4, depth 3, linear, the default
/// teacher, clusters merged within 1e-6·max|λ|.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectrumAtZeroConfig {
    /// Width `D`.
    pub width: usize,
    /// Shortcut depths to analyse (1–4).
    pub shortcuts: Vec<usize>,
    /// Number of units `L`.
    pub depth: usize,
    /// Activation inside the branches.
    pub activation: ActivationKind,
    /// The data.
    pub data: DataSpec,
    /// Eigenvalues within `cluster_tol · max|λ|` are reported as one value with a multiplicity.
    pub cluster_tol: f64,
}

impl Default for SpectrumAtZeroConfig {
    fn default() -> Self {
        Self {
            width: 4,
            shortcuts: vec![1, 2, 3, 4],
            depth: 3,
            activation: ActivationKind::Linear,
            data: DataSpec::default(),
            cluster_tol: 1e-6,
        }
    }
}

impl SpectrumAtZeroConfig {
    /// A smaller version for tests (width 2, depth 2).
    pub fn quick() -> Self {
        Self {
            width: 2,
            depth: 2,
            ..Self::default()
        }
    }
}

/// For every shortcut depth `n`: the numeric Hessian of the loss at `W = 0` (central differences of dfdx
/// gradients) and THEORY.md's closed form, each reduced to distinct eigenvalues with multiplicities, side by
/// side (row `k` holds the `k`-th smallest distinct value of each), plus the gradient norm at zero.
///
/// Columns: `shortcut` (u64), `depth` (u64), `params` (u64), `activation` (str), `eigenvalue_numeric` (f64?),
/// `multiplicity_numeric` (u64?), `eigenvalue_theory` (f64?), `multiplicity_theory` (u64?),
/// `gradient_norm_numeric` (f64), `gradient_norm_theory` (f64), `theory_slope` (f64: σ'(0) used by the closed
/// form, the autodiff convention — for ReLU the numeric column differs, see the crate docs).
pub fn spectrum_at_zero(config: &SpectrumAtZeroConfig) -> Result<DataFrame> {
    ensure_nonempty("shortcuts", &config.shortcuts)?;
    let data = config.data.load(config.width)?;
    let specs: Vec<NetworkSpec> = config
        .shortcuts
        .iter()
        .map(|&n| NetworkSpec {
            width: config.width,
            architecture: Architecture::Residual { shortcut: n },
            activation: config.activation,
            depth: config.depth,
        })
        .collect();
    for s in &specs {
        s.validate()?;
    }
    let slope = config.activation.autodiff_slope_at_zero();
    let per_shortcut = specs
        .par_iter()
        .map(|spec| -> Result<_> {
            let net = build_network(spec, &Init::Zero, 0)?;
            let h = net.numeric_hessian(&data, &HessianOptions::default())?;
            let numeric = spectrum_of(h.matrix.as_ref(), Some(spec.block_size()))?
                .clustered(config.cluster_tol);
            let n = spec.block_size() / (spec.width * spec.width);
            let closed: Spectrum = theory::spectrum_at_zero(n, spec.depth, data.moments(), slope)?;
            let grad = net.loss_and_gradient(&data)?.1;
            let grad_theory = theory::gradient_at_zero(n, spec.depth, data.moments())?;
            let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
            Ok((
                n,
                spec.num_params(),
                numeric,
                closed.clustered(config.cluster_tol),
                norm(&grad),
                norm(&grad_theory),
            ))
        })
        .collect::<Result<Vec<_>>>()?;

    let (mut shortcut, mut depth, mut params, mut act) = (vec![], vec![], vec![], vec![]);
    let (mut ev_n, mut mult_n, mut ev_t, mut mult_t, mut g_n, mut g_t, mut sl) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for (n, p, numeric, closed, gn, gt) in per_shortcut {
        for k in 0..numeric.len().max(closed.len()) {
            shortcut.push(count(n));
            depth.push(count(config.depth));
            params.push(count(p));
            act.push(config.activation.name());
            ev_n.push(numeric.get(k).map(|c| c.0));
            mult_n.push(numeric.get(k).map(|c| count(c.1)));
            ev_t.push(closed.get(k).map(|c| c.0));
            mult_t.push(closed.get(k).map(|c| count(c.1)));
            g_n.push(gn);
            g_t.push(gt);
            sl.push(slope);
        }
    }
    frame(vec![
        col("shortcut", shortcut),
        col("depth", depth),
        col("params", params),
        col("activation", act),
        col("eigenvalue_numeric", ev_n),
        col("multiplicity_numeric", mult_n),
        col("eigenvalue_theory", ev_t),
        col("multiplicity_theory", mult_t),
        col("gradient_norm_numeric", g_n),
        col("gradient_norm_theory", g_t),
        col("theory_slope", sl),
    ])
}
