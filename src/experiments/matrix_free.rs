//! Experiment 7: Hessians too large to store. Matrix-free estimates — Lanczos extremes, Hutchinson's trace with
//! its standard error, and the stochastic-Lanczos-quadrature (SLQ) density — need only Hessian-vector products
//! (exact R-operator products by default; central differences of dfdx gradients with `HessianMethod::FiniteDifference`). At P ≈ 2000 they are compared with the dense spectrum; at a P whose
//! dense Hessian would not fit in memory they are all there is, and near the zero point they are compared with
//! the closed form (THEORY.md §2: ±σ_i(M), each `D·L` times, for shortcut 2).

use std::time::Instant;

use polars::prelude::DataFrame;

use super::analysis::{analysis, Analysis};
use super::checked::{Checked, Validate};
use super::claims::{num, Claim, Verdict};
use super::network::{build_network, DataSpec, NetworkSpec};
use super::count;
use super::schema::{columns, table};
use crate::error::{human_bytes, Result};
use crate::hessian::lanczos::{
    extreme_eigenvalues, hutchinson_trace, spectral_density, LanczosOptions, SpectralDensity, Which,
};
use crate::hessian::{dense_spectrum_bytes, spectrum_of, theory, HessianOptions};
use crate::net::{Architecture, Init};

/// Settings of [`matrix_free_spectrum`]. `Default` (the comparison at P ≈ 2000): a linear shortcut-2 network
/// with `D = 8`, `L = 16` (P = 2048) on the default teacher, at a small random point `N(0, 0.1²)` (seed 0); Lanczos
/// up to 150 steps; Hutchinson with 40 probes; SLQ with 8 probes of 40 steps; the dense spectrum computed too.
#[derive(Debug, Clone, PartialEq)]
pub struct MatrixFreeConfig {
    /// The network.
    pub network: NetworkSpec,
    /// The data.
    pub data: DataSpec,
    /// Where the Hessian is taken: the initial point of this initialisation …
    pub init: Init,
    /// … with this seed.
    pub seed: u64,
    /// Lanczos settings for the extremes.
    pub lanczos: LanczosOptions,
    /// Number of Rademacher probes of Hutchinson's trace estimate (≥ 2).
    pub hutchinson_probes: usize,
    /// Number of SLQ probes.
    pub slq_probes: usize,
    /// Lanczos steps per SLQ probe.
    pub slq_steps: usize,
    /// Also assemble the dense numeric Hessian and its spectrum (refused beyond `hessian.max_dense_bytes`).
    pub compare_dense: bool,
    /// How Hessian-vector products are computed (exact by default), the finite-difference step and the dense-size
    /// limit.
    pub hessian: HessianOptions,
}

impl Default for MatrixFreeConfig {
    fn default() -> Self {
        Self {
            network: NetworkSpec::residual(8, 2, 16),
            data: DataSpec::default(),
            init: Init::SmallGaussian { std: 0.1 },
            seed: 0,
            lanczos: LanczosOptions {
                max_steps: 150,
                ..Default::default()
            },
            hutchinson_probes: 40,
            slq_probes: 8,
            slq_steps: 40,
            compare_dense: true,
            hessian: HessianOptions::default(),
        }
    }
}

impl MatrixFreeConfig {
    /// A smaller comparison (`D = 4`, `L = 8`, P = 256), same code path.
    pub fn quick() -> Self {
        Self {
            network: NetworkSpec::residual(4, 2, 8),
            ..Self::default()
        }
    }

    /// The network too large for a dense Hessian: shortcut 2, `D = 8`, `L = 1024` (P = 131 072; a dense Hessian
    /// and its eigensolver would need 8·P²·2 bytes = 256 GiB), near the zero point (`N(0, 1e-4²)`: the spectrum moves
    /// away from the zero point's as ε grows, the more so the more units there are; at 1e-4 the start is close
    /// enough for the 1 % check of [`zero_point_claims`]), matrix-free only.
    pub fn large() -> Self {
        Self {
            network: NetworkSpec::residual(8, 2, 1024),
            init: Init::SmallGaussian { std: 1e-4 },
            hutchinson_probes: 20,
            slq_probes: 4,
            compare_dense: false,
            ..Self::default()
        }
    }

