//! Experiment 6: depth at scale — how the best learning rate, the final loss and the time to reach a threshold
//! change with depth `L` for each architecture ("training very deep models is no harder than shallow ones").

use polars::prelude::DataFrame;

use super::claims::{log_log_slope, num, Claim, Verdict};
use super::ensure_nonempty;
use super::network::{ActivationKind, DataSpec};
use super::schema::shared;
use super::training::{
    training_grid, TrainingGridConfig, BEST_LEARNING_RATE, MEAN_STEPS_TO_THRESHOLD,
    SMALLEST_DIVERGING_RATE,
};
use crate::error::{ensure_non_negative, Result};
use crate::net::{Architecture, Init};
use crate::train::{RateSearch, TrainConfig};

/// Settings of [`depth_scale`]. `Default`: width 4, the default teacher; shortcut 1, 2, 3 from small init
/// (ε = 1e-3) and the plain network from the identity; depths 1, 4, 16, 64, 256; rates 0.001 … 1, widened by
/// half decades within 1e-8 … 100 until each configuration's largest stable rate is bracketed; seeds 0, 1;
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
        rate_search: config.rate_search,
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
/// A best rate whose largest stable rate was not bracketed by the search (no diverging rate above it up to the
/// search's bound) is only a bound; the evidence says at how many depths that happened, and a rate claim none of
/// whose depths is bracketed is `NotApplicable` (widen the search). A series without two depths that have a value
/// is `NotApplicable`.
pub fn claims(frame: &DataFrame) -> Result<Vec<Claim>> {
    let arch = shared::ARCHITECTURE.strs(frame)?;
    let depth = shared::DEPTH.f64s(frame)?;
    let best = BEST_LEARNING_RATE.f64s(frame)?;
    let steps = MEAN_STEPS_TO_THRESHOLD.f64s(frame)?;
    let diverging = SMALLEST_DIVERGING_RATE.f64s(frame)?;
    // (L, value, bracketed) per depth of one architecture.
    let series = |label: &str, values: &[Option<f64>]| -> Vec<(f64, f64, bool)> {
        (0..frame.height())
            .filter(|&i| arch[i].as_deref() == Some(label))
            .filter_map(|i| Some((depth[i]?, values[i]?, diverging[i].is_some())))
            .collect()
    };
    let exponent_claim = |id: &'static str,
                          claim: &str,
                          criterion: &str,
                          pts: Vec<(f64, f64, bool)>,
                          what: &str,
                          accept: &dyn Fn(f64) -> bool,
                          rate_edges: bool| {
        let xy: Vec<(f64, f64)> = pts.iter().map(|&(l, v, _)| (l, v)).collect();
        match log_log_slope(&xy) {
            None => {
                Claim::not_applicable(id, claim, criterion, "fewer than two depths with a value")
            }
            Some(slope) => {
                let listing: Vec<String> = xy
                    .iter()
                    .map(|(l, v)| format!("{} at L = {l}", num(*v)))
                    .collect();
                let edges = pts.iter().filter(|p| !p.2).count();
                Claim {
                    id,
                    claim: claim.into(),
                    evidence: format!(
                        "fitted exponent {} of {what} against L; {}{}",
                        num(slope),
                        listing.join(", "),
                        if rate_edges {
                            format!(
                                "; {edges} of {} depths without a diverging rate above the largest stable one \
                                 (best rate only a bound)",
                                pts.len()
                            )
                        } else {
                            String::new()
                        }
                    ),
                    criterion: criterion.into(),
                    // No depth bracketed: only bounds, no exponent to judge.
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
