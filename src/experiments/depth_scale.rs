//! Experiment 6: depth at scale — how the best learning rate, the final loss and the time to reach a threshold
//! change with depth `L` for each architecture ("training very deep models is no harder than shallow ones").

use polars::prelude::DataFrame;

use super::claims::{num, Claim, Verdict};
use super::ensure_nonempty;
use super::network::{ActivationKind, DataSpec};
use super::analysis::{analysis, Analysis};
use super::checked::{Checked, Validate};
use super::training::{best_frame_of, training_grid, ConfigurationResult, TrainingGridConfig};
use crate::error::{ensure_non_negative, Result};
use crate::net::{Architecture, Init};
use crate::numbers::fit::log_log_slope;
use crate::train::{RateSearch, TrainConfig};

/// Settings of [`depth_scale`]. `Default`: width 4, the default teacher; shortcut 1, 2, 3 from small init
/// (ε = 1e-3) and the plain network from the identity; depths 1, 4, 16, 64, 256; rates 0.001 … 1, widened by
/// half decades within 1e-8 … 100 and bisected to a ratio of 1.2 at each configuration's edge of stability;
/// seeds 0, 1; 400 GD steps, a run unstable above 2·ℓ(θ₀); threshold 1e-3·ℓ(0).
#[derive(Debug, Clone, PartialEq)]
pub struct DepthScaleConfig {
    /// Width `D`.
    pub width: usize,
    /// The data.
    pub data: DataSpec,
    /// Activation.
    pub activation: ActivationKind,
    /// Residual shortcut depths (small Gaussian init) — and the plain network (identity init) if `include_plain`.
    pub shortcuts: Vec<usize>,
    /// Also run the plain network from the identity.
    pub include_plain: bool,
    /// ε of the small initialisation of residual networks.
    pub small_init_std: f64,
    /// Depths `L`.
    pub depths: Vec<usize>,
    /// The starting learning-rate grid.
    pub learning_rates: Vec<f64>,
    /// How the grid is widened per configuration ([`RateSearch`]); `None` keeps the grid as given.
    pub rate_search: Option<RateSearch>,
    /// Seeds.
    pub seeds: Vec<u64>,
    /// Every run's settings (GD, 400 steps by default); `learning_rate` and `seed` come from the grid.
    pub train: TrainConfig,
    /// Threshold as a fraction of ℓ(0).
    pub loss_threshold: f64,
}

impl Default for DepthScaleConfig {
    fn default() -> Self {
        Self {
            width: 4,
            data: DataSpec::default(),
            activation: ActivationKind::Linear,
            shortcuts: vec![1, 2, 3],
            include_plain: true,
            small_init_std: 1e-3,
            depths: vec![1, 4, 16, 64, 256],
            learning_rates: vec![0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0],
            rate_search: Some(RateSearch::default()),
            seeds: vec![0, 1],
            train: TrainConfig {
                steps: 400,
                divergence_factor: 2.0,
                ..Default::default()
            },
            loss_threshold: 1e-3,
        }
    }
}

impl DepthScaleConfig {
    /// A smaller version (width 2, depths 1, 4, 16, four rates widened within 1e-5 … 10, one seed, 100 steps),
    /// same code path.
    pub fn quick() -> Self {
        let mut c = Self {
            width: 2,
            depths: vec![1, 4, 16],
            learning_rates: vec![0.01, 0.1, 0.3, 1.0],
            rate_search: Some(RateSearch {
                lowest: 1e-5,
                highest: 10.0,
                ..RateSearch::default()
            }),
            seeds: vec![0],
            ..Self::default()
        };
        c.train.steps = 100;
        c
    }
}

/// What a depth-sweep figure plots against `L` for each architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepthMeasure {
    /// The edge of stability: the largest stable learning rate of the search.
    EdgeOfStability,
    /// The best rate's mean steps to the threshold.
    StepsToThreshold,
    /// The best learning rate.
    BestLearningRate,
}

impl DepthMeasure {
    /// Its value for one configuration (`None` where the sweep has none).
    pub fn value(&self, row: &ConfigurationResult) -> Option<f64> {
        match self {
            DepthMeasure::EdgeOfStability => row.largest_stable_rate,
            DepthMeasure::StepsToThreshold => row.mean_steps_to_threshold,
            DepthMeasure::BestLearningRate => row.best_learning_rate,
        }
    }
    /// An axis label.
    pub fn label(&self) -> &'static str {
        match self {
            DepthMeasure::EdgeOfStability => "edge of stability (largest stable rate)",
            DepthMeasure::StepsToThreshold => "steps to reach the threshold (best rate)",
            DepthMeasure::BestLearningRate => "best learning rate",
        }
    }
}

/// The result of [`depth_scale`]: the config and one [`ConfigurationResult`] per (architecture, depth): the
/// residual shortcuts from small initialisation first, then the plain network from the identity.
#[derive(Debug, Clone)]
pub struct DepthScale {
    /// The config of the run.
    pub config: DepthScaleConfig,
    /// One entry per configuration.
    pub configurations: Vec<ConfigurationResult>,
}

