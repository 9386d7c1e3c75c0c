//! Experiment 3: training dynamics over a grid of initialisations × architectures × depths × learning rates ×
//! seeds, with per-step loss curves, per-run outcomes, summaries across seeds and the best learning rate.

use polars::prelude::DataFrame;
use rayon::prelude::*;

use super::network::{build_network, ActivationKind, DataSpec, NetworkSpec};
use super::schema::{columns, shared, Schema};
use super::{count, ensure_nonempty};
use crate::error::{ensure_positive, ensure_positive_size, Error, Result};
use crate::net::{Architecture, Init};
use crate::train::{best_rate, History, RateOutcome, RunStatus, TrainConfig};

/// Settings of [`training_grid`]. `Default`: width 4, the default teacher, linear; residual shortcut 1, 2, 3
/// and plain; inits small (ε = 1e-3), Xavier, orthogonal; depths 2, 8, 32; learning rates 0.003 … 1; seeds 0, 1,
/// 2; 500 GD steps; threshold 1e-3·ℓ(0); every 5th step recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingGridConfig {
    /// Width `D`.
    pub width: usize,
    /// The data.
    pub data: DataSpec,
    /// Activation inside residual branches / between plain layers.
    pub activation: ActivationKind,
    /// Architectures (residual with a shortcut depth, or plain).
    pub architectures: Vec<Architecture>,
    /// Initialisations. [`Init::Zero`] is a fixed point for shortcut ≥ 2: such runs never move (reported as is).
    pub inits: Vec<Init>,
    /// Depths `L`.
    pub depths: Vec<usize>,
    /// Learning rates η > 0.
    pub learning_rates: Vec<f64>,
    /// Seeds; each seed fixes the initial weights and the minibatch order.
    pub seeds: Vec<u64>,
    /// Every run's settings (steps, optimiser, divergence rule, `record_every` for the curves); its
    /// `learning_rate` and `seed` are replaced by each rate and seed of the grid.
    pub train: TrainConfig,
    /// A run "reaches the threshold" when its loss is ≤ `loss_threshold · ℓ(0)` (ℓ(0): loss of the zero point).
    pub loss_threshold: f64,
}

impl Default for TrainingGridConfig {
    fn default() -> Self {
        Self {
            width: 4,
            data: DataSpec::default(),
            activation: ActivationKind::Linear,
            architectures: vec![
                Architecture::Residual { shortcut: 1 },
                Architecture::Residual { shortcut: 2 },
                Architecture::Residual { shortcut: 3 },
                Architecture::Plain,
            ],
            inits: vec![
                Init::SmallGaussian { std: 1e-3 },
                Init::XavierNormal,
                Init::Orthogonal,
            ],
            depths: vec![2, 8, 32],
            learning_rates: vec![0.003, 0.01, 0.03, 0.1, 0.3, 1.0],
            seeds: vec![0, 1, 2],
            train: TrainConfig {
                steps: 500,
                record_every: 5,
                ..Default::default()
            },
            loss_threshold: 1e-3,
        }
    }
}

impl TrainingGridConfig {
    /// A smaller grid (width 2, depths 2 and 8, three rates, two seeds, 100 steps), same code path.
    pub fn quick() -> Self {
        let mut c = Self {
            width: 2,
            depths: vec![2, 8],
            learning_rates: vec![0.01, 0.1, 1.0],
            seeds: vec![0, 1],
            ..Self::default()
        };
        c.train.steps = 100;
        c
    }

    /// Checks every setting once (the runs' [`TrainConfig`] included); errors name the field.
    pub fn validate(&self) -> Result<()> {
        ensure_nonempty("architectures", &self.architectures)?;
        ensure_nonempty("inits", &self.inits)?;
        ensure_nonempty("depths", &self.depths)?;
        ensure_nonempty("learning_rates", &self.learning_rates)?;
        ensure_nonempty("seeds", &self.seeds)?;
        for &lr in &self.learning_rates {
            ensure_positive("learning_rates", lr)?;
        }
        for &d in &self.depths {
            ensure_positive_size("depths", d)?;
        }
        for init in &self.inits {
            init.validate()?;
        }
        if !(self.loss_threshold.is_finite() && self.loss_threshold > 0.0) {
            return Err(Error::OutOfRange {
                field: "loss_threshold",
                value: self.loss_threshold,
                expected: "must be finite and > 0",
            });
        }
        for &architecture in &self.architectures {
            NetworkSpec {
                width: self.width,
                architecture,
                activation: self.activation,
                depth: 1,
            }
            .validate()?;
        }
        self.train.validate()
    }
}

