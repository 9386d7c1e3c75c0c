//! Experiment 3: training dynamics over a grid of initialisations × architectures × depths × learning rates ×
//! seeds, with per-step loss curves, per-run outcomes, summaries across seeds, each configuration's edge of
//! stability (bisected) next to the theory's `2/λ_max(H(θ₀))`, and its best learning rate.
//!
//! Definitions used everywhere in this module (THEORY.md §11):
//! - a run is **stable** when it never exceeds `divergence_factor · ℓ(θ₀)` (2 by default) and ends no higher than
//!   `ℓ(θ₀)` ([`crate::train::History::trained_stably`]); a rate is stable when every seed's run is;
//! - the **edge of stability** is bracketed by the largest stable rate and the smallest unstable rate above it,
//!   bisected to a ratio of [`RateSearch::resolution`];
//! - a configuration **left the start** when at some stable rate every seed ended at or below `½ ℓ(θ₀)` (the
//!   escape criterion of notebook 05); one that did not is labelled [`Outcome::NeverLeftStart`].

use polars::prelude::DataFrame;
use rayon::prelude::*;

use super::analysis::{analysis, Analysis};
use super::checked::{Checked, Validate};
use super::claims::{num, Claim, Verdict};
use super::network::{build_network, ActivationKind, AnyDataset, DataSpec, NetworkSpec};
use super::schema::{columns, shared, table};
use super::{count, ensure_nonempty};
use crate::error::{ensure_positive, ensure_positive_size, Error, Result};
use crate::hessian::lanczos::{extreme_eigenvalues, LanczosOptions, Which};
use crate::hessian::HessianOptions;
use crate::net::{Architecture, Init};
use crate::progress::Progress;
use crate::train::{
    best_rate, History, RateBracket, RateOutcome, RateSearch, RunStatus, StepRecord, TrainConfig,
};

/// A configuration *left the start* when its runs end at or below this fraction of `ℓ(θ₀)` (½: the loss halved,
/// the escape criterion of notebook 05).
pub const LEFT_START_FRACTION: f64 = 0.5;

/// The claims comparing small initialisation with Xavier and orthogonal starts are made for depths `L ≥` this.
/// THEORY.md §11: a Xavier or orthogonal start multiplies `E‖h‖²` by 2 in every unit, so its output is `2^L`
/// times larger than its input on average; at `L = 2` that is a factor 4 and the start is as close to a good
/// fit as the small one, from `L = 8` on it is ≥ 256.
pub const RANDOM_INIT_SCOPE_DEPTH: usize = 8;

/// Settings of [`training_grid`]. `Default`: width 4, the default teacher, linear; residual shortcut 1, 2, 3
/// and plain; inits small (ε = 1e-3), Xavier, orthogonal; depths 2, 8, 32; learning rates 0.003 … 1, widened per
/// configuration by half decades within 1e-8 … 100 and bisected to a ratio of 1.2 at the edge of stability;
/// seeds 0, 1, 2; 500 GD steps, a run unstable above 2·ℓ(θ₀); threshold 1e-3·ℓ(0); losses compared at step 100;
/// every 5th step recorded for the curves.
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
    /// Learning rates η > 0: the starting grid, tried for every configuration.
    pub learning_rates: Vec<f64>,
    /// How each configuration's grid is widened and bisected until it brackets that configuration's edge of
    /// stability ([`RateSearch`]); `None` keeps the grid as given. The best table states the range searched.
    pub rate_search: Option<RateSearch>,
    /// Seeds; each seed fixes the initial weights and the minibatch order.
    pub seeds: Vec<u64>,
    /// Every run's settings (steps = the budget, optimiser, `divergence_factor` = how far above `ℓ(θ₀)` a stable
    /// run may go, `record_every` for the curves); its `learning_rate` and `seed` are replaced by each rate and
    /// seed of the grid.
    pub train: TrainConfig,
    /// A run "reaches the threshold" when its loss is ≤ `loss_threshold · ℓ(0)` (ℓ(0): loss of the zero point,
    /// the same target for every configuration).
    pub loss_threshold: f64,
    /// The short budget: losses are compared at this step (≤ `train.steps`).
    pub compare_at_step: usize,
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
            rate_search: Some(RateSearch::default()),
            seeds: vec![0, 1, 2],
            train: TrainConfig {
                steps: 500,
                record_every: 5,
                divergence_factor: 2.0,
                ..Default::default()
            },
            loss_threshold: 1e-3,
            compare_at_step: 100,
        }
    }
}