    /// A smaller "large" network for quick mode (`D = 4`, `L = 256`, P = 8192), still matrix-free only.
    pub fn large_quick() -> Self {
        Self {
            network: NetworkSpec::residual(4, 2, 256),
            ..Self::large()
        }
    }
}

columns! {
    /// What is estimated: `lambda_max`, `lambda_min`, `trace`, `mean_eigenvalue`, `mean_squared_eigenvalue`.
    QUANTITY = "quantity": Str;
    /// The matrix-free method: `lanczos`, `hutchinson` or `slq`.
    METHOD = "method": Str;
    /// The matrix-free estimate.
    MATRIX_FREE = "matrix_free": F64;
    /// Its statistical standard error (Hutchinson and the SLQ moments; null for Lanczos, which is not random in this sense).
    STD_ERROR = "std_error": F64, nullable;
    /// The same quantity from the dense spectrum (null when the dense Hessian was not computed).
    DENSE = "dense": F64, nullable;
    /// The same quantity at W = 0 in closed form (shortcut ≥ 2 only; null otherwise): the reference near the zero point.
    AT_ZERO = "at_zero": F64, nullable;
    /// Hessian-vector products spent on the estimate.
    HVPS = "hessian_vector_products": U64;
}

table! {
    /// [`MatrixFreeResult::estimates_frame`]: one row per estimated quantity.
    pub SCHEMA = "matrix_free_spectrum";
    fn estimates_frame(Estimate) {
        QUANTITY => |e| e.quantity.label(),
        METHOD => |e| e.method.label(),
        MATRIX_FREE => |e| e.matrix_free,
        STD_ERROR => |e| e.std_error,
        DENSE => |e| e.dense,
        AT_ZERO => |e| e.at_zero,
        HVPS => |e| count(e.hessian_vector_products),
    }
}

/// What a matrix-free method estimates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// λ_max (Lanczos).
    LambdaMax,
    /// λ_min (Lanczos).
    LambdaMin,
    /// `tr H` (Hutchinson).
    Trace,
    /// `(1/P) tr H` (SLQ's first moment).
    MeanEigenvalue,
    /// `(1/P) tr H²` (SLQ's second moment).
    MeanSquaredEigenvalue,
}

impl Quantity {
    /// The table label: `lambda_max`, `lambda_min`, `trace`, `mean_eigenvalue`, `mean_squared_eigenvalue`.
    pub fn label(&self) -> &'static str {
        match self {
            Quantity::LambdaMax => "lambda_max",
            Quantity::LambdaMin => "lambda_min",
            Quantity::Trace => "trace",
            Quantity::MeanEigenvalue => "mean_eigenvalue",
            Quantity::MeanSquaredEigenvalue => "mean_squared_eigenvalue",
        }
    }
    /// The quantity computed from a full list of eigenvalues (for the dense and closed-form columns).
    pub fn of_eigenvalues(&self, e: &[f64]) -> f64 {
        let n = e.len() as f64;
        match self {
            Quantity::LambdaMax => e.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            Quantity::LambdaMin => e.iter().copied().fold(f64::INFINITY, f64::min),
            Quantity::Trace => e.iter().sum(),
            Quantity::MeanEigenvalue => e.iter().sum::<f64>() / n,
            Quantity::MeanSquaredEigenvalue => e.iter().map(|x| x * x).sum::<f64>() / n,
        }
    }
}

/// The matrix-free method behind an estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatrixFreeMethod {
    /// Lanczos with full reorthogonalisation: extreme eigenvalues.
    Lanczos,
    /// Hutchinson's trace estimator with Rademacher probes.
    Hutchinson,
    /// Stochastic Lanczos quadrature: the spectral density and its moments.
    Slq,
}

