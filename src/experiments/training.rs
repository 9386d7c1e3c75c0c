//! Experiment 3: training dynamics over a grid of initialisations × architectures × depths × learning rates ×
//! seeds, with per-step loss curves, per-run outcomes, summaries across seeds and the best learning rate.

use std::collections::BTreeMap;

use polars::prelude::DataFrame;
use rayon::prelude::*;

use super::network::{build_network, ActivationKind, DataSpec, NetworkSpec};
use super::{col, count, ensure_nonempty, frame};
use crate::error::{ensure_positive, ensure_positive_size, Error, Result};
use crate::net::{Architecture, Init};
use crate::train::{History, Optimiser, RunStatus, TrainConfig};

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
    /// Optimisation steps per run.
    pub steps: usize,
    /// The update rule.
    pub optimiser: Optimiser,
    /// A run "reaches the threshold" when its loss is ≤ `loss_threshold · ℓ(0)` (ℓ(0): loss of the zero point).
    pub loss_threshold: f64,
    /// Record every this many steps in the curves.
    pub record_every: usize,
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
            steps: 500,
            optimiser: Optimiser::GradientDescent,
            loss_threshold: 1e-3,
            record_every: 5,
        }
    }
}

impl TrainingGridConfig {
    /// A smaller grid (width 2, depths 2 and 8, three rates, two seeds, 100 steps), same code path.
    pub fn quick() -> Self {
        Self {
            width: 2,
            depths: vec![2, 8],
            learning_rates: vec![0.01, 0.1, 1.0],
            seeds: vec![0, 1],
            steps: 100,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
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
        TrainConfig {
            steps: self.steps,
            optimiser: self.optimiser,
            record_every: self.record_every,
            ..Default::default()
        }
        .validate()
    }
}

/// The four tables of a training grid.
#[derive(Debug, Clone)]
pub struct TrainingGrid {
    /// Long format, one row per recorded step: `architecture`, `init`, `depth`, `learning_rate`, `seed`,
    /// `step` (u64), `loss` (f64, always finite).
    pub curves: DataFrame,
    /// One row per run: `architecture`, `init`, `depth`, `learning_rate`, `seed`, `status` (str),
    /// `diverged` (bool), `diverged_at` (u64?), `final_loss` (f64?, last finite loss), `steps_to_threshold`
    /// (u64?, first recorded step with loss ≤ threshold·ℓ(0)).
    pub runs: DataFrame,
    /// Across seeds, one row per (`architecture`, `init`, `depth`, `learning_rate`): `seeds` (u64),
    /// `diverged_runs` (u64), `mean_final_loss`, `min_final_loss`, `max_final_loss` (f64?, over non-diverged
    /// runs), `mean_steps_to_threshold` (f64?, over runs that reached it), `reached_threshold` (u64).
    pub summary: DataFrame,
    /// One row per (`architecture`, `init`, `depth`): `best_learning_rate` (f64?: the rate with no diverged seed
    /// and the lowest mean final loss; null if none), and that rate's `mean_final_loss`, `min_final_loss`,
    /// `max_final_loss`, `mean_steps_to_threshold`, `reached_threshold`.
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
                steps: config.steps,
                optimiser: config.optimiser,
                seed: k.seed,
                record_every: config.record_every,
                ..Default::default()
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
    let curves = frame(vec![
        col("architecture", c_arch),
        col("init", c_init),
        col("depth", c_depth),
        col("learning_rate", c_lr),
        col("seed", c_seed),
        col("step", c_step),
        col("loss", c_loss),
    ])?;