impl TrainingGridConfig {
    /// A smaller grid (width 2, depths 2 and 8, three rates searched within 1e-5 … 10, two seeds, 100 steps,
    /// losses compared at step 50), same code path.
    pub fn quick() -> Self {
        let mut c = Self {
            width: 2,
            depths: vec![2, 8],
            learning_rates: vec![0.01, 0.1, 1.0],
            rate_search: Some(RateSearch {
                lowest: 1e-5,
                highest: 10.0,
                ..RateSearch::default()
            }),
            seeds: vec![0, 1],
            compare_at_step: 50,
            ..Self::default()
        };
        c.train.steps = 100;
        c
    }
}

impl Validate for TrainingGridConfig {
    /// Checks every setting once (the runs' [`TrainConfig`] included); errors name the field.
    fn validate(&self) -> Result<()> {
        ensure_nonempty("architectures", &self.architectures)?;
        ensure_nonempty("inits", &self.inits)?;
        ensure_nonempty("depths", &self.depths)?;
        ensure_nonempty("learning_rates", &self.learning_rates)?;
        ensure_nonempty("seeds", &self.seeds)?;
        for &lr in &self.learning_rates {
            ensure_positive("learning_rates", lr)?;
        }
        if let Some(search) = &self.rate_search {
            search.validate()?;
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
        self.train.validate()?;
        if self.compare_at_step > self.train.steps {
            return Err(Error::OutOfRange {
                field: "compare_at_step",
                value: self.compare_at_step as f64,
                expected: "must be ≤ train.steps",
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
        Ok(())
    }
}

/// How a configuration of the grid fared over all the rates searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// At some stable rate every seed ended at or below `½ ℓ(θ₀)`.
    Trains,
    /// Stable rates exist, but at none did the loss halve within the budget: the run never left its start.
    /// Two reasons in THEORY.md: a plain network from small weights has a gradient of order `ε^(L−1)` (§11); a
    /// shortcut of depth ≥ 3 starts at a flat saddle whose escape takes `∝ ε^−(n−2)` steps (§5).
    NeverLeftStart,
    /// No rate of the search trained stably.
    NoStableRate,
}

impl Outcome {
    /// `"trains"`, `"never left the start"`, `"no stable rate"`.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Trains => "trains",
            Outcome::NeverLeftStart => "never left the start",
            Outcome::NoStableRate => "no stable rate",
        }
    }
}

columns! {
    /// `true` when the run trained stably: never above divergence_factor·ℓ(θ₀), ends no higher than ℓ(θ₀).
    STABLE = "stable": Bool;
    /// The step at which the run diverged (null when it did not).
    DIVERGED_AT = "diverged_at": U64, nullable;
    /// The largest loss along the run, max_t ℓ(θ_t).
    MAX_LOSS = "max_loss": F64, nullable;
    /// The last finite loss of the run.
    FINAL_LOSS = "final_loss": F64, nullable;
    /// The loss at the comparison step (the short budget; null when the run stopped before it).
    LOSS_AT_COMPARE = "loss_at_compare_step": F64, nullable;
    /// First step with loss ≤ threshold·ℓ(0) (null when never reached).
    STEPS_TO_THRESHOLD = "steps_to_threshold": U64, nullable;
    /// Number of seeds (runs) behind the row.
    SEEDS = "seeds": U64;
    /// Number of those runs that were not stable.
    UNSTABLE_RUNS = "unstable_runs": U64;
    /// Mean final loss over the stable runs (null when none was stable).
    MEAN_FINAL_LOSS = "mean_final_loss": F64, nullable;
    /// Smallest final loss over the stable runs.
    MIN_FINAL_LOSS = "min_final_loss": F64, nullable;
    /// Largest final loss over the stable runs.
    MAX_FINAL_LOSS = "max_final_loss": F64, nullable;
    /// Mean steps to the threshold when every seed reached it (null otherwise).
    MEAN_STEPS_TO_THRESHOLD = "mean_steps_to_threshold": F64, nullable;
    /// Mean loss at the comparison step over the seeds (null when a seed was unstable).
    MEAN_LOSS_AT_COMPARE = "mean_loss_at_compare_step": F64, nullable;
    /// Number of runs that reached the threshold.
    REACHED_THRESHOLD = "reached_threshold": U64;
    /// `trains`, `never left the start` (no stable rate halved ℓ(θ₀) within the budget) or `no stable rate`.
    OUTCOME = "outcome": Str;
    /// The best learning rate by `train::best_rate`: stable, fewest steps to the threshold (null when none is stable or the configuration never left its start).
    BEST_LEARNING_RATE = "best_learning_rate": F64, nullable;
    /// The largest searched rate at which every seed trained stably (null when none did).
    LARGEST_STABLE_RATE = "largest_stable_rate": F64, nullable;
    /// The smallest searched rate above the largest stable one with an unstable seed (null: none up to the search's upper bound, so the largest stable rate is only a lower bound).
    SMALLEST_UNSTABLE_RATE = "smallest_unstable_rate": F64, nullable;
    /// 2/λ_max(H(θ₀)) at seed 0's initial point (exact Hessian-vector products, Lanczos): the edge of gradient descent on the quadratic model (null when λ_max ≤ 0).
    TWO_OVER_LAMBDA_MAX = "two_over_lambda_max": F64, nullable;
    /// The smallest learning rate tried for this configuration.
    SEARCHED_FROM = "searched_from": F64;
    /// The largest learning rate tried for this configuration.
    SEARCHED_TO = "searched_to": F64;
}

table! {
    /// [`TrainingGrid::curves_frame`]: long format, one row per recorded step.
    pub CURVES_SCHEMA = "training_grid.curves";
    fn curves_frame((&GridRun, &StepRecord)) {
        shared::ARCHITECTURE => |r| r.0.configuration.architecture.label(),
        shared::INIT => |r| r.0.configuration.init.label(),
        shared::DEPTH => |r| count(r.0.configuration.depth),
        shared::LEARNING_RATE => |r| r.0.learning_rate,
        shared::SEED => |r| r.0.seed,
        shared::STEP => |r| count(r.1.step),
        shared::LOSS => |r| r.1.loss,
    }
}

table! {
    /// [`TrainingGrid::runs_frame`]: one row per run (with the grid's comparison step and threshold).
    pub RUNS_SCHEMA = "training_grid.runs";
    fn runs_frame((&GridRun, usize, f64)) {
        shared::ARCHITECTURE => |r| r.0.configuration.architecture.label(),
        shared::INIT => |r| r.0.configuration.init.label(),
        shared::DEPTH => |r| count(r.0.configuration.depth),
        shared::LEARNING_RATE => |r| r.0.learning_rate,
        shared::SEED => |r| r.0.seed,
        shared::STATUS => |r| r.0.history.status.label(),
        STABLE => |r| r.0.history.trained_stably(),
        DIVERGED_AT => |r| match r.0.history.status {
            RunStatus::Diverged { step, .. } => Some(count(step)),
            _ => None,
        },
        MAX_LOSS => |r| r.0.history.max_loss(),
        FINAL_LOSS => |r| r.0.history.final_loss(),
        LOSS_AT_COMPARE => |r| r.0.history.loss_at(r.1),
        STEPS_TO_THRESHOLD => |r| r.0.history.steps_to_reach(r.2).map(count),
    }
}

table! {
    /// [`TrainingGrid::summary_frame`]: across seeds, one row per (architecture, init, depth, learning rate).
    pub SUMMARY_SCHEMA = "training_grid.summary";
    fn summary_frame(&RateSummary) {
        shared::ARCHITECTURE => |r| r.configuration.architecture.label(),
        shared::INIT => |r| r.configuration.init.label(),
        shared::DEPTH => |r| count(r.configuration.depth),
        shared::LEARNING_RATE => |r| r.learning_rate,
        SEEDS => |r| count(r.seeds),
        UNSTABLE_RUNS => |r| count(r.unstable_runs),
        MEAN_FINAL_LOSS => |r| r.mean_final_loss,
        MIN_FINAL_LOSS => |r| r.min_final_loss,
        MAX_FINAL_LOSS => |r| r.max_final_loss,
        MEAN_LOSS_AT_COMPARE => |r| r.mean_loss_at_compare,
        MEAN_STEPS_TO_THRESHOLD => |r| r.mean_steps_to_threshold,
        REACHED_THRESHOLD => |r| count(r.reached_threshold),
    }
}

table! {
    /// [`TrainingGrid::best_frame`] (and [`super::DepthScale::to_frame`]): one row per (architecture, init, depth):
    /// its outcome, the edge of stability next to `2/λ_max(H(θ₀))`, the range searched, and its best rate's
    /// statistics over seeds.
    pub BEST_SCHEMA = "training_grid.best";
    pub(crate) fn best_frame_of(ConfigurationResult) {
        shared::ARCHITECTURE => |r| r.configuration.architecture.label(),
        shared::INIT => |r| r.configuration.init.label(),
        shared::DEPTH => |r| count(r.configuration.depth),
        OUTCOME => |r| r.outcome.label(),
        LARGEST_STABLE_RATE => |r| r.largest_stable_rate,
        SMALLEST_UNSTABLE_RATE => |r| r.smallest_unstable_rate,
        TWO_OVER_LAMBDA_MAX => |r| r.two_over_lambda_max,
        SEARCHED_FROM => |r| r.searched_from,
        SEARCHED_TO => |r| r.searched_to,
        BEST_LEARNING_RATE => |r| r.best_learning_rate,
        MEAN_STEPS_TO_THRESHOLD => |r| r.mean_steps_to_threshold,
        MEAN_LOSS_AT_COMPARE => |r| r.mean_loss_at_compare,
        MEAN_FINAL_LOSS => |r| r.mean_final_loss,
        REACHED_THRESHOLD => |r| count(r.reached_threshold),
    }
}

/// One configuration of a training grid: a network family, its initialisation and its depth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Configuration {
    /// The network family.
    pub architecture: Architecture,
    /// The initialisation.
    pub init: Init,
    /// Depth `L`.
    pub depth: usize,
}

