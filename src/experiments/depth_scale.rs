//! Experiment 6: depth at scale — how the best learning rate, the final loss and the time to reach a threshold
//! change with depth `L` for each architecture ("training very deep models is no harder than shallow ones").

use polars::prelude::DataFrame;

use super::ensure_nonempty;
use super::network::{ActivationKind, DataSpec};
use super::training::{training_grid, TrainingGridConfig};
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
