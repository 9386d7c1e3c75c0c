//! Experiment 3: training dynamics over a grid of initialisations × architectures × depths × learning rates ×
//! seeds, with per-step loss curves, per-run outcomes, summaries across seeds and the best learning rate.

use polars::prelude::DataFrame;
use rayon::prelude::*;

use super::claims::{num, Claim, Verdict};
use super::network::{build_network, ActivationKind, DataSpec, NetworkSpec};
use super::schema::{columns, shared, Schema};
use super::{count, ensure_nonempty};
use crate::error::{ensure_positive, ensure_positive_size, Error, Result};
use crate::net::{Architecture, Init};
use crate::progress::Progress;
use crate::train::{
    best_rate, History, RateBracket, RateOutcome, RateSearch, RunStatus, TrainConfig,
};

/// Settings of [`training_grid`]. `Default`: width 4, the default teacher, linear; residual shortcut 1, 2, 3
/// and plain; inits small (ε = 1e-3), Xavier, orthogonal; depths 2, 8, 32; learning rates 0.003 … 1, widened per
/// configuration by half decades within 1e-8 … 100 until the largest stable rate is bracketed; seeds 0, 1, 2;
/// 500 GD steps; threshold 1e-3·ℓ(0); every 5th step recorded.
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
    /// How each configuration's grid is widened until it brackets that configuration's largest stable rate
    /// ([`RateSearch`]); `None` keeps the grid as given. The best table states the range searched.
    pub rate_search: Option<RateSearch>,
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
            rate_search: Some(RateSearch::default()),
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
    /// A smaller grid (width 2, depths 2 and 8, three rates widened within 1e-5 … 10, two seeds, 100 steps),
    /// same code path.
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
    /// The largest searched rate none of whose seeds diverged (null when every rate had a diverged seed).
    LARGEST_STABLE_RATE = "largest_stable_rate": F64, nullable;
    /// The smallest searched rate above the largest stable one with a diverged seed (null: none diverged up to the search's upper bound, so the largest stable rate is only a lower bound).
    SMALLEST_DIVERGING_RATE = "smallest_diverging_rate": F64, nullable;
    /// The smallest learning rate tried for this configuration.
    SEARCHED_FROM = "searched_from": F64;
    /// The largest learning rate tried for this configuration.
    SEARCHED_TO = "searched_to": F64;
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