impl Configuration {
    /// A label for legends and messages: `residual n=2, small(1e-3) init, L=8`.
    pub fn label(&self) -> String {
        format!(
            "{}, {} init, L={}",
            self.architecture.label(),
            self.init.label(),
            self.depth
        )
    }
}

/// One training run of the grid: a configuration at one learning rate and seed, with its history.
#[derive(Debug, Clone, PartialEq)]
pub struct GridRun {
    /// What was trained.
    pub configuration: Configuration,
    /// The learning rate η.
    pub learning_rate: f64,
    /// The seed of the initial weights.
    pub seed: u64,
    /// The run's losses and how it ended (every recorded loss finite).
    pub history: History,
}

/// One configuration at one learning rate, across seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct RateSummary {
    /// What was trained.
    pub configuration: Configuration,
    /// The learning rate η.
    pub learning_rate: f64,
    /// Number of seeds (runs).
    pub seeds: usize,
    /// Number of those runs that were not stable.
    pub unstable_runs: usize,
    /// Mean final loss over the stable runs (`None` when none was stable).
    pub mean_final_loss: Option<f64>,
    /// Smallest final loss over the stable runs.
    pub min_final_loss: Option<f64>,
    /// Largest final loss over the stable runs.
    pub max_final_loss: Option<f64>,
    /// Mean loss at the comparison step when every seed trained stably and reached it.
    pub mean_loss_at_compare: Option<f64>,
    /// Mean steps to `threshold·ℓ(0)` when every seed reached it.
    pub mean_steps_to_threshold: Option<f64>,
    /// Number of runs that reached the threshold.
    pub reached_threshold: usize,
    /// Every seed trained stably and ended at or below [`LEFT_START_FRACTION`]`·ℓ(θ₀)`.
    pub left_start: bool,
}