impl MatrixFreeMethod {
    /// `lanczos`, `hutchinson` or `slq`.
    pub fn label(&self) -> &'static str {
        match self {
            MatrixFreeMethod::Lanczos => "lanczos",
            MatrixFreeMethod::Hutchinson => "hutchinson",
            MatrixFreeMethod::Slq => "slq",
        }
    }
}

/// One matrix-free estimate beside the dense and closed-form values of the same quantity.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// What is estimated.
    pub quantity: Quantity,
    /// How.
    pub method: MatrixFreeMethod,
    /// The matrix-free estimate.
    pub matrix_free: f64,
    /// Its standard error (Hutchinson and the SLQ moments; `None` for Lanczos).
    pub std_error: Option<f64>,
    /// From the dense spectrum (`None` without the dense comparison).
    pub dense: Option<f64>,
    /// From the closed form at `W = 0` (shortcut ≥ 2 only).
    pub at_zero: Option<f64>,
    /// Hessian-vector products spent.
    pub hessian_vector_products: usize,
}

/// The outcome of [`matrix_free_spectrum`].
#[derive(Debug, Clone)]
pub struct MatrixFreeResult {
    /// The config of the run.
    pub config: MatrixFreeConfig,
    /// One [`Estimate`] per [`Quantity`], in declaration order.
    pub estimates: Vec<Estimate>,
    /// The SLQ density (for [`crate::report::density_figure`]).
    pub density: SpectralDensity,
    /// Every eigenvalue of the dense numeric Hessian, ascending (`None` without the dense comparison).
    pub dense_eigenvalues: Option<Vec<f64>>,
    /// The number of parameters `P`.
    pub params: usize,
    /// Bytes a dense Hessian and its eigendecomposition would need (`2·8·P²`).
    pub dense_bytes: u64,
    /// Wall-clock seconds of the matrix-free estimates (all three methods).
    pub matrix_free_seconds: f64,
    /// Wall-clock seconds of the dense assembly and eigendecomposition (`None` without it).
    pub dense_seconds: Option<f64>,
}

impl MatrixFreeResult {
    /// `"P = …; a dense Hessian and its spectrum would need …"`.
    pub fn describe(&self) -> String {
        format!(
            "P = {} parameters; a dense Hessian and its eigendecomposition would need {}",
            self.params,
            human_bytes(self.dense_bytes)
        )
    }
    /// The estimate of `quantity`.
    pub fn estimate(&self, quantity: Quantity) -> Option<&Estimate> {
        self.estimates.iter().find(|e| e.quantity == quantity)
    }
    /// The estimates as a table ([`SCHEMA`]), for display and CSV.
    pub fn estimates_frame(&self) -> Result<DataFrame> {
        estimates_frame(&self.estimates)
    }
}

/// Lanczos extremes, Hutchinson's trace and the SLQ density of the Hessian of the loss at the configured point,
/// using only Hessian-vector products; with `compare_dense`, the dense numeric Hessian's spectrum beside them.
///
/// SLQ's moments `∫ λ^p dφ` estimate `(1/P) tr(H^p)`: the mean and the mean square of the eigenvalues; their
/// standard errors are the spread across probes over √probes.
pub fn matrix_free_spectrum(config: &MatrixFreeConfig) -> Result<MatrixFreeResult> {
    config.check_and_run()
}

impl Validate for MatrixFreeConfig {
    /// A valid network, initialisation and Hessian options, and a dense comparison within the size limit.
    fn validate(&self) -> Result<()> {
        self.network.validate()?;
        self.init.validate()?;
        self.hessian.validate()?;
        if self.compare_dense {
            let p = self.network.num_params();
            self.hessian.ensure_dense_fits(
                "numeric Hessian and its spectrum",
                p,
                dense_spectrum_bytes(p),
            )?;
        }
        Ok(())
    }
}