/// [`TrainingGrid::best`] (and [`super::depth_scale`]): one row per (architecture, init, depth), the best rate,
/// the bracket of the largest stable rate and the range searched, and the best rate's statistics over seeds.
pub const BEST_SCHEMA: Schema = Schema {
    name: "training_grid.best",
    columns: &[
        shared::ARCHITECTURE,
        shared::INIT,
        shared::DEPTH,
        BEST_LEARNING_RATE,
        LARGEST_STABLE_RATE,
        SMALLEST_DIVERGING_RATE,
        SEARCHED_FROM,
        SEARCHED_TO,
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

/// One configuration of the grid: its rates tried so far, each with one history per seed.
struct Arm {
    architecture: Architecture,
    init: Init,
    depth: usize,
    tried: Vec<(f64, Vec<History>)>,
}

impl Arm {
    fn outcomes(&self) -> Vec<RateOutcome> {
        self.tried
            .iter()
            .map(|(lr, hs)| RateOutcome::from_histories(*lr, hs))
            .collect()
    }
}

/// Trains every combination of the grid (in parallel) from its own seeded initial point. With a
/// [`RateSearch`], each configuration's rates are then widened, in rounds run in parallel, until its largest
/// stable rate is bracketed or a bound is reached; rows are in the order architecture, init, depth, rate
/// (ascending), seed.
pub fn training_grid(config: &TrainingGridConfig) -> Result<TrainingGrid> {
    config.validate()?;
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
        let spec = NetworkSpec {
            width: config.width,
            architecture: arm.architecture,
            activation: config.activation,
            depth: arm.depth,
        };
        let mut net = build_network(&spec, &arm.init, seed)?;
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
                .filter_map(|(a, arm)| search.next_rate(&arm.outcomes()).map(|lr| (a, lr)))
                .collect(),
        };
    }
    let mut keys = Vec::new();
    let mut histories = Vec::new();
    let mut rates_per_arm = Vec::new();
    for arm in &mut arms {
        arm.tried.sort_by(|x, y| x.0.total_cmp(&y.0));
        rates_per_arm.push(arm.tried.len());
        for (lr, hs) in arm.tried.drain(..) {
            for (&seed, h) in config.seeds.iter().zip(hs) {
                keys.push(RunKey {
                    architecture: arm.architecture,
                    init: arm.init,
                    depth: arm.depth,
                    lr,
                    seed,
                });
                histories.push(h);
            }
        }
    }

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

    // Best learning rate per (architecture, init, depth) by the one rule: groups come in arm order, one chunk
    // of (ascending) rates per arm.
    let mut chosen: Vec<(RunKey, Option<&Group>, RateBracket)> = Vec::new();
    let mut rest = &groups[..];
    for &n_rates in &rates_per_arm {
        let (chunk, tail) = rest.split_at(n_rates);
        rest = tail;
        let outcomes: Vec<RateOutcome> = chunk.iter().map(|g| g.outcome.clone()).collect();
        chosen.push((
            chunk[0].key,
            best_rate(&outcomes).map(|i| &chunk[i]),
            RateBracket::of(&outcomes),
        ));
    }
    let stat = |f: &dyn Fn(&Group) -> Option<f64>| {
        chosen
            .iter()
            .map(|(_, g, _)| g.and_then(f))
            .collect::<Vec<_>>()
    };
    let bracket = |f: &dyn Fn(&RateBracket) -> Option<f64>| {
        chosen.iter().map(|(_, _, b)| f(b)).collect::<Vec<_>>()
    };
    let best = BEST_SCHEMA.frame(vec![
        shared::ARCHITECTURE.values(
            chosen
                .iter()
                .map(|(k, _, _)| k.architecture.label())
                .collect::<Vec<_>>(),
        ),
        shared::INIT.values(
            chosen
                .iter()
                .map(|(k, _, _)| k.init.label())
                .collect::<Vec<_>>(),
        ),
        shared::DEPTH.values(
            chosen
                .iter()
                .map(|(k, _, _)| count(k.depth))
                .collect::<Vec<_>>(),
        ),
        BEST_LEARNING_RATE.values(stat(&|g| Some(g.key.lr))),
        LARGEST_STABLE_RATE.values(bracket(&|b| b.largest_stable)),
        SMALLEST_DIVERGING_RATE.values(bracket(&|b| b.smallest_diverging_above)),
        SEARCHED_FROM.values(
            bracket(&|b| Some(b.searched_from))
                .into_iter()
                .flatten()
                .collect::<Vec<_>>(),
        ),
        SEARCHED_TO.values(
            bracket(&|b| Some(b.searched_to))
                .into_iter()
                .flatten()
                .collect::<Vec<_>>(),
        ),
        MEAN_FINAL_LOSS.values(stat(&|g| g.outcome.mean_final_loss())),
        MIN_FINAL_LOSS.values(stat(&|g| min(&g.outcome.final_losses))),
        MAX_FINAL_LOSS.values(stat(&|g| max(&g.outcome.final_losses))),
        MEAN_STEPS_TO_THRESHOLD.values(stat(&|g| mean(&g.steps))),
        BEST_REACHED_THRESHOLD.values(
            chosen
                .iter()
                .map(|(_, g, _)| g.map(|g| count(g.steps.len())))
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

/// A final loss at or below this counts as fitted to numerical zero: two such losses tie (their ratio is noise).
pub const LOSS_AT_ZERO: f64 = 1e-12;

/// The claims of notebook 04's training grid (the paper's abstract), checked on `best` ([`BEST_SCHEMA`], each
/// configuration at its own best rate) of a grid run with `config` (ids in brackets):
///
/// - `n2_small_beats_random_inits`: with shortcut 2, small initialisation ends at a final loss no higher than
///   Xavier's and orthogonal's, at every depth of the grid;
/// - `n2_small_beats_deeper_shortcuts`: from small initialisation, shortcut 2 ends at a final loss no higher than
///   every deeper shortcut (n ≥ 3) of the grid, at every depth.
///
/// "No higher" means `ℓ_small ≤ ℓ_other`, or `ℓ_small ≤` [`LOSS_AT_ZERO`] (both fitted); a configuration with
/// no stable rate counts as beaten. A claim whose configurations are not in the grid is `NotApplicable`.
pub fn claims(best: &DataFrame, config: &TrainingGridConfig) -> Result<Vec<Claim>> {
    let arch = shared::ARCHITECTURE.strs(best)?;
    let init = shared::INIT.strs(best)?;
    let depth = shared::DEPTH.f64s(best)?;
    let loss = MEAN_FINAL_LOSS.f64s(best)?;
    let lookup = |a: &str, i: &str, l: f64| -> Option<Option<f64>> {
        (0..best.height())
            .find(|&r| {
                arch[r].as_deref() == Some(a)
                    && init[r].as_deref() == Some(i)
                    && depth[r] == Some(l)
            })
            .map(|r| loss[r])
    };
    let small = config
        .inits
        .iter()
        .find(|i| matches!(i, Init::SmallGaussian { .. }))
        .map(Init::label);
    let n2 = Architecture::Residual { shortcut: 2 };
    // One comparison per (depth, rival): small-init shortcut 2 against `rivals` (architecture, init).
    let compare = |id: &'static str, claim: &str, rivals: Vec<(Architecture, String)>| -> Claim {
        let criterion = format!(
            "at every depth, ℓ(small, n = 2) ≤ ℓ(rival), or ℓ(small, n = 2) ≤ {} (both fitted); a rival without a stable rate is beaten",
            num(LOSS_AT_ZERO)
        );
        let Some(small) = &small else {
            return Claim::not_applicable(
                id,
                claim,
                &criterion,
                "no small initialisation in the grid",
            );
        };
        let rivals: Vec<(Architecture, String)> = rivals
            .into_iter()
            .filter(|(a, i)| {
                config
                    .depths
                    .iter()
                    .all(|&l| lookup(&a.label(), i, l as f64).is_some())
            })
            .collect();
        if rivals.is_empty() || !config.architectures.contains(&n2) {
            return Claim::not_applicable(
                id,
                claim,
                &criterion,
                "the compared configurations are not in the grid",
            );
        }
        let (mut won, mut total, mut lost) = (0, 0, Vec::new());
        let mut listing = Vec::new();
        for &l in &config.depths {
            let ours = lookup(&n2.label(), small, l as f64).flatten();
            let mut parts = vec![format!(
                "L = {l}: n = 2 small {}",
                ours.map_or("no stable rate".into(), num)
            )];
            for (a, i) in &rivals {
                let theirs = lookup(&a.label(), i, l as f64).flatten();
                let beats = match (ours, theirs) {
                    (None, _) => false,
                    (Some(_), None) => true,
                    (Some(o), Some(t)) => o <= t || o <= LOSS_AT_ZERO,
                };
                total += 1;
                if beats {
                    won += 1;
                } else {
                    lost.push(format!("{} {} at L = {l}", a.label(), i));
                }
                parts.push(format!(
                    "{} {} {}",
                    a.label(),
                    i,
                    theirs.map_or("no stable rate".into(), num)
                ));
            }
            listing.push(parts.join(", "));
        }
        Claim {
            id,
            claim: claim.into(),
            evidence: format!(
                "mean final loss at each configuration's best rate — {}; not beaten in {won} of {total} comparisons{}",
                listing.join("; "),
                if lost.is_empty() { String::new() } else { format!(" (lost to {})", lost.join(", ")) }
            ),
            criterion,
            verdict: Verdict::from_bool(won == total),
        }
    };
    let random_inits: Vec<(Architecture, String)> = config
        .inits
        .iter()
        .filter(|i| matches!(i, Init::XavierNormal | Init::Orthogonal))
        .map(|i| (n2, i.label()))
        .collect();
    let deeper: Vec<(Architecture, String)> = config
        .architectures
        .iter()
        .filter(|a| matches!(a, Architecture::Residual { shortcut } if *shortcut >= 3))
        .filter_map(|&a| small.clone().map(|s| (a, s)))
        .collect();
    Ok(vec![
        compare(
            "n2_small_beats_random_inits",
            "With shortcut 2, small initialisation ends at a final loss no higher than Xavier and orthogonal initialisation, at every depth (each at its own best learning rate).",
            random_inits,
        ),
        compare(
            "n2_small_beats_deeper_shortcuts",
            "From small initialisation, shortcut 2 ends at a final loss no higher than deeper shortcuts (n ≥ 3), at every depth (each at its own best learning rate).",
            deeper,
        ),
    ])
}