/// One configuration over every rate searched: its [`Outcome`], its edge of stability next to `2/λ_max(H(θ₀))`,
/// and the statistics of its best rate ([`crate::train::best_rate`]: stable, fewest steps to the threshold).
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigurationResult {
    /// What was trained.
    pub configuration: Configuration,
    /// How it fared over the rates searched.
    pub outcome: Outcome,
    /// The largest searched rate at which every seed trained stably.
    pub largest_stable_rate: Option<f64>,
    /// The smallest searched rate above it with an unstable seed (`None`: the edge was not bracketed).
    pub smallest_unstable_rate: Option<f64>,
    /// `2/λ_max(H(θ₀))` at seed 0's initial point (`None` when `λ_max ≤ 0`).
    pub two_over_lambda_max: Option<f64>,
    /// The smallest rate tried.
    pub searched_from: f64,
    /// The largest rate tried.
    pub searched_to: f64,
    /// The best rate (`None` unless the outcome is [`Outcome::Trains`]).
    pub best_learning_rate: Option<f64>,
    /// Mean steps to the threshold at the best rate.
    pub mean_steps_to_threshold: Option<f64>,
    /// Mean loss at the comparison step at the best rate.
    pub mean_loss_at_compare: Option<f64>,
    /// Mean final loss at the best rate.
    pub mean_final_loss: Option<f64>,
    /// Runs that reached the threshold at the best rate (0 when there is none).
    pub reached_threshold: usize,
}

impl ConfigurationResult {
    /// `(largest stable rate)` when the search bracketed the edge (an unstable rate sits above it), else `None`.
    pub fn bracketed_edge(&self) -> Option<f64> {
        self.smallest_unstable_rate.and(self.largest_stable_rate)
    }
}

/// The result of [`training_grid`]: the config, the threshold in loss units, and its runs, per-rate summaries and
/// per-configuration results, each in grid order (architecture, init, depth, rate ascending, seed).
#[derive(Debug, Clone)]
pub struct TrainingGrid {
    /// The config of the run.
    pub config: TrainingGridConfig,
    /// `loss_threshold · ℓ(0)`.
    pub threshold: f64,
    /// One entry per run.
    pub runs: Vec<GridRun>,
    /// One entry per (configuration, rate).
    pub rates: Vec<RateSummary>,
    /// One entry per configuration.
    pub configurations: Vec<ConfigurationResult>,
}