impl DepthScale {
    /// The configurations of `architecture`, in depth order.
    pub fn of(&self, architecture: Architecture) -> Vec<&ConfigurationResult> {
        self.configurations
            .iter()
            .filter(|c| c.configuration.architecture == architecture)
            .collect()
    }
    /// The architectures of the sweep, in table order.
    pub fn architectures(&self) -> Vec<Architecture> {
        let mut out: Vec<Architecture> = Vec::new();
        for c in &self.configurations {
            if !out.contains(&c.configuration.architecture) {
                out.push(c.configuration.architecture);
            }
        }
        out
    }
    /// The edge of stability of `architecture`: `(L, largest stable rate)` at the depths where the search
    /// bracketed it (an unstable rate sits above the largest stable one), and how many depths the architecture
    /// has. What the edge claims fit, and what exercise 4.2 reads.
    pub fn bracketed_edges(&self, architecture: Architecture) -> (Vec<(f64, f64)>, usize) {
        let rows = self.of(architecture);
        let pts = rows
            .iter()
            .filter_map(|r| Some((r.configuration.depth as f64, r.bracketed_edge()?)))
            .collect();
        (pts, rows.len())
    }
    /// One row per (architecture, depth) ([`super::training::BEST_SCHEMA`]), for display and CSV.
    pub fn to_frame(&self) -> Result<DataFrame> {
        best_frame_of(&self.configurations)
    }
}

impl Validate for DepthScaleConfig {
    /// ε ≥ 0, at least one network, and every grid it runs valid.
    fn validate(&self) -> Result<()> {
        ensure_non_negative("small_init_std", self.small_init_std)?;
        if self.shortcuts.is_empty() && !self.include_plain {
            ensure_nonempty("shortcuts", &self.shortcuts)?;
        }
        self.grids().iter().try_for_each(Validate::validate)
    }
}

impl DepthScaleConfig {
    /// The training grids the sweep runs: the residual shortcuts from small init, and the plain network from the
    /// identity.
    fn grids(&self) -> Vec<TrainingGridConfig> {
        let base = TrainingGridConfig {
            width: self.width,
            data: self.data.clone(),
            activation: self.activation,
            architectures: self
                .shortcuts
                .iter()
                .map(|&n| Architecture::Residual { shortcut: n })
                .collect(),
            inits: vec![Init::SmallGaussian {
                std: self.small_init_std,
            }],
            depths: self.depths.clone(),
            learning_rates: self.learning_rates.clone(),
            rate_search: self.rate_search,
            seeds: self.seeds.clone(),
            train: self.train.clone(),
            loss_threshold: self.loss_threshold,
            compare_at_step: self.train.steps,
        };
        let mut grids = Vec::new();
        if !base.architectures.is_empty() {
            grids.push(base.clone());
        }
        if self.include_plain {
            grids.push(TrainingGridConfig {
                architectures: vec![Architecture::Plain],
                inits: vec![Init::Identity],
                ..base
            });
        }
        grids
    }
}

/// For every architecture and depth: the edge of stability (bisected) next to `2/λ_max(H(θ₀))`, the best
/// learning rate of the grid (the crate's one rule, [`crate::train::best_rate`]: stable, fewest steps to the
/// threshold) and that rate's statistics over seeds.
pub fn depth_scale(config: &DepthScaleConfig) -> Result<DepthScale> {
    config.check_and_run()
}

analysis!(DepthScaleConfig => DepthScale);

/// [`depth_scale`] on a config that has passed validation.
pub(crate) fn run_checked(config: &Checked<DepthScaleConfig>) -> Result<DepthScale> {
    let mut configurations = Vec::new();
    for grid in config.grids() {
        configurations.extend(training_grid(&grid)?.configurations);
    }
    Ok(DepthScale {
        config: config.inner().clone(),
        configurations,
    })
}

/// Tolerance of the fitted depth exponents: `|s − s_theory| ≤` this.
pub const EXPONENT_TOLERANCE: f64 = 0.25;