analysis!(MatrixFreeConfig => MatrixFreeResult);

/// [`matrix_free_spectrum`] on a config that has passed validation.
pub(crate) fn run_checked(config: &Checked<MatrixFreeConfig>) -> Result<MatrixFreeResult> {
    let p = config.network.num_params();
    let data = config.data.load(config.network.width)?;
    let net = build_network(&config.network, &config.init, config.seed)?;
    let op = net.hessian_operator(&data, &config.hessian)?;

    let started = Instant::now();
    let top = extreme_eigenvalues(op.as_ref(), 1, Which::Largest, &config.lanczos)?;
    let bottom = extreme_eigenvalues(op.as_ref(), 1, Which::Smallest, &config.lanczos)?;
    let trace = hutchinson_trace(op.as_ref(), config.hutchinson_probes, config.lanczos.seed)?;
    // One SLQ run per probe, so that the moments get a spread across probes.
    let per_probe = (0..config.slq_probes)
        .map(|k| {
            spectral_density(
                op.as_ref(),
                1,
                config.slq_steps,
                config.lanczos.seed + 1 + k as u64,
            )
        })
        .collect::<Result<Vec<_>>>()?;
    let matrix_free_seconds = started.elapsed().as_secs_f64();
    let density = merge_densities(&per_probe);
    let moment = |power: i32| -> (f64, Option<f64>) {
        let v: Vec<f64> = per_probe.iter().map(|d| d.moment(power)).collect();
        mean_and_std_error(&v)
    };

    let (dense_eigenvalues, dense_seconds) = if config.compare_dense {
        let started = Instant::now();
        let h = net.hessian_at(&data, &config.hessian)?;
        let ev = spectrum_of(h.matrix.as_ref(), None)?.eigenvalues();
        (Some(ev), Some(started.elapsed().as_secs_f64()))
    } else {
        (None, None)
    };
    let at_zero: Option<Vec<f64>> = match config.network.architecture {
        Architecture::Residual { shortcut } if shortcut >= 2 => Some(
            theory::closed_form_spectrum(
                shortcut,
                config.network.depth,
                data.moments(),
                config.network.activation.autodiff_slope_at_zero(),
            )?
            .eigenvalues(),
        ),
        _ => None,
    };
    let (m1, se1) = moment(1);
    let (m2, se2) = moment(2);
    let slq_hvps = config.slq_probes * config.slq_steps;
    let estimate = |quantity: Quantity,
                    method: MatrixFreeMethod,
                    matrix_free: f64,
                    std_error: Option<f64>,
                    hessian_vector_products: usize| Estimate {
        quantity,
        method,
        matrix_free,
        std_error,
        dense: dense_eigenvalues
            .as_deref()
            .map(|e| quantity.of_eigenvalues(e)),
        at_zero: at_zero.as_deref().map(|e| quantity.of_eigenvalues(e)),
        hessian_vector_products,
    };
    let estimates = vec![
        estimate(
            Quantity::LambdaMax,
            MatrixFreeMethod::Lanczos,
            top.values[0],
            None,
            top.steps,
        ),
        estimate(
            Quantity::LambdaMin,
            MatrixFreeMethod::Lanczos,
            bottom.values[0],
            None,
            bottom.steps,
        ),
        estimate(
            Quantity::Trace,
            MatrixFreeMethod::Hutchinson,
            trace.estimate,
            Some(trace.std_error),
            trace.samples,
        ),
        estimate(Quantity::MeanEigenvalue, MatrixFreeMethod::Slq, m1, se1, slq_hvps),
        estimate(Quantity::MeanSquaredEigenvalue, MatrixFreeMethod::Slq, m2, se2, slq_hvps),
    ];
    Ok(MatrixFreeResult {
        config: config.inner().clone(),
        estimates,
        density,
        dense_eigenvalues,
        params: p,
        dense_bytes: dense_spectrum_bytes(p),
        matrix_free_seconds,
        dense_seconds,
    })
}