impl TrainingGrid {
    /// The result of `configuration` (`None` when the grid has no such configuration).
    pub fn configuration(&self, configuration: &Configuration) -> Option<&ConfigurationResult> {
        self.configurations
            .iter()
            .find(|c| c.configuration == *configuration)
    }
    /// The runs at depth `depth` and learning rate `learning_rate` (every configuration and seed), e.g. for
    /// [`crate::report::loss_curves_figure`].
    pub fn runs_at(&self, depth: usize, learning_rate: f64) -> Vec<&GridRun> {
        self.runs
            .iter()
            .filter(|r| r.configuration.depth == depth && r.learning_rate == learning_rate)
            .collect()
    }
    /// Long format, one row per recorded step ([`CURVES_SCHEMA`]), for display and CSV.
    pub fn curves_frame(&self) -> Result<DataFrame> {
        let rows: Vec<(&GridRun, &StepRecord)> = self
            .runs
            .iter()
            .flat_map(|r| r.history.records.iter().map(move |rec| (r, rec)))
            .collect();
        curves_frame(&rows)
    }
    /// One row per run ([`RUNS_SCHEMA`]), for display and CSV.
    pub fn runs_frame(&self) -> Result<DataFrame> {
        let rows: Vec<(&GridRun, usize, f64)> = self
            .runs
            .iter()
            .map(|r| (r, self.config.compare_at_step, self.threshold))
            .collect();
        runs_frame(&rows)
    }
    /// Across seeds, one row per (configuration, rate) ([`SUMMARY_SCHEMA`]), for display and CSV.
    pub fn summary_frame(&self) -> Result<DataFrame> {
        summary_frame(&self.rates.iter().collect::<Vec<_>>())
    }
    /// [`TrainingGrid::summary_frame`] restricted to depth `depth`.
    pub fn summary_frame_at_depth(&self, depth: usize) -> Result<DataFrame> {
        let rows: Vec<&RateSummary> = self
            .rates
            .iter()
            .filter(|r| r.configuration.depth == depth)
            .collect();
        summary_frame(&rows)
    }
    /// One row per configuration ([`BEST_SCHEMA`]), for display and CSV.
    pub fn best_frame(&self) -> Result<DataFrame> {
        best_frame_of(&self.configurations)
    }
}

/// One configuration of the grid: its rates tried so far, each with one history per seed.
struct Arm {
    architecture: Architecture,
    init: Init,
    depth: usize,
    tried: Vec<(f64, Vec<History>)>,
}

impl Arm {
    fn outcomes(&self, threshold: f64) -> Vec<RateOutcome> {
        self.tried
            .iter()
            .map(|(lr, hs)| RateOutcome::from_histories(*lr, hs, Some(threshold)))
            .collect()
    }
    fn spec(&self, config: &TrainingGridConfig) -> NetworkSpec {
        NetworkSpec {
            width: config.width,
            architecture: self.architecture,
            activation: config.activation,
            depth: self.depth,
        }
    }
}

/// `2/λ_max(H(θ₀))` of `spec` started by `init` with `seed` (`None` when `λ_max ≤ 0`): Lanczos on exact
/// Hessian-vector products (R-operator).
pub fn two_over_lambda_max(
    spec: &NetworkSpec,
    init: &Init,
    seed: u64,
    data: &AnyDataset,
) -> Result<Option<f64>> {
    let net = build_network(spec, init, seed)?;
    let op = net.hessian_operator(data, &HessianOptions::default())?;
    let top = extreme_eigenvalues(
        op.as_ref(),
        1,
        Which::Largest,
        &LanczosOptions {
            max_steps: 120,
            tol: 1e-8,
            ..Default::default()
        },
    )?;
    Ok(top.values.first().filter(|&&l| l > 0.0).map(|l| 2.0 / l))
}

/// Trains every combination of the grid (in parallel) from its own seeded initial point. With a
/// [`RateSearch`], each configuration's rates are then widened and bisected, in rounds run in parallel, until
/// its edge of stability is bracketed or a bound is reached; rows are in the order architecture, init, depth,
/// rate (ascending), seed.
pub fn training_grid(config: &TrainingGridConfig) -> Result<TrainingGrid> {
    config.check_and_run()
}

analysis!(TrainingGridConfig => TrainingGrid);

