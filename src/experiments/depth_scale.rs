//! Experiment 6: depth at scale — how the best learning rate, the final loss and the time to reach a threshold
//! change with depth `L` for each architecture ("training very deep models is no harder than shallow ones").

use polars::prelude::DataFrame;

use super::claims::{log_log_slope, min_max, num, Claim, Verdict};
use super::ensure_nonempty;
use super::network::{ActivationKind, DataSpec};
use super::schema::shared;
use super::training::{
    training_grid, TrainingGridConfig, BEST_LEARNING_RATE, MEAN_STEPS_TO_THRESHOLD,
};
use crate::error::{ensure_non_negative, Result};
use crate::net::{Architecture, Init};
use crate::train::TrainConfig;

/// Settings of [`depth_scale`]. `Default`: width 4, the default teacher; shortcut 1, 2, 3 from small init
/// (ε = 1e-3) and the plain network from the identity; depths 1, 4, 16, 64, 256; rates 0.001 … 1; seeds 0, 1;
/// 400 GD steps; threshold 1e-3·ℓ(0).
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
    /// The learning-rate grid.
    pub learning_rates: Vec<f64>,
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
            seeds: vec![0, 1],
            train: TrainConfig {
                steps: 400,
                ..Default::default()
            },
            loss_threshold: 1e-3,
        }
    }
}

impl DepthScaleConfig {
    /// A smaller version (width 2, depths 1, 4, 16, four rates, one seed, 100 steps), same code path.
    pub fn quick() -> Self {
        let mut c = Self {
            width: 2,
            depths: vec![1, 4, 16],
            learning_rates: vec![0.01, 0.1, 0.3, 1.0],
            seeds: vec![0],
            ..Self::default()
        };
        c.train.steps = 100;
        c
    }
}

/// For every architecture and depth: the best learning rate of the grid (the crate's one rule,
/// [`crate::train::best_rate`]: lowest mean final loss with no diverged seed), that rate's final loss
/// (mean/min/max over seeds) and mean steps to the threshold.
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
        seeds: config.seeds.clone(),
        train: config.train.clone(),
        loss_threshold: config.loss_threshold,
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

/// The claims of notebook 04's depth sweep, checked on a frame of [`depth_scale`] (ids in brackets):
///
/// - `n2_rate_depth_independent`: the best learning rate of shortcut 2 does not depend on depth (fitted
///   log–log exponent of the best rate against `L` within ±0.25);
/// - `n1_rate_shrinks`, `plain_rate_shrinks`: the best rate of shortcut 1 and of the plain network shrinks with
///   depth (exponent ≤ −0.5; THEORY.md §3 predicts −1 for the largest stable rate);
/// - `n2_steps_depth_independent`: shortcut 2 needs about the same number of steps to the threshold at every
///   depth (exponent within ±0.25).
///
/// A best rate at the edge of the searched grid is only a bound; the evidence says at how many depths that
/// happened, and a rate claim whose every best rate is at the edge is `NotApplicable` (widen the grid). A series
/// without two depths that have a value is `NotApplicable`.
pub fn claims(frame: &DataFrame, rates: &[f64]) -> Result<Vec<Claim>> {
    let arch = shared::ARCHITECTURE.strs(frame)?;
    let depth = shared::DEPTH.f64s(frame)?;
    let best = BEST_LEARNING_RATE.f64s(frame)?;
    let steps = MEAN_STEPS_TO_THRESHOLD.f64s(frame)?;
    let (lo_rate, hi_rate) = min_max(rates);
    let series = |label: &str, values: &[Option<f64>]| -> Vec<(f64, f64)> {
        (0..frame.height())
            .filter(|&i| arch[i].as_deref() == Some(label))
            .filter_map(|i| Some((depth[i]?, values[i]?)))
            .collect()
    };
    let exponent_claim = |id: &'static str,
                          claim: &str,
                          criterion: &str,
                          pts: Vec<(f64, f64)>,
                          what: &str,
                          accept: &dyn Fn(f64) -> bool,
                          rate_edges: bool| {
        match log_log_slope(&pts) {
            None => {
                Claim::not_applicable(id, claim, criterion, "fewer than two depths with a value")
            }
            Some(slope) => {
                let listing: Vec<String> = pts
                    .iter()
                    .map(|(l, v)| format!("{} at L = {l}", num(*v)))
                    .collect();
                let edges = pts
                    .iter()
                    .filter(|(_, v)| *v <= lo_rate || *v >= hi_rate)
                    .count();
                Claim {
                    id,
                    claim: claim.into(),
                    evidence: format!(
                        "fitted exponent {} of {what} against L; {}{}",
                        num(slope),
                        listing.join(", "),
                        if rate_edges {
                            format!(
                                "; {edges} of {} at the edge of the searched rates {}…{}",
                                pts.len(),
                                num(lo_rate),
                                num(hi_rate)
                            )
                        } else {
                            String::new()
                        }
                    ),
                    criterion: criterion.into(),
                    // Every best rate at the edge of the grid: only bounds, no exponent to judge.
                    verdict: if rate_edges && edges == pts.len() {
                        Verdict::NotApplicable
                    } else {
                        Verdict::from_bool(accept(slope))
                    },
                }
            }
        }
    };
    let n = |k: usize| Architecture::Residual { shortcut: k }.label();
    let plain = Architecture::Plain.label();
    Ok(vec![
        exponent_claim(
            "n2_rate_depth_independent",
            "For shortcut 2 from small initialisation, the best learning rate does not depend on depth.",
            "|fitted log–log exponent of the best rate against L| ≤ 0.25",
            series(&n(2), &best),
            "the best rate",
            &|s| s.abs() <= 0.25,
            true,
        ),
        exponent_claim(
            "n1_rate_shrinks",
            "For shortcut 1 from small initialisation, the best learning rate shrinks as depth grows.",
            "fitted log–log exponent of the best rate against L ≤ −0.5",
            series(&n(1), &best),
            "the best rate",
            &|s| s <= -0.5,
            true,
        ),
        exponent_claim(
            "plain_rate_shrinks",
            "For the plain network from the identity, the best learning rate shrinks as depth grows.",
            "fitted log–log exponent of the best rate against L ≤ −0.5",
            series(&plain, &best),
            "the best rate",
            &|s| s <= -0.5,
            true,
        ),
        exponent_claim(
            "n2_steps_depth_independent",
            "For shortcut 2 from small initialisation, the number of steps to the threshold does not depend on depth.",
            "|fitted log–log exponent of the mean steps to the threshold against L| ≤ 0.25",
            series(&n(2), &steps),
            "the mean steps to the threshold",
            &|s| s.abs() <= 0.25,
            false,
        ),
    ])
}
