//! Experiment 1: the spectrum of the Hessian at the zero point, per shortcut depth, numeric next to closed form.

use polars::prelude::DataFrame;
use rayon::prelude::*;

use super::network::{build_network, ActivationKind, DataSpec, NetworkSpec};
use super::schema::{columns, shared, Schema};
use super::{count, ensure_nonempty};
use crate::error::{ensure_positive, Result};
use crate::hessian::{dense_spectrum_bytes, spectrum_of, theory, HessianOptions, Spectrum};
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
    /// Finite-difference settings and the dense-size limit of the numeric Hessians.
    pub hessian: HessianOptions,
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
            hessian: HessianOptions::default(),
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

columns! {
    /// Activation inside the branches: `linear`, `tanh` or `relu`.
    ACTIVATION = "activation": Str;
    /// k-th smallest distinct eigenvalue of the numeric Hessian at W = 0 (null past the last one).
    EIGENVALUE_NUMERIC = "eigenvalue_numeric": F64, nullable;
    /// Its multiplicity (eigenvalues within cluster_tol·max|λ| merged).
    MULTIPLICITY_NUMERIC = "multiplicity_numeric": U64, nullable;
    /// k-th smallest distinct eigenvalue of the closed form at W = 0 (null past the last one).
    EIGENVALUE_THEORY = "eigenvalue_theory": F64, nullable;
    /// Its multiplicity.
    MULTIPLICITY_THEORY = "multiplicity_theory": U64, nullable;
    /// ‖∇ℓ(0)‖ from dfdx.
    GRADIENT_NORM_NUMERIC = "gradient_norm_numeric": F64;
    /// ‖∇ℓ(0)‖ from the closed form (‖M‖_F·√L for n = 1, else 0).
    GRADIENT_NORM_THEORY = "gradient_norm_theory": F64;
    /// σ'(0) used by the closed form (autodiff convention; for ReLU the numeric column differs).
    THEORY_SLOPE = "theory_slope": F64;
}

/// The table of [`spectrum_at_zero`]: row k holds the k-th smallest distinct eigenvalue of each method.
pub const SCHEMA: Schema = Schema {
    name: "spectrum_at_zero",
    columns: &[
        shared::SHORTCUT,
        shared::DEPTH,
        shared::PARAMS,
        ACTIVATION,
        EIGENVALUE_NUMERIC,
        MULTIPLICITY_NUMERIC,
        EIGENVALUE_THEORY,
        MULTIPLICITY_THEORY,
        GRADIENT_NORM_NUMERIC,
        GRADIENT_NORM_THEORY,
        THEORY_SLOPE,
    ],
};

/// For every shortcut depth `n`: the numeric Hessian of the loss at `W = 0` (central differences of dfdx
/// gradients) and THEORY.md's closed form, each reduced to distinct eigenvalues with multiplicities, side by
/// side (row `k` holds the `k`-th smallest distinct value of each), plus the gradient norm at zero.
///
/// Columns: [`SCHEMA`].
pub fn spectrum_at_zero(config: &SpectrumAtZeroConfig) -> Result<DataFrame> {
    ensure_nonempty("shortcuts", &config.shortcuts)?;
    ensure_positive("cluster_tol", config.cluster_tol)?;
    config.hessian.validate()?;
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
        let p = s.num_params();
        config.hessian.ensure_dense_fits(
            "numeric Hessian and its spectrum",
            p,
            dense_spectrum_bytes(p),
        )?;
    }
    let data = config.data.load(config.width)?;
    let slope = config.activation.autodiff_slope_at_zero();
    let per_shortcut = specs
        .par_iter()
        .map(|spec| -> Result<_> {
            let net = build_network(spec, &Init::Zero, 0)?;
            let h = net.numeric_hessian(&data, &config.hessian)?;
            let numeric = spectrum_of(h.matrix.as_ref(), Some(spec.block_size()))?
                .clustered(config.cluster_tol);
            let n = spec.block_size() / (spec.width * spec.width);
            let closed: Spectrum = theory::spectrum_at_zero_with(
                n,
                spec.depth,
                data.moments(),
                slope,
                &config.hessian,
            )?;
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
    SCHEMA.frame(vec![
        shared::SHORTCUT.values(shortcut),
        shared::DEPTH.values(depth),
        shared::PARAMS.values(params),
        ACTIVATION.values(act),
        EIGENVALUE_NUMERIC.values(ev_n),
        MULTIPLICITY_NUMERIC.values(mult_n),
        EIGENVALUE_THEORY.values(ev_t),
        MULTIPLICITY_THEORY.values(mult_t),
        GRADIENT_NORM_NUMERIC.values(g_n),
        GRADIENT_NORM_THEORY.values(g_t),
        THEORY_SLOPE.values(sl),
    ])
}