/// [`training_grid`] on a config that has passed validation.
pub(crate) fn run_checked(config: &Checked<TrainingGridConfig>) -> Result<TrainingGrid> {
    let data = config.data.load(config.width)?;
    let threshold = config.loss_threshold * data.moments().loss_at_zero;
    let mut arms = Vec::new();
    for &architecture in &config.architectures {
        for &init in &config.inits {
            for &depth in &config.depths {
                arms.push(Arm {
                    architecture,
                    init,
                    depth,
                    tried: Vec::new(),
                });
            }
        }
    }
    let run = |arm: &Arm, lr: f64, seed: u64| -> Result<History> {
        let mut net = build_network(&arm.spec(config), &arm.init, seed)?;
        let cfg = TrainConfig {
            learning_rate: lr,
            seed,
            ..config.train.clone()
        };
        net.train(&data, &cfg)
    };
    // Round 0 is the grid for every arm; later rounds add one rate to each arm the search is not done with.
    let mut pending: Vec<(usize, f64)> = (0..arms.len())
        .flat_map(|a| config.learning_rates.iter().map(move |&lr| (a, lr)))
        .collect();
    let mut round = 0;
    while !pending.is_empty() {
        round += 1;
        let jobs: Vec<(usize, f64, u64)> = pending
            .iter()
            .flat_map(|&(a, lr)| config.seeds.iter().map(move |&seed| (a, lr, seed)))
            .collect();
        let progress = Progress::new(
            format!("training grid, rate-search round {round}, runs"),
            jobs.len(),
        );
        let mut results = jobs
            .par_iter()
            .map(|&(a, lr, seed)| {
                let r = run(&arms[a], lr, seed);
                progress.tick();
                r
            })
            .collect::<Result<Vec<_>>>()?
            .into_iter();
        progress.finish();
        for &(a, lr) in &pending {
            let per_seed: Vec<History> = results.by_ref().take(config.seeds.len()).collect();
            arms[a].tried.push((lr, per_seed));
        }
        pending = match &config.rate_search {
            None => Vec::new(),
            Some(search) => arms
                .iter()
                .enumerate()
                .filter_map(|(a, arm)| search.next_rate(&arm.outcomes(threshold)).map(|lr| (a, lr)))
                .collect(),
        };
    }
    let curvature = arms
        .par_iter()
        .map(|arm| two_over_lambda_max(&arm.spec(config), &arm.init, config.seeds[0], &data))
        .collect::<Result<Vec<_>>>()?;
    let mut runs = Vec::new();
    let mut rates: Vec<RateSummary> = Vec::new();
    let mut configurations = Vec::new();
    for (arm, two_over_lambda_max) in arms.iter_mut().zip(curvature) {
        arm.tried.sort_by(|x, y| x.0.total_cmp(&y.0));
        let configuration = Configuration {
            architecture: arm.architecture,
            init: arm.init,
            depth: arm.depth,
        };
        let first = rates.len();
        let mut outcomes = Vec::new();
        for (lr, histories) in arm.tried.drain(..) {
            let outcome = RateOutcome::from_histories(lr, &histories, Some(threshold));
            rates.push(rate_summary(
                configuration,
                &histories,
                &outcome,
                threshold,
                config.compare_at_step,
            ));
            outcomes.push(outcome);
            for (&seed, history) in config.seeds.iter().zip(histories) {
                runs.push(GridRun {
                    configuration,
                    learning_rate: lr,
                    seed,
                    history,
                });
            }
        }
        let of_arm = &rates[first..];
        let bracket = RateBracket::of(&outcomes);
        let outcome = if bracket.largest_stable.is_none() {
            Outcome::NoStableRate
        } else if of_arm.iter().any(|r| r.left_start) {
            Outcome::Trains
        } else {
            Outcome::NeverLeftStart
        };
        let best = best_rate(&outcomes)
            .filter(|_| outcome == Outcome::Trains)
            .map(|i| &of_arm[i]);
        configurations.push(ConfigurationResult {
            configuration,
            outcome,
            largest_stable_rate: bracket.largest_stable,
            smallest_unstable_rate: bracket.smallest_unstable_above,
            two_over_lambda_max,
            searched_from: bracket.searched_from,
            searched_to: bracket.searched_to,
            best_learning_rate: best.map(|r| r.learning_rate),
            mean_steps_to_threshold: best.and_then(|r| r.mean_steps_to_threshold),
            mean_loss_at_compare: best.and_then(|r| r.mean_loss_at_compare),
            mean_final_loss: best.and_then(|r| r.mean_final_loss),
            reached_threshold: best.map_or(0, |r| r.reached_threshold),
        });
    }
    Ok(TrainingGrid {
        config: config.inner().clone(),
        threshold,
        runs,
        rates,
        configurations,
    })
}