columns! {
    /// `true` when the run diverged (loss not finite or above divergence_factor·ℓ(θ₀)).
    DIVERGED = "diverged": Bool;
    /// The step at which the run diverged (null when it did not).
    DIVERGED_AT = "diverged_at": U64, nullable;
    /// The last finite loss of the run.
    FINAL_LOSS = "final_loss": F64, nullable;
    /// First recorded step with loss ≤ threshold·ℓ(0) (null when never reached).
    STEPS_TO_THRESHOLD = "steps_to_threshold": U64, nullable;
    /// Number of seeds (runs) behind the row.
    SEEDS = "seeds": U64;
    /// Number of those runs that diverged.
    DIVERGED_RUNS = "diverged_runs": U64;
    /// Mean final loss over the runs that did not diverge (null when all diverged).
    MEAN_FINAL_LOSS = "mean_final_loss": F64, nullable;
    /// Smallest final loss over the runs that did not diverge.
    MIN_FINAL_LOSS = "min_final_loss": F64, nullable;
    /// Largest final loss over the runs that did not diverge.
    MAX_FINAL_LOSS = "max_final_loss": F64, nullable;
    /// Mean steps to the threshold over the runs that reached it.
    MEAN_STEPS_TO_THRESHOLD = "mean_steps_to_threshold": F64, nullable;
    /// Number of runs that reached the threshold.
    REACHED_THRESHOLD = "reached_threshold": U64;
    /// The best learning rate of the grid by `train::best_rate` (null when every rate had a diverged seed).
    BEST_LEARNING_RATE = "best_learning_rate": F64, nullable;
    /// Number of runs at the best rate that reached the threshold (null without a best rate).
    BEST_REACHED_THRESHOLD = "reached_threshold": U64, nullable;
}

/// [`TrainingGrid::curves`]: long format, one row per recorded step.
pub const CURVES_SCHEMA: Schema = Schema {
    name: "training_grid.curves",
    columns: &[
        shared::ARCHITECTURE,
        shared::INIT,
        shared::DEPTH,
        shared::LEARNING_RATE,
        shared::SEED,
        shared::STEP,
        shared::LOSS,
    ],
};

/// [`TrainingGrid::runs`]: one row per run.
pub const RUNS_SCHEMA: Schema = Schema {
    name: "training_grid.runs",
    columns: &[
        shared::ARCHITECTURE,
        shared::INIT,
        shared::DEPTH,
        shared::LEARNING_RATE,
        shared::SEED,
        shared::STATUS,
        DIVERGED,
        DIVERGED_AT,
        FINAL_LOSS,
        STEPS_TO_THRESHOLD,
    ],
};

/// [`TrainingGrid::summary`]: across seeds, one row per (architecture, init, depth, learning rate).
pub const SUMMARY_SCHEMA: Schema = Schema {
    name: "training_grid.summary",
    columns: &[
        shared::ARCHITECTURE,
        shared::INIT,
        shared::DEPTH,
        shared::LEARNING_RATE,
        SEEDS,
        DIVERGED_RUNS,
        MEAN_FINAL_LOSS,
        MIN_FINAL_LOSS,
        MAX_FINAL_LOSS,
        MEAN_STEPS_TO_THRESHOLD,
        REACHED_THRESHOLD,
    ],
};

/// [`TrainingGrid::best`] (and [`super::depth_scale`]): one row per (architecture, init, depth), the best rate
/// and that rate's statistics over seeds.
pub const BEST_SCHEMA: Schema = Schema {
    name: "training_grid.best",
    columns: &[
        shared::ARCHITECTURE,
        shared::INIT,
        shared::DEPTH,
        BEST_LEARNING_RATE,
        MEAN_FINAL_LOSS,
        MIN_FINAL_LOSS,
        MAX_FINAL_LOSS,
        MEAN_STEPS_TO_THRESHOLD,
        BEST_REACHED_THRESHOLD,
    ],
};