/// Pools single-probe densities into one (weights divided by the number of probes, nodes sorted).
fn merge_densities(parts: &[SpectralDensity]) -> SpectralDensity {
    let k = parts.len().max(1) as f64;
    let mut pairs: Vec<(f64, f64)> = parts
        .iter()
        .flat_map(|d| d.nodes.iter().zip(&d.weights).map(|(&n, &w)| (n, w / k)))
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    SpectralDensity {
        nodes: pairs.iter().map(|p| p.0).collect(),
        weights: pairs.iter().map(|p| p.1).collect(),
    }
}

/// Mean and standard error of the mean (`None` with fewer than two values).
fn mean_and_std_error(v: &[f64]) -> (f64, Option<f64>) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let se = (v.len() >= 2)
        .then(|| (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0) / n).sqrt());
    (mean, se)
}

/// The claims of notebook 07 on a [`matrix_free_spectrum`] result: [`dense_comparison_claims`] when the run
/// computed the dense spectrum, else [`zero_point_claims`] (a network too large for a dense Hessian).
pub fn claims(result: &MatrixFreeResult) -> Result<Vec<Claim>> {
    if result.dense_eigenvalues.is_some() {
        dense_comparison_claims(result)
    } else {
        zero_point_claims(result)
    }
}

/// The claims of notebook 07 on a [`matrix_free_spectrum`] result with the dense comparison (ids in brackets):
///
/// - `lanczos_matches_dense`: the Lanczos extremes equal the dense λ_max and λ_min within 1e-6·max|λ|;
/// - `hutchinson_within_error`: Hutchinson's trace is within 3 standard errors of the dense trace;
/// - `slq_moments_within_error`: SLQ's mean and mean-square eigenvalue are within 3 standard errors (plus
///   1e-9·max|λ|²) of the dense ones.
///
/// Without a dense spectrum they are `NotApplicable`.
pub fn dense_comparison_claims(result: &MatrixFreeResult) -> Result<Vec<Claim>> {
    let field = |q: Quantity, f: fn(&Estimate) -> Option<f64>| result.estimate(q).and_then(f);
    let est = |q: Quantity| field(q, |e| Some(e.matrix_free));
    let se = |q: Quantity| field(q, |e| e.std_error);
    let dense = |q: Quantity| field(q, |e| e.dense);
    let scale = dense(Quantity::LambdaMax)
        .zip(dense(Quantity::LambdaMin))
        .map(|(a, b)| a.abs().max(b.abs()));
    let mut out = Vec::new();
    // Lanczos vs dense.
    let (id, claim, criterion) = (
        "lanczos_matches_dense",
        "Lanczos on Hessian-vector products finds the same extreme eigenvalues as the dense spectrum.",
        "|λ_lanczos − λ_dense| ≤ 1e-6·max|λ| for λ_max and λ_min",
    );
    out.push(match scale {
        None => Claim::not_applicable(id, claim, criterion, "no dense spectrum in this run"),
        Some(s) => {
            let diffs: Vec<f64> = [Quantity::LambdaMax, Quantity::LambdaMin]
                .iter()
                .map(|&q| (est(q).unwrap_or(f64::NAN) - dense(q).unwrap_or(f64::NAN)).abs())
                .collect();
            Claim {
                id,
                claim: claim.into(),
                evidence: format!(
                    "λ_max {} vs {}, λ_min {} vs {} (Lanczos vs dense); largest difference {} = {}·max|λ|",
                    num(est(Quantity::LambdaMax).unwrap_or(f64::NAN)),
                    num(dense(Quantity::LambdaMax).unwrap_or(f64::NAN)),
                    num(est(Quantity::LambdaMin).unwrap_or(f64::NAN)),
                    num(dense(Quantity::LambdaMin).unwrap_or(f64::NAN)),
                    num(diffs[0].max(diffs[1])),
                    num(diffs[0].max(diffs[1]) / s)
                ),
                criterion: criterion.into(),
                verdict: Verdict::from_bool(diffs.iter().all(|d| *d <= 1e-6 * s)),
            }
        }
    });
    // Stochastic estimates vs dense, within 3 standard errors.
    let within = |id: &'static str, claim: &str, quantities: &[Quantity], floor: f64| -> Claim {
        let criterion = "|estimate − dense| ≤ 3 standard errors".to_string();
        if scale.is_none() {
            return Claim::not_applicable(id, claim, &criterion, "no dense spectrum in this run");
        }
        let mut parts = Vec::new();
        let mut ok = true;
        for &q in quantities {
            let (e, s, d) = (
                est(q).unwrap_or(f64::NAN),
                se(q).unwrap_or(f64::NAN),
                dense(q).unwrap_or(f64::NAN),
            );
            ok &= (e - d).abs() <= 3.0 * s + floor;
            parts.push(format!(
                "{}: {} ± {} vs dense {} ({} standard errors)",
                q.label(),
                num(e),
                num(s),
                num(d),
                num((e - d).abs() / s)
            ));
        }
        Claim {
            id,
            claim: claim.into(),
            evidence: parts.join("; "),
            criterion,
            verdict: Verdict::from_bool(ok),
        }
    };
    out.push(within(
        "hutchinson_within_error",
        "Hutchinson's estimate of the trace agrees with the dense trace within its stated error.",
        &[Quantity::Trace],
        0.0,
    ));
    let s2 = scale.unwrap_or(0.0).powi(2);
    out.push(within(
        "slq_moments_within_error",
        "The SLQ density has the dense spectrum's mean and mean-square eigenvalue, within its stated error.",
        &[Quantity::MeanEigenvalue, Quantity::MeanSquaredEigenvalue],
        1e-9 * s2,
    ));
    Ok(out)
}