/// The summary across seeds of one configuration at one rate, from its runs' `histories` and their
/// [`RateOutcome`].
fn rate_summary(
    configuration: Configuration,
    histories: &[History],
    outcome: &RateOutcome,
    threshold: f64,
    compare_at_step: usize,
) -> RateSummary {
    let stable = outcome.is_stable();
    let mean_loss_at_compare = if stable {
        histories
            .iter()
            .map(|h| h.loss_at(compare_at_step))
            .collect::<Option<Vec<f64>>>()
            .map(|l| l.iter().sum::<f64>() / l.len() as f64)
    } else {
        None
    };
    RateSummary {
        configuration,
        learning_rate: outcome.learning_rate,
        seeds: histories.len(),
        unstable_runs: outcome.unstable_runs,
        mean_final_loss: outcome.mean_final_loss(),
        min_final_loss: outcome.final_losses.iter().copied().reduce(f64::min),
        max_final_loss: outcome.final_losses.iter().copied().reduce(f64::max),
        mean_loss_at_compare,
        mean_steps_to_threshold: outcome.mean_steps_to_threshold(),
        reached_threshold: histories
            .iter()
            .filter(|h| h.steps_to_reach(threshold).is_some())
            .count(),
        left_start: stable
            && histories.iter().all(|h| {
                matches!((h.initial_loss(), h.final_loss()),
                    (Some(a), Some(b)) if b <= LEFT_START_FRACTION * a)
            }),
    }
}

/// What the comparison claims compare, each at a configuration's own best rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Measure {
    /// Mean steps to `threshold·ℓ(0)` — fewer wins; a configuration that never reached it loses to one that did.
    Steps,
    /// Mean loss at the comparison step — lower wins; a configuration without a value (unstable, or never left
    /// its start at any stable rate) loses.
    LossAtBudget,
    /// Largest stable learning rate — higher wins (a wider range of rates that train).
    StableRate,
}

impl Measure {
    fn value(&self, row: &ConfigurationResult) -> Option<f64> {
        match self {
            Measure::Steps => row.mean_steps_to_threshold,
            Measure::LossAtBudget => row.mean_loss_at_compare,
            Measure::StableRate => row.largest_stable_rate,
        }
    }
    /// `ours` is at least as good as `theirs`; a missing value is the worst.
    fn at_least_as_good(&self, ours: Option<f64>, theirs: Option<f64>) -> bool {
        match (ours, theirs) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(o), Some(t)) => match self {
                Measure::Steps | Measure::LossAtBudget => o <= t,
                Measure::StableRate => o >= t,
            },
        }
    }
    fn describe(&self, config: &TrainingGridConfig) -> String {
        match self {
            Measure::Steps => format!(
                "mean steps to {}·ℓ(0) (within {} steps)",
                config.loss_threshold, config.train.steps
            ),
            Measure::LossAtBudget => format!("mean loss at step {}", config.compare_at_step),
            Measure::StableRate => "largest stable learning rate".into(),
        }
    }
    fn show(&self, v: Option<f64>) -> String {
        match (self, v) {
            (_, Some(v)) => num(v),
            (Measure::Steps, None) => "not reached".into(),
            (Measure::LossAtBudget, None) => {
                "none (no stable rate, or never left its start)".into()
            }
            (Measure::StableRate, None) => "no stable rate".into(),
        }
    }
}