    // Runs.
    let runs = frame(vec![
        col(
            "architecture",
            keys.iter()
                .map(|k| k.architecture.label())
                .collect::<Vec<_>>(),
        ),
        col(
            "init",
            keys.iter().map(|k| k.init.label()).collect::<Vec<_>>(),
        ),
        col(
            "depth",
            keys.iter().map(|k| count(k.depth)).collect::<Vec<_>>(),
        ),
        col(
            "learning_rate",
            keys.iter().map(|k| k.lr).collect::<Vec<_>>(),
        ),
        col("seed", keys.iter().map(|k| k.seed).collect::<Vec<_>>()),
        col(
            "status",
            histories
                .iter()
                .map(|h| h.status.label())
                .collect::<Vec<_>>(),
        ),
        col(
            "diverged",
            histories
                .iter()
                .map(|h| h.status.diverged())
                .collect::<Vec<_>>(),
        ),
        col(
            "diverged_at",
            histories
                .iter()
                .map(|h| match h.status {
                    RunStatus::Diverged { step, .. } => Some(count(step)),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        ),
        col(
            "final_loss",
            histories.iter().map(|h| h.final_loss()).collect::<Vec<_>>(),
        ),
        col(
            "steps_to_threshold",
            histories
                .iter()
                .map(|h| h.steps_to_reach(threshold).map(count))
                .collect::<Vec<_>>(),
        ),
    ])?;

    // Summaries across seeds, grouped in grid order.
    struct Group {
        key: RunKey,
        seeds: usize,
        diverged: usize,
        finals: Vec<f64>,
        steps: Vec<f64>,
    }
    let mut groups: BTreeMap<usize, Group> = BTreeMap::new();
    let group_index = |i: usize| i / config.seeds.len();
    for (i, (k, h)) in keys.iter().zip(&histories).enumerate() {
        let g = groups.entry(group_index(i)).or_insert(Group {
            key: *k,
            seeds: 0,
            diverged: 0,
            finals: vec![],
            steps: vec![],
        });
        g.seeds += 1;
        if h.status.diverged() {
            g.diverged += 1;
        } else if let Some(l) = h.final_loss() {
            g.finals.push(l);
        }
        if let Some(s) = h.steps_to_reach(threshold) {
            g.steps.push(s as f64);
        }
    }
    let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    let min = |v: &[f64]| v.iter().copied().reduce(f64::min);
    let max = |v: &[f64]| v.iter().copied().reduce(f64::max);
    let groups: Vec<Group> = groups.into_values().collect();
    let summary_frame = |gs: &[&Group]| {
        frame(vec![
            col(
                "architecture",
                gs.iter()
                    .map(|g| g.key.architecture.label())
                    .collect::<Vec<_>>(),
            ),
            col(
                "init",
                gs.iter().map(|g| g.key.init.label()).collect::<Vec<_>>(),
            ),
            col(
                "depth",
                gs.iter().map(|g| count(g.key.depth)).collect::<Vec<_>>(),
            ),
            col(
                "learning_rate",
                gs.iter().map(|g| g.key.lr).collect::<Vec<_>>(),
            ),
            col(
                "seeds",
                gs.iter().map(|g| count(g.seeds)).collect::<Vec<_>>(),
            ),
            col(
                "diverged_runs",
                gs.iter().map(|g| count(g.diverged)).collect::<Vec<_>>(),
            ),
            col(
                "mean_final_loss",
                gs.iter().map(|g| mean(&g.finals)).collect::<Vec<_>>(),
            ),
            col(
                "min_final_loss",
                gs.iter().map(|g| min(&g.finals)).collect::<Vec<_>>(),
            ),
            col(
                "max_final_loss",
                gs.iter().map(|g| max(&g.finals)).collect::<Vec<_>>(),
            ),
            col(
                "mean_steps_to_threshold",
                gs.iter().map(|g| mean(&g.steps)).collect::<Vec<_>>(),
            ),
            col(
                "reached_threshold",
                gs.iter().map(|g| count(g.steps.len())).collect::<Vec<_>>(),
            ),
        ])
    };
    let summary = summary_frame(&groups.iter().collect::<Vec<_>>())?;

    // Best learning rate per (architecture, init, depth): groups come in grid order, one chunk per config.
    let chosen: Vec<(RunKey, Option<&Group>)> = groups
        .chunks(config.learning_rates.len())
        .map(|chunk| {
            let best = chunk
                .iter()
                .filter(|g| g.diverged == 0 && !g.finals.is_empty())
                .min_by(|a, b| {
                    mean(&a.finals)
                        .unwrap_or(f64::INFINITY)
                        .total_cmp(&mean(&b.finals).unwrap_or(f64::INFINITY))
                });
            (chunk[0].key, best)
        })
        .collect();
    let stat = |f: &dyn Fn(&Group) -> Option<f64>| {
        chosen
            .iter()
            .map(|(_, g)| g.and_then(f))
            .collect::<Vec<_>>()
    };
    let best = frame(vec![
        col(
            "architecture",
            chosen
                .iter()
                .map(|(k, _)| k.architecture.label())
                .collect::<Vec<_>>(),
        ),
        col(
            "init",
            chosen
                .iter()
                .map(|(k, _)| k.init.label())
                .collect::<Vec<_>>(),
        ),
        col(
            "depth",
            chosen
                .iter()
                .map(|(k, _)| count(k.depth))
                .collect::<Vec<_>>(),
        ),
        col("best_learning_rate", stat(&|g| Some(g.key.lr))),
        col("mean_final_loss", stat(&|g| mean(&g.finals))),
        col("min_final_loss", stat(&|g| min(&g.finals))),
        col("max_final_loss", stat(&|g| max(&g.finals))),
        col("mean_steps_to_threshold", stat(&|g| mean(&g.steps))),
        col(
            "reached_threshold",
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