/// The claims of notebook 04's depth sweep, checked on the result of [`depth_scale`] (ids in brackets). The edge of
/// stability is the largest stable rate of a bisected search; only depths where the search bracketed it (an
/// unstable rate sits above it) enter a fit, and the evidence says how many did:
///
/// - `n2_edge_depth_independent`: shortcut 2's edge does not depend on depth (fitted log–log exponent against `L`
///   within 0 ± [`EXPONENT_TOLERANCE`]);
/// - `n1_edge_shrinks_like_inverse_depth`, `plain_edge_shrinks_like_inverse_depth`: the edge of shortcut 1 and
///   of the plain network shrinks like `1/L` (exponent within −1 ± [`EXPONENT_TOLERANCE`]; THEORY.md §3:
///   `λ_max ≥ L (Σ_xx)_jj`, and gradient descent on the quadratic model is stable only for `η < 2/λ_max`);
/// - `edge_within_factor_two_of_curvature`: for shortcut 1 and plain, at every bracketed depth, the measured
///   edge lies within a factor 2 of `2/λ_max(H(θ₀))` (the quadratic model's edge at the start);
/// - `n2_steps_depth_independent`: shortcut 2 needs about the same number of steps to the threshold at every
///   depth (exponent within 0 ± [`EXPONENT_TOLERANCE`]).
///
/// A series without two depths that have a value is `NotApplicable`.
pub fn claims(result: &DepthScale) -> Result<Vec<Claim>> {
    let exponent_claim = |id: &'static str,
                          claim: &str,
                          target: f64,
                          (pts, depths): (Vec<(f64, f64)>, usize),
                          what: &str,
                          bracketed_note: bool| {
        let criterion = format!(
            "fitted log–log exponent of {what} against L within {} ± {}",
            num(target),
            num(EXPONENT_TOLERANCE)
        );
        match log_log_slope(&pts) {
            None => Claim::not_applicable(
                id,
                claim,
                &criterion,
                &format!(
                    "fewer than two depths with a value ({} of {depths})",
                    pts.len()
                ),
            ),
            Some(slope) => {
                let listing: Vec<String> = pts
                    .iter()
                    .map(|(l, v)| format!("{} at L = {l}", num(*v)))
                    .collect();
                Claim {
                    id,
                    claim: claim.into(),
                    evidence: format!(
                        "fitted exponent {} of {what} against L; {}{}",
                        num(slope),
                        listing.join(", "),
                        if bracketed_note {
                            format!("; edge bracketed at {} of {depths} depths", pts.len())
                        } else {
                            String::new()
                        }
                    ),
                    criterion,
                    verdict: Verdict::from_bool((slope - target).abs() <= EXPONENT_TOLERANCE),
                }
            }
        }
    };
    let n = |k: usize| Architecture::Residual { shortcut: k };
    let steps_series = {
        let rows = result.of(n(2));
        let pts: Vec<(f64, f64)> = rows
            .iter()
            .filter_map(|r| Some((r.configuration.depth as f64, r.mean_steps_to_threshold?)))
            .collect();
        (pts, rows.len())
    };
    // Measured edge against the quadratic model's 2/λ_max(H(θ₀)), shortcut 1 and plain.
    let curvature_claim = {
        let id = "edge_within_factor_two_of_curvature";
        let claim = "For shortcut 1 and the plain network, the measured edge of stability is predicted by the curvature at the start, 2/λ_max(H(θ₀)), to within a factor 2.";
        let criterion = "1/2 ≤ largest stable rate ÷ (2/λ_max(H(θ₀))) ≤ 2 at every depth where the edge was bracketed";
        let mut ratios = Vec::new();
        for architecture in [n(1), Architecture::Plain] {
            for r in result.of(architecture) {
                if let (Some(edge), Some(c)) = (r.bracketed_edge(), r.two_over_lambda_max) {
                    ratios.push((architecture.label(), r.configuration.depth, edge / c));
                }
            }
        }
        if ratios.is_empty() {
            Claim::not_applicable(
                id,
                claim,
                criterion,
                "no bracketed edge with a positive λ_max",
            )
        } else {
            let outside: Vec<String> = ratios
                .iter()
                .filter(|r| !(0.5..=2.0).contains(&r.2))
                .map(|r| format!("{} at L = {}", r.0, r.1))
                .collect();
            Claim {
                id,
                claim: claim.into(),
                evidence: format!(
                    "edge ÷ (2/λ_max): {}{}",
                    ratios
                        .iter()
                        .map(|r| format!("{} L = {}: {}", r.0, r.1, num(r.2)))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if outside.is_empty() {
                        String::new()
                    } else {
                        format!("; outside the factor 2: {}", outside.join(", "))
                    }
                ),
                criterion: criterion.into(),
                verdict: Verdict::from_bool(outside.is_empty()),
            }
        }
    };
    Ok(vec![
        exponent_claim(
            "n2_edge_depth_independent",
            "For shortcut 2 from small initialisation, the edge of stability does not depend on depth.",
            0.0,
            result.bracketed_edges(Architecture::Residual { shortcut: 2 }),
            "the largest stable rate",
            true,
        ),
        exponent_claim(
            "n1_edge_shrinks_like_inverse_depth",
            "For shortcut 1 from small initialisation, the edge of stability shrinks like 1/L.",
            -1.0,
            result.bracketed_edges(Architecture::Residual { shortcut: 1 }),
            "the largest stable rate",
            true,
        ),
        exponent_claim(
            "plain_edge_shrinks_like_inverse_depth",
            "For the plain network from the identity, the edge of stability shrinks like 1/L.",
            -1.0,
            result.bracketed_edges(Architecture::Plain),
            "the largest stable rate",
            true,
        ),
        curvature_claim,
        exponent_claim(
            "n2_steps_depth_independent",
            "For shortcut 2 from small initialisation, the number of steps to the threshold does not depend on depth.",
            0.0,
            steps_series,
            "the mean steps to the threshold (each depth at its best rate)",
            false,
        ),
    ])
}