/// The claims of notebook 04's training grid (the paper's abstract: small initialisation with shortcut 2 trains
/// better "in final loss, learning dynamics and stability"), checked on a grid's per-configuration results
/// ([`TrainingGrid::configurations`], each configuration at its own best rate). Every comparison can go either way, with no
/// tolerance in favour of shortcut 2; ids in brackets:
///
/// - against Xavier and orthogonal starts of shortcut 2, at every depth `L ≥` [`RANDOM_INIT_SCOPE_DEPTH`]
///   (the scope comes from THEORY.md §11; shallower depths are listed in the evidence, outside the scope):
///   `n2_small_faster_than_random_inits` (fewer mean steps to the threshold),
///   `n2_small_lower_loss_than_random_inits` (lower mean loss at `compare_at_step`),
///   `n2_small_more_stable_than_random_inits` (a largest stable learning rate at least as large);
/// - against deeper shortcuts (n ≥ 3) from the same small start, at every depth:
///   `n2_small_faster_than_deeper_shortcuts`, `n2_small_lower_loss_than_deeper_shortcuts`.
///
/// A claim whose configurations are not in the grid (or whose scope holds no depth of the grid) is
/// `NotApplicable`.
pub fn claims(grid: &TrainingGrid) -> Result<Vec<Claim>> {
    let config = &grid.config;
    let lookup = |architecture: Architecture, init: Init, depth: usize| {
        grid.configuration(&Configuration {
            architecture,
            init,
            depth,
        })
    };
    let small = config
        .inits
        .iter()
        .copied()
        .find(|i| matches!(i, Init::SmallGaussian { .. }));
    let n2 = Architecture::Residual { shortcut: 2 };
    // One comparison per (depth, rival): small-init shortcut 2 against `rivals` (architecture, init).
    let compare = |id: &'static str,
                   claim: &str,
                   measure: Measure,
                   rivals: &[(Architecture, Init)],
                   min_depth: usize|
     -> Claim {
        let what = measure.describe(config);
        let scope = if min_depth > 1 {
            format!(" at every depth L ≥ {min_depth}")
        } else {
            " at every depth".into()
        };
        let better = match measure {
            Measure::Steps | Measure::LossAtBudget => "≤",
            Measure::StableRate => "≥",
        };
        let at = match measure {
            Measure::StableRate => "",
            Measure::Steps | Measure::LossAtBudget => ", each configuration at its own best rate",
        };
        let criterion = format!(
            "{what}{at}: small n = 2 {better} every rival{scope}; a configuration without a value loses"
        );
        let in_scope: Vec<usize> = config
            .depths
            .iter()
            .copied()
            .filter(|&l| l >= min_depth)
            .collect();
        let Some(small) = small else {
            return Claim::not_applicable(
                id,
                claim,
                &criterion,
                "no small initialisation in the grid",
            );
        };
        let rivals: Vec<&(Architecture, Init)> = rivals
            .iter()
            .filter(|(a, i)| config.depths.iter().all(|&l| lookup(*a, *i, l).is_some()))
            .collect();
        if rivals.is_empty()
            || config
                .depths
                .iter()
                .any(|&l| lookup(n2, small, l).is_none())
        {
            return Claim::not_applicable(
                id,
                claim,
                &criterion,
                "the compared configurations are not in the grid",
            );
        }
        if in_scope.is_empty() {
            return Claim::not_applicable(
                id,
                claim,
                &criterion,
                &format!("no depth of the grid is ≥ {min_depth}"),
            );
        }
        let (mut won, mut total, mut lost, mut outside) = (0, 0, Vec::new(), Vec::new());
        let mut listing = Vec::new();
        for &l in &config.depths {
            let ours = lookup(n2, small, l).and_then(|r| measure.value(r));
            let mut parts = vec![format!("L = {l}: small n = 2 {}", measure.show(ours))];
            for &&(a, i) in &rivals {
                let theirs = lookup(a, i, l).and_then(|r| measure.value(r));
                let (a, i) = (a.label(), i.label());
                let ok = measure.at_least_as_good(ours, theirs);
                if l >= min_depth {
                    total += 1;
                    if ok {
                        won += 1;
                    } else {
                        lost.push(format!("{a} {i} at L = {l}"));
                    }
                } else if !ok {
                    outside.push(format!("{a} {i} at L = {l}"));
                }
                parts.push(format!("{a} {i} {}", measure.show(theirs)));
            }
            listing.push(parts.join(", "));
        }
        let outside_note = if outside.is_empty() {
            String::new()
        } else {
            format!(
                "; outside the scope, small n = 2 loses to {}",
                outside.join(", ")
            )
        };
        Claim {
            id,
            claim: claim.into(),
            evidence: format!(
                "{what} — {}; at least as good in {won} of {total} comparisons in scope{}{}",
                listing.join("; "),
                if lost.is_empty() {
                    String::new()
                } else {
                    format!(" (loses to {})", lost.join(", "))
                },
                outside_note
            ),
            criterion,
            verdict: Verdict::from_bool(won == total),
        }
    };
    let random_inits: Vec<(Architecture, Init)> = config
        .inits
        .iter()
        .filter(|i| matches!(i, Init::XavierNormal | Init::Orthogonal))
        .map(|&i| (n2, i))
        .collect();
    let deeper: Vec<(Architecture, Init)> = config
        .architectures
        .iter()
        .filter(|a| matches!(a, Architecture::Residual { shortcut } if *shortcut >= 3))
        .filter_map(|&a| small.map(|s| (a, s)))
        .collect();
    let scope = RANDOM_INIT_SCOPE_DEPTH;
    Ok(vec![
        compare(
            "n2_small_faster_than_random_inits",
            "With shortcut 2, a small start reaches the threshold in no more steps than Xavier and orthogonal starts (deep networks).",
            Measure::Steps,
            &random_inits,
            scope,
        ),
        compare(
            "n2_small_lower_loss_than_random_inits",
            "With shortcut 2, a small start has a loss no higher than Xavier and orthogonal starts after the short budget (deep networks).",
            Measure::LossAtBudget,
            &random_inits,
            scope,
        ),
        compare(
            "n2_small_more_stable_than_random_inits",
            "With shortcut 2, a small start trains stably at learning rates at least as large as Xavier and orthogonal starts (deep networks).",
            Measure::StableRate,
            &random_inits,
            scope,
        ),
        compare(
            "n2_small_faster_than_deeper_shortcuts",
            "From a small start, shortcut 2 reaches the threshold in no more steps than deeper shortcuts (n ≥ 3).",
            Measure::Steps,
            &deeper,
            1,
        ),
        compare(
            "n2_small_lower_loss_than_deeper_shortcuts",
            "From a small start, shortcut 2 has a loss no higher than deeper shortcuts (n ≥ 3) after the short budget.",
            Measure::LossAtBudget,
            &deeper,
            1,
        ),
    ])
}