/// The four tables of a training grid.
#[derive(Debug, Clone)]
pub struct TrainingGrid {
    /// Long format, one row per recorded step: [`CURVES_SCHEMA`] (every loss finite).
    pub curves: DataFrame,
    /// One row per run: [`RUNS_SCHEMA`].
    pub runs: DataFrame,
    /// Across seeds, one row per (architecture, init, depth, learning rate): [`SUMMARY_SCHEMA`].
    pub summary: DataFrame,
    /// One row per (architecture, init, depth): [`BEST_SCHEMA`], the rate chosen by the crate's one rule,
    /// [`crate::train::best_rate`].
    pub best: DataFrame,
}

#[derive(Debug, Clone, Copy)]
struct RunKey {
    architecture: Architecture,
    init: Init,
    depth: usize,
    lr: f64,
    seed: u64,
}

/// Trains every combination of the grid (in parallel) from its own seeded initial point.
pub fn training_grid(config: &TrainingGridConfig) -> Result<TrainingGrid> {
    config.validate()?;
    let data = config.data.load(config.width)?;
    let threshold = config.loss_threshold * data.moments().loss_at_zero;
    let mut keys = Vec::new();
    for &architecture in &config.architectures {
        for &init in &config.inits {
            for &depth in &config.depths {
                for &lr in &config.learning_rates {
                    for &seed in &config.seeds {
                        keys.push(RunKey {
                            architecture,
                            init,
                            depth,
                            lr,
                            seed,
                        });
                    }
                }
            }
        }
    }
    let histories = keys
        .par_iter()
        .map(|k| -> Result<History> {
            let spec = NetworkSpec {
                width: config.width,
                architecture: k.architecture,
                activation: config.activation,
                depth: k.depth,
            };
            let mut net = build_network(&spec, &k.init, k.seed)?;
            let cfg = TrainConfig {
                learning_rate: k.lr,
                seed: k.seed,
                ..config.train.clone()
            };
            net.train(&data, &cfg)
        })
        .collect::<Result<Vec<_>>>()?;

    // Curves.
    let (mut c_arch, mut c_init, mut c_depth, mut c_lr, mut c_seed, mut c_step, mut c_loss) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for (k, h) in keys.iter().zip(&histories) {
        for r in &h.records {
            c_arch.push(k.architecture.label());
            c_init.push(k.init.label());
            c_depth.push(count(k.depth));
            c_lr.push(k.lr);
            c_seed.push(k.seed);
            c_step.push(count(r.step));
            c_loss.push(r.loss);
        }
    }
    let curves = CURVES_SCHEMA.frame(vec![
        shared::ARCHITECTURE.values(c_arch),
        shared::INIT.values(c_init),
        shared::DEPTH.values(c_depth),
        shared::LEARNING_RATE.values(c_lr),
        shared::SEED.values(c_seed),
        shared::STEP.values(c_step),
        shared::LOSS.values(c_loss),
    ])?;

    // Runs.
    let runs = RUNS_SCHEMA.frame(vec![
        shared::ARCHITECTURE.values(
            keys.iter()
                .map(|k| k.architecture.label())
                .collect::<Vec<_>>(),
        ),
        shared::INIT.values(keys.iter().map(|k| k.init.label()).collect::<Vec<_>>()),
        shared::DEPTH.values(keys.iter().map(|k| count(k.depth)).collect::<Vec<_>>()),
        shared::LEARNING_RATE.values(keys.iter().map(|k| k.lr).collect::<Vec<_>>()),
        shared::SEED.values(keys.iter().map(|k| k.seed).collect::<Vec<_>>()),
        shared::STATUS.values(
            histories
                .iter()
                .map(|h| h.status.label())
                .collect::<Vec<_>>(),
        ),
        DIVERGED.values(
            histories
                .iter()
                .map(|h| h.status.diverged())
                .collect::<Vec<_>>(),
        ),
        DIVERGED_AT.values(
            histories
                .iter()
                .map(|h| match h.status {
                    RunStatus::Diverged { step, .. } => Some(count(step)),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        ),
        FINAL_LOSS.values(histories.iter().map(|h| h.final_loss()).collect::<Vec<_>>()),
        STEPS_TO_THRESHOLD.values(
            histories
                .iter()
                .map(|h| h.steps_to_reach(threshold).map(count))
                .collect::<Vec<_>>(),
        ),
    ])?;

    // Summaries across seeds, grouped in grid order: one group per (architecture, init, depth, rate).
    struct Group {
        key: RunKey,
        outcome: RateOutcome,
        steps: Vec<f64>,
    }
    let groups: Vec<Group> = keys
        .chunks(config.seeds.len())
        .zip(histories.chunks(config.seeds.len()))
        .map(|(ks, hs)| Group {
            key: ks[0],
            outcome: RateOutcome::from_histories(ks[0].lr, hs),
            steps: hs
                .iter()
                .filter_map(|h| h.steps_to_reach(threshold).map(|s| s as f64))
                .collect(),
        })
        .collect();
    let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    let min = |v: &[f64]| v.iter().copied().reduce(f64::min);
    let max = |v: &[f64]| v.iter().copied().reduce(f64::max);
    let summary = SUMMARY_SCHEMA.frame(vec![
        shared::ARCHITECTURE.values(
            groups
                .iter()
                .map(|g| g.key.architecture.label())
                .collect::<Vec<_>>(),
        ),
        shared::INIT.values(
            groups
                .iter()
                .map(|g| g.key.init.label())
                .collect::<Vec<_>>(),
        ),
        shared::DEPTH.values(
            groups
                .iter()
                .map(|g| count(g.key.depth))
                .collect::<Vec<_>>(),
        ),
        shared::LEARNING_RATE.values(groups.iter().map(|g| g.key.lr).collect::<Vec<_>>()),
        SEEDS.values(
            groups
                .iter()
                .map(|_| count(config.seeds.len()))
                .collect::<Vec<_>>(),
        ),
        DIVERGED_RUNS.values(
            groups
                .iter()
                .map(|g| count(g.outcome.diverged_runs))
                .collect::<Vec<_>>(),
        ),
        MEAN_FINAL_LOSS.values(
            groups
                .iter()
                .map(|g| g.outcome.mean_final_loss())
                .collect::<Vec<_>>(),
        ),
        MIN_FINAL_LOSS.values(
            groups
                .iter()
                .map(|g| min(&g.outcome.final_losses))
                .collect::<Vec<_>>(),
        ),
        MAX_FINAL_LOSS.values(
            groups
                .iter()
                .map(|g| max(&g.outcome.final_losses))
                .collect::<Vec<_>>(),
        ),
        MEAN_STEPS_TO_THRESHOLD.values(groups.iter().map(|g| mean(&g.steps)).collect::<Vec<_>>()),
        REACHED_THRESHOLD.values(
            groups
                .iter()
                .map(|g| count(g.steps.len()))
                .collect::<Vec<_>>(),
        ),
    ])?;

    // Best learning rate per (architecture, init, depth) by the one rule: groups come in grid order, one chunk
    // of rates per configuration.
    let chosen: Vec<(RunKey, Option<&Group>)> = groups
        .chunks(config.learning_rates.len())
        .map(|chunk| {
            let outcomes: Vec<RateOutcome> = chunk.iter().map(|g| g.outcome.clone()).collect();
            (chunk[0].key, best_rate(&outcomes).map(|i| &chunk[i]))
        })
        .collect();
    let stat = |f: &dyn Fn(&Group) -> Option<f64>| {
        chosen
            .iter()
            .map(|(_, g)| g.and_then(f))
            .collect::<Vec<_>>()
    };
    let best = BEST_SCHEMA.frame(vec![
        shared::ARCHITECTURE.values(
            chosen
                .iter()
                .map(|(k, _)| k.architecture.label())
                .collect::<Vec<_>>(),
        ),
        shared::INIT.values(
            chosen
                .iter()
                .map(|(k, _)| k.init.label())
                .collect::<Vec<_>>(),
        ),
        shared::DEPTH.values(
            chosen
                .iter()
                .map(|(k, _)| count(k.depth))
                .collect::<Vec<_>>(),
        ),
        BEST_LEARNING_RATE.values(stat(&|g| Some(g.key.lr))),
        MEAN_FINAL_LOSS.values(stat(&|g| g.outcome.mean_final_loss())),
        MIN_FINAL_LOSS.values(stat(&|g| min(&g.outcome.final_losses))),
        MAX_FINAL_LOSS.values(stat(&|g| max(&g.outcome.final_losses))),
        MEAN_STEPS_TO_THRESHOLD.values(stat(&|g| mean(&g.steps))),
        BEST_REACHED_THRESHOLD.values(
            chosen
                .iter()
                .map(|(_, g)| g.map(|g| count(g.steps.len())))
                .collect::<Vec<_>>(),
        ),
    ])?;
    Ok(TrainingGrid {
        curves,
        runs,
        summary,
        best,
    })
}