/// The claim of notebook 07 on a network too large for a dense Hessian, near the zero point
/// (`extremes_match_zero_point`): the Lanczos extremes are within 1 % of the closed form's ±σ_max(M)
/// (`NotApplicable` without a non-flat closed form, i.e. unless shortcut 2).
pub fn zero_point_claims(result: &MatrixFreeResult) -> Result<Vec<Claim>> {
    let est = |q: Quantity| result.estimate(q).map(|e| e.matrix_free);
    let zero = |q: Quantity| result.estimate(q).and_then(|e| e.at_zero);
    let mut out = Vec::new();
    let (id, claim, criterion) = (
        "extremes_match_zero_point",
        "Near the zero point the extreme eigenvalues are those of the closed form at W = 0, ±σ_max(M).",
        "|λ_lanczos − λ_at_zero| ≤ 0.01·|λ_at_zero| for λ_max and λ_min",
    );
    out.push(match (zero(Quantity::LambdaMax), zero(Quantity::LambdaMin)) {
        (Some(zmax), Some(zmin)) if zmax > 0.0 => {
            let (emax, emin) = (
                est(Quantity::LambdaMax).unwrap_or(f64::NAN),
                est(Quantity::LambdaMin).unwrap_or(f64::NAN),
            );
            let rel = ((emax - zmax) / zmax).abs().max(((emin - zmin) / zmin).abs());
            Claim {
                id,
                claim: claim.into(),
                evidence: format!(
                    "{}: λ_max {} vs {} at zero, λ_min {} vs {} at zero; largest relative difference {}",
                    result.describe(),
                    num(emax),
                    num(zmax),
                    num(emin),
                    num(zmin),
                    num(rel)
                ),
                criterion: criterion.into(),
                verdict: Verdict::from_bool(rel <= 0.01),
            }
        }
        _ => Claim::not_applicable(id, claim, criterion, "no non-flat closed form at zero for this network"),
    });
    Ok(out)
}
