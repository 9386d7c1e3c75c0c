//! Experiment 6: depth at scale — how the best learning rate, the final loss and the time to reach a threshold
//! change with depth `L` for each architecture ("training very deep models is no harder than shallow ones").

use polars::prelude::DataFrame;

use super::claims::{num, Claim, Verdict};
use super::ensure_nonempty;
use super::network::{ActivationKind, DataSpec};
use super::schema::shared;
use super::training::{
    training_grid, TrainingGridConfig, LARGEST_STABLE_RATE, MEAN_STEPS_TO_THRESHOLD,
    SMALLEST_UNSTABLE_RATE, TWO_OVER_LAMBDA_MAX,
};
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

/// For every architecture and depth: the edge of stability (bisected) next to `2/λ_max(H(θ₀))`, the best
/// learning rate of the grid (the crate's one rule, [`crate::train::best_rate`]: stable, fewest steps to the
/// threshold) and that rate's statistics over seeds.
///
/// Columns: [`super::training::BEST_SCHEMA`], as [`super::TrainingGrid::best`].
pub fn depth_scale(config: &DepthScaleConfig) -> Result<DataFrame> {
    ensure_non_negative("small_init_std", config.small_init_std)?;
    if config.shortcuts.is_empty() && !config.include_plain {
        ensure_nonempty("shortcuts", &config.shortcuts)?;
    }
    let base = TrainingGridConfig {
        width: config.width,
        data: config.data.clone(),
        activation: config.activation,
        architectures: config
            .shortcuts
            .iter()
            .map(|&n| Architecture::Residual { shortcut: n })
            .collect(),
        inits: vec![Init::SmallGaussian {
            std: config.small_init_std,
        }],
        depths: config.depths.clone(),
        learning_rates: config.learning_rates.clone(),
        rate_search: config.rate_search,
        seeds: config.seeds.clone(),
        train: config.train.clone(),
        loss_threshold: config.loss_threshold,
        compare_at_step: config.train.steps,
    };
    let mut out: Option<DataFrame> = None;
    let mut grids = Vec::new();
    if !base.architectures.is_empty() {
        grids.push(base.clone());
    }
    if config.include_plain {
        grids.push(TrainingGridConfig {
            architectures: vec![Architecture::Plain],
            inits: vec![Init::Identity],
            ..base
        });
    }
    for g in grids {
        let best = training_grid(&g)?.best;
        out = Some(match out {
            None => best,
            Some(mut acc) => {
                acc.vstack_mut(&best)?;
                acc
            }
        });
    }
    out.ok_or(crate::Error::ZeroSize { field: "shortcuts" })
}

/// The edge of stability of `architecture` in a frame of [`depth_scale`]: `(L, largest stable rate)` at the depths
/// where the search bracketed it (an unstable rate sits above the largest stable one), and how many depths the
/// architecture has. What the edge claims fit, and what exercise 4.2 reads.
pub fn bracketed_edges(
    frame: &DataFrame,
    architecture: Architecture,
) -> Result<(Vec<(f64, f64)>, usize)> {
    let arch = shared::ARCHITECTURE.strs(frame)?;
    let depth = shared::DEPTH.f64s(frame)?;
    let stable = LARGEST_STABLE_RATE.f64s(frame)?;
    let unstable = SMALLEST_UNSTABLE_RATE.f64s(frame)?;
    let label = architecture.label();
    let rows: Vec<usize> = (0..frame.height())
        .filter(|&i| arch[i].as_deref() == Some(label.as_str()))
        .collect();
    let pts = rows
        .iter()
        .filter(|&&i| unstable[i].is_some())
        .filter_map(|&i| Some((depth[i]?, stable[i]?)))
        .collect();
    Ok((pts, rows.len()))
}

/// Tolerance of the fitted depth exponents: `|s − s_theory| ≤` this.
pub const EXPONENT_TOLERANCE: f64 = 0.25;

/// The claims of notebook 04's depth sweep, checked on a frame of [`depth_scale`] (ids in brackets). The edge of
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
pub fn claims(frame: &DataFrame) -> Result<Vec<Claim>> {
    let arch = shared::ARCHITECTURE.strs(frame)?;
    let depth = shared::DEPTH.f64s(frame)?;
    let stable = LARGEST_STABLE_RATE.f64s(frame)?;
    let unstable = SMALLEST_UNSTABLE_RATE.f64s(frame)?;
    let curvature = TWO_OVER_LAMBDA_MAX.f64s(frame)?;
    let steps = MEAN_STEPS_TO_THRESHOLD.f64s(frame)?;
    let rows_of = |label: &str| -> Vec<usize> {
        (0..frame.height())
            .filter(|&i| arch[i].as_deref() == Some(label))
            .collect()
    };
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
    let n = |k: usize| Architecture::Residual { shortcut: k }.label();
    let plain = Architecture::Plain.label();
    let steps_series = {
        let rows = rows_of(&n(2));
        let pts: Vec<(f64, f64)> = rows
            .iter()
            .filter_map(|&i| Some((depth[i]?, steps[i]?)))
            .collect();
        (pts, rows.len())
    };
    // Measured edge against the quadratic model's 2/λ_max(H(θ₀)), shortcut 1 and plain.
    let curvature_claim = {
        let id = "edge_within_factor_two_of_curvature";
        let claim = "For shortcut 1 and the plain network, the measured edge of stability is predicted by the curvature at the start, 2/λ_max(H(θ₀)), to within a factor 2.";
        let criterion = "1/2 ≤ largest stable rate ÷ (2/λ_max(H(θ₀))) ≤ 2 at every depth where the edge was bracketed";
        let mut ratios = Vec::new();
        for label in [n(1), plain.clone()] {
            for i in rows_of(&label) {
                if let (Some(l), Some(s), Some(_), Some(c)) =
                    (depth[i], stable[i], unstable[i], curvature[i])
                {
                    ratios.push((label.clone(), l, s / c));
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
            bracketed_edges(frame, Architecture::Residual { shortcut: 2 })?,
            "the largest stable rate",
            true,
        ),
        exponent_claim(
            "n1_edge_shrinks_like_inverse_depth",
            "For shortcut 1 from small initialisation, the edge of stability shrinks like 1/L.",
            -1.0,
            bracketed_edges(frame, Architecture::Residual { shortcut: 1 })?,
            "the largest stable rate",
            true,
        ),
        exponent_claim(
            "plain_edge_shrinks_like_inverse_depth",
            "For the plain network from the identity, the edge of stability shrinks like 1/L.",
            -1.0,
            bracketed_edges(frame, Architecture::Plain)?,
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
