//! Experiment 4: the Hessian along the learning process — every `k` steps of gradient descent, the spectrum
//! summary and the top eigenvalues (dense up to a documented size, Lanczos above it).

use polars::prelude::DataFrame;
use rayon::prelude::*;

use super::claims::{num, Claim, Verdict};
use super::network::{build_network, DataSpec, NetworkSpec};
use super::schema::{columns, shared, Schema};
use super::{count, ensure_nonempty};
use crate::error::{ensure_len, ensure_positive_size, Result};
use crate::hessian::blocks::unit_block_spectra;
use crate::hessian::lanczos::{extreme_eigenvalues, LanczosOptions, Which};
use crate::hessian::spectrum::DEFAULT_RELATIVE_TOLERANCE;
use crate::hessian::{dense_spectrum_bytes, spectrum_of, HessianOptions};
use crate::net::Init;
use crate::progress::Progress;
use crate::train::{RunStatus, TrainConfig};

/// One trajectory: a labelled network, its initialisation and seed.
#[derive(Debug, Clone, PartialEq)]
pub struct TrajectoryRun {
    /// Legend label, e.g. `"n=2, small init"`.
    pub label: String,
    /// The network.
    pub network: NetworkSpec,
    /// Its initialisation.
    pub init: Init,
    /// Seed of the initial weights.
    pub seed: u64,
}

/// Settings of [`hessian_along_training`]. `Default`: width 4, the default teacher; shortcut 2 from small init
/// (ε = 1e-3), shortcut 2 from Xavier, shortcut 1 from small init, all at depth 8; GD for 300 steps with
/// η = min(0.3, 1/λ_max(H(θ₀))) per run ([`run_learning_rate`]), the Hessian every 20 steps; top 5 eigenvalues;
/// dense up to 1024 parameters, Lanczos (full reorthogonalisation, 80 steps) above.
#[derive(Debug, Clone, PartialEq)]
pub struct HessianAlongTrainingConfig {
    /// The data.
    pub data: DataSpec,
    /// The trajectories (all on the same data; widths must match the data's).
    pub runs: Vec<TrajectoryRun>,
    /// The training run: total `steps`, optimiser, divergence rule, and the largest learning rate any run uses
    /// (each run takes [`run_learning_rate`]; `record_every` is replaced by `every`).
    pub train: TrainConfig,
    /// Compute the Hessian every this many steps (and at step 0 and the end).
    pub every: usize,
    /// How many of the largest eigenvalues to report.
    pub top_k: usize,
    /// Dense eigendecomposition up to this many parameters, Lanczos above.
    pub dense_max_params: usize,
    /// Lanczos settings for large networks.
    pub lanczos: LanczosOptions,
    /// How the Hessian is computed (exact R-operator by default) and the dense-size limit.
    pub hessian: HessianOptions,
}

impl Default for HessianAlongTrainingConfig {
    fn default() -> Self {
        let run = |label: &str, n: usize, init: Init| TrajectoryRun {
            label: label.into(),
            network: NetworkSpec::residual(4, n, 8),
            init,
            seed: 0,
        };
        Self {
            data: DataSpec::default(),
            runs: vec![
                run("n=2, small init", 2, Init::SmallGaussian { std: 1e-3 }),
                run("n=2, Xavier", 2, Init::XavierNormal),
                run("n=1, small init", 1, Init::SmallGaussian { std: 1e-3 }),
            ],
            train: TrainConfig {
                learning_rate: 0.3,
                steps: 300,
                ..Default::default()
            },
            every: 20,
            top_k: 5,
            dense_max_params: 1024,
            lanczos: LanczosOptions {
                max_steps: 80,
                ..Default::default()
            },
            hessian: HessianOptions::default(),
        }
    }
}

impl HessianAlongTrainingConfig {
    /// A smaller version (width 2, depth 4, 200 steps, every 20), same code path.
    pub fn quick() -> Self {
        let mut c = Self::default();
        c.train.steps = 200;
        for r in &mut c.runs {
            r.network.width = 2;
            r.network.depth = 4;
        }
        c
    }
}

/// Each run's learning rate: `η = min(η_max, 1/λ_max(H(θ₀)))` — the configured rate, capped at half the edge
/// `2/λ_max` of gradient descent on the quadratic model at the run's own start, so that a badly conditioned start
/// (Xavier at depth) is followed with a rate it can take instead of diverging at step 0. `λ_max ≤ 0` leaves `η_max`.
pub fn run_learning_rate(eta_max: f64, lambda_max_at_start: f64) -> f64 {
    if lambda_max_at_start > 0.0 {
        eta_max.min(1.0 / lambda_max_at_start)
    } else {
        eta_max
    }
}

columns! {
    /// The trajectory's label ([`TrajectoryRun::label`]).
    RUN = "run": Str;
    /// `dense` (full eigendecomposition) or `lanczos` (extreme eigenvalues only): see [`SpectrumMethod`].
    METHOD = "method": Str;
    /// min|λ| over all eigenvalues (dense rows only).
    MIN_ABS_EIGENVALUE = "min_abs_eigenvalue": F64, nullable;
    /// Fraction of eigenvalues < 0 (dense rows only: Lanczos finds the extremes, not the whole spectrum).
    NEGATIVE_FRACTION = "negative_fraction": F64, nullable;
    /// `true` on every row of a run that diverged later (its rows stop at the last checkpoint before that).
    RUN_DIVERGED = "run_diverged": Bool;
    /// Rank of the eigenvalue, 1 = largest.
    RANK = "rank": U64;
    /// The eigenvalue.
    EIGENVALUE = "eigenvalue": F64;
    /// Index of the residual unit (or plain layer) whose diagonal block of the Hessian the row describes, from 0.
    UNIT = "unit": U64;
}

/// [`HessianTrajectory::summary`]: one row per (run, checkpoint).
pub const SUMMARY_SCHEMA: Schema = Schema {
    name: "hessian_along_training.summary",
    columns: &[
        RUN,
        shared::LEARNING_RATE,
        shared::STEP,
        shared::LOSS,
        METHOD,
        shared::LAMBDA_MAX,
        shared::LAMBDA_MIN,
        MIN_ABS_EIGENVALUE,
        shared::CONDITION_NUMBER,
        shared::EFFECTIVE_CONDITION_NUMBER,
        NEGATIVE_FRACTION,
        RUN_DIVERGED,
    ],
};

/// [`HessianTrajectory::top_eigenvalues`]: one row per (run, checkpoint, rank).
pub const TOP_EIGENVALUES_SCHEMA: Schema = Schema {
    name: "hessian_along_training.top_eigenvalues",
    columns: &[RUN, shared::STEP, RANK, EIGENVALUE],
};

/// [`HessianTrajectory::unit_blocks`]: one row per (run, dense checkpoint, unit): the spectrum of that unit's
/// diagonal block of the Hessian (at `W = 0` with shortcut 2 the blocks carry the whole spectrum, ±σ_i(M) each).
pub const UNIT_BLOCKS_SCHEMA: Schema = Schema {
    name: "hessian_along_training.unit_blocks",
    columns: &[
        RUN,
        shared::STEP,
        UNIT,
        shared::LAMBDA_MAX,
        shared::LAMBDA_MIN,
        NEGATIVE_FRACTION,
    ],
};

/// How a checkpoint's spectrum was computed: the `method` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpectrumMethod {
    /// Dense eigendecomposition of the Hessian (exact by default, [`HessianOptions::method`]).
    Dense,
    /// Lanczos on Hessian-vector products (exact by default).
    Lanczos,
}

impl SpectrumMethod {
    /// `"dense"` or `"lanczos"`.
    pub fn label(&self) -> &'static str {
        match self {
            SpectrumMethod::Dense => "dense",
            SpectrumMethod::Lanczos => "lanczos",
        }
    }
}

/// The three tables of [`hessian_along_training`].
#[derive(Debug, Clone)]
pub struct HessianTrajectory {
    /// One row per (run, checkpoint): [`SUMMARY_SCHEMA`]. A diverged run stops contributing rows.
    pub summary: DataFrame,
    /// One row per (run, checkpoint, rank): [`TOP_EIGENVALUES_SCHEMA`].
    pub top_eigenvalues: DataFrame,
    /// One row per (run, dense checkpoint, unit): [`UNIT_BLOCKS_SCHEMA`] — each unit's diagonal Hessian block
    /// (none at Lanczos checkpoints: the blocks need the dense matrix).
    pub unit_blocks: DataFrame,
}

struct Checkpoint {
    run: String,
    learning_rate: f64,
    step: usize,
    loss: f64,
    dense: bool,
    lambda_max: f64,
    lambda_min: f64,
    min_abs: Option<f64>,
    cond: Option<f64>,
    eff_cond: Option<f64>,
    neg: Option<f64>,
    top: Vec<f64>,
    /// `(λ_max, λ_min, negative fraction)` of each unit's diagonal block (dense checkpoints only).
    units: Vec<(f64, f64, f64)>,
    run_diverged: bool,
}

fn trajectory(
    run: &TrajectoryRun,
    config: &HessianAlongTrainingConfig,
    data: &super::AnyDataset,
) -> Result<Vec<Checkpoint>> {
    let mut net = build_network(&run.network, &run.init, run.seed)?;
    let opts = config.hessian;
    let mut out: Vec<Checkpoint> = Vec::new();
    let mut step = 0;
    let mut learning_rate = config.train.learning_rate;
    loop {
        let loss = net.loss(data)?;
        let dense = run.network.num_params() <= config.dense_max_params;
        let cp = if dense {
            let h = net.hessian_at(data, &opts)?;
            let s = spectrum_of(h.matrix.as_ref(), None)?;
            let sum = s.summary(DEFAULT_RELATIVE_TOLERANCE);
            let units = unit_block_spectra(h.matrix.as_ref(), run.network.block_size())?
                .iter()
                .map(|b| (b.lambda_max(), b.lambda_min(), b.negative_fraction()))
                .collect();
            Checkpoint {
                run: run.label.clone(),
                learning_rate: 0.0,
                step,
                loss,
                dense,
                lambda_max: sum.lambda_max,
                lambda_min: sum.lambda_min,
                min_abs: Some(sum.min_abs),
                cond: sum.condition_number,
                eff_cond: sum.effective_condition_number,
                neg: Some(sum.negative_fraction),
                top: s.top(config.top_k),
                units,
                run_diverged: false,
            }
        } else {
            let op = net.hessian_operator(data, &opts)?;
            let top =
                extreme_eigenvalues(op.as_ref(), config.top_k, Which::Largest, &config.lanczos)?;
            let bottom = extreme_eigenvalues(op.as_ref(), 1, Which::Smallest, &config.lanczos)?;
            Checkpoint {
                run: run.label.clone(),
                learning_rate: 0.0,
                step,
                loss,
                dense,
                lambda_max: top.values.first().copied().unwrap_or(0.0),
                lambda_min: bottom.values.first().copied().unwrap_or(0.0),
                min_abs: None,
                cond: None,
                eff_cond: None,
                neg: None,
                top: top.values,
                units: Vec::new(),
                run_diverged: false,
            }
        };
        if step == 0 {
            learning_rate = run_learning_rate(config.train.learning_rate, cp.lambda_max);
        }
        out.push(Checkpoint {
            learning_rate,
            ..cp
        });
        if step >= config.train.steps {
            break;
        }
        let chunk = config.every.min(config.train.steps - step);
        let cfg = TrainConfig {
            learning_rate,
            steps: chunk,
            record_every: chunk,
            ..config.train.clone()
        };
        let h = net.train(data, &cfg)?;
        if let RunStatus::Diverged { .. } = h.status {
            out.iter_mut().for_each(|c| c.run_diverged = true);
            break;
        }
        step += chunk;
    }
    Ok(out)
}

/// Trains each run with gradient descent at its [`run_learning_rate`] and, every `every` steps, computes the
/// Hessian's spectrum (exact Hessian by default, [`HessianOptions::method`]: dense up to `dense_max_params`, else
/// the `top_k` largest and the smallest eigenvalue by Lanczos on Hessian-vector products). Runs are computed in
/// parallel.
pub fn hessian_along_training(config: &HessianAlongTrainingConfig) -> Result<HessianTrajectory> {
    ensure_nonempty("runs", &config.runs)?;
    config.train.validate()?;
    config.hessian.validate()?;
    ensure_positive_size("every", config.every)?;
    ensure_positive_size("top_k", config.top_k)?;
    let width = config.runs[0].network.width;
    for r in &config.runs {
        r.network.validate()?;
        r.init.validate()?;
        ensure_len(
            "run width (all runs share the data)",
            width,
            r.network.width,
        )?;
        let p = r.network.num_params();
        if p <= config.dense_max_params {
            config.hessian.ensure_dense_fits(
                "numeric Hessian and its spectrum",
                p,
                dense_spectrum_bytes(p),
            )?;
        }
    }
    let data = config.data.load(width)?;
    let progress = Progress::new("Hessian along training, runs", config.runs.len());
    let all = config
        .runs
        .par_iter()
        .map(|r| {
            let t = trajectory(r, config, &data);
            progress.tick();
            t
        })
        .collect::<Result<Vec<_>>>()?;
    progress.finish();
    let cps: Vec<&Checkpoint> = all.iter().flatten().collect();
    let method = |c: &Checkpoint| {
        if c.dense {
            SpectrumMethod::Dense
        } else {
            SpectrumMethod::Lanczos
        }
    };
    let summary = SUMMARY_SCHEMA.frame(vec![
        RUN.values(cps.iter().map(|c| c.run.clone()).collect::<Vec<_>>()),
        shared::LEARNING_RATE.values(cps.iter().map(|c| c.learning_rate).collect::<Vec<_>>()),
        shared::STEP.values(cps.iter().map(|c| count(c.step)).collect::<Vec<_>>()),
        shared::LOSS.values(cps.iter().map(|c| c.loss).collect::<Vec<_>>()),
        METHOD.values(cps.iter().map(|c| method(c).label()).collect::<Vec<_>>()),
        shared::LAMBDA_MAX.values(cps.iter().map(|c| c.lambda_max).collect::<Vec<_>>()),
        shared::LAMBDA_MIN.values(cps.iter().map(|c| c.lambda_min).collect::<Vec<_>>()),
        MIN_ABS_EIGENVALUE.values(cps.iter().map(|c| c.min_abs).collect::<Vec<_>>()),
        shared::CONDITION_NUMBER.values(cps.iter().map(|c| c.cond).collect::<Vec<_>>()),
        shared::EFFECTIVE_CONDITION_NUMBER
            .values(cps.iter().map(|c| c.eff_cond).collect::<Vec<_>>()),
        NEGATIVE_FRACTION.values(cps.iter().map(|c| c.neg).collect::<Vec<_>>()),
        RUN_DIVERGED.values(cps.iter().map(|c| c.run_diverged).collect::<Vec<_>>()),
    ])?;
    let mut t_run = vec![];
    let mut t_step = vec![];
    let mut t_rank = vec![];
    let mut t_val = vec![];
    for c in &cps {
        for (r, v) in c.top.iter().enumerate() {
            t_run.push(c.run.clone());
            t_step.push(count(c.step));
            t_rank.push(count(r + 1));
            t_val.push(*v);
        }
    }
    let top_eigenvalues = TOP_EIGENVALUES_SCHEMA.frame(vec![
        RUN.values(t_run),
        shared::STEP.values(t_step),
        RANK.values(t_rank),
        EIGENVALUE.values(t_val),
    ])?;
    let rows: Vec<(&Checkpoint, usize, &(f64, f64, f64))> = cps
        .iter()
        .flat_map(|c| c.units.iter().enumerate().map(move |(u, b)| (*c, u, b)))
        .collect();
    let unit_blocks = UNIT_BLOCKS_SCHEMA.frame(vec![
        RUN.values(rows.iter().map(|r| r.0.run.clone()).collect::<Vec<_>>()),
        shared::STEP.values(rows.iter().map(|r| count(r.0.step)).collect::<Vec<_>>()),
        UNIT.values(rows.iter().map(|r| count(r.1)).collect::<Vec<_>>()),
        shared::LAMBDA_MAX.values(rows.iter().map(|r| r.2 .0).collect::<Vec<_>>()),
        shared::LAMBDA_MIN.values(rows.iter().map(|r| r.2 .1).collect::<Vec<_>>()),
        NEGATIVE_FRACTION.values(rows.iter().map(|r| Some(r.2 .2)).collect::<Vec<_>>()),
    ])?;
    Ok(HessianTrajectory {
        summary,
        top_eigenvalues,
        unit_blocks,
    })
}

/// The claim of notebook 07 on the per-unit blocks of run `run` ([`HessianTrajectory::unit_blocks`]), for a
/// shortcut-2 run started near the zero point (`unit_blocks_start_at_zero_point`): at step 0 every unit's block
/// has `λ_max ≈ σ_max(M)` and `λ_min ≈ −σ_max(M)` (THEORY.md §2), within 1 % — `sigma_max` is `σ_max(M)` of the
/// run's data. `NotApplicable` without step-0 rows for `run`.
pub fn unit_block_claims(unit_blocks: &DataFrame, run: &str, sigma_max: f64) -> Result<Vec<Claim>> {
    let runs = RUN.strs(unit_blocks)?;
    let step = shared::STEP.f64s(unit_blocks)?;
    let hi = shared::LAMBDA_MAX.f64s(unit_blocks)?;
    let lo = shared::LAMBDA_MIN.f64s(unit_blocks)?;
    let (id, claim, criterion) = (
        "unit_blocks_start_at_zero_point",
        "Near the zero point every unit's Hessian block has the zero point's spectrum: its extremes are ±σ_max(M).",
        "at step 0, |λ_max − σ_max(M)| and |λ_min + σ_max(M)| ≤ 0.01·σ_max(M) for every unit",
    );
    let start: Vec<usize> = (0..unit_blocks.height())
        .filter(|&i| runs[i].as_deref() == Some(run) && step[i] == Some(0.0))
        .collect();
    if start.is_empty() {
        return Ok(vec![Claim::not_applicable(
            id,
            claim,
            criterion,
            "no step-0 unit blocks for this run",
        )]);
    }
    let worst = start
        .iter()
        .map(|&i| {
            let a = (hi[i].unwrap_or(f64::NAN) - sigma_max).abs();
            let b = (lo[i].unwrap_or(f64::NAN) + sigma_max).abs();
            a.max(b) / sigma_max
        })
        .fold(0.0f64, |m, v| if v.is_nan() { f64::NAN } else { m.max(v) });
    Ok(vec![Claim {
        id,
        claim: claim.into(),
        evidence: format!(
            "{} units at step 0; σ_max(M) = {}; largest relative deviation of a unit's extremes {}",
            start.len(),
            num(sigma_max),
            num(worst)
        ),
        criterion: criterion.into(),
        verdict: Verdict::from_bool(worst <= 0.01),
    }])
}

/// The claims of notebook 05 on the Hessian along training, checked on `summary` ([`SUMMARY_SCHEMA`]) of a run of
/// `config` (ids in brackets). The runs are found in `config` by architecture and initialisation: the shortcut-2
/// run from [`Init::SmallGaussian`] and the shortcut-2 run from [`Init::XavierNormal`].
///
/// - `n2_starts_at_strict_saddle`: at step 0 the small start sits at the zero point's strict saddle (THEORY.md
///   §2): negative fraction `½ ± 0.01` and `λ_min/λ_max = −1 ± 0.01`;
/// - `n2_negative_curvature_recedes`: as the loss falls, the negative curvature fades (a deep linear network has
///   no negative curvature at its minima): `|λ_min|` at the last checkpoint ≤ 0.01 · `|λ_min|` at step 0;
/// - `n2_negative_fraction_falls`: the fraction of negative eigenvalues at the last checkpoint is below its value
///   at step 0 (the evidence shows how far: most negative eigenvalues approach 0 rather than turning positive);
/// - `xavier_start_is_sharper`: the Xavier start's `λ_max(H(θ₀))` is at least 100 times the small start's, so its
///   stable learning rate (≈ `2/λ_max`) is at least 100 times smaller (THEORY.md §11).
///
/// A claim whose run is missing (or has no dense checkpoint for the fractions) is `NotApplicable`.
pub fn claims(summary: &DataFrame, config: &HessianAlongTrainingConfig) -> Result<Vec<Claim>> {
    let runs = RUN.strs(summary)?;
    let step = shared::STEP.f64s(summary)?;
    let loss = shared::LOSS.f64s(summary)?;
    let hi = shared::LAMBDA_MAX.f64s(summary)?;
    let lo = shared::LAMBDA_MIN.f64s(summary)?;
    let neg = NEGATIVE_FRACTION.f64s(summary)?;
    let rate = shared::LEARNING_RATE.f64s(summary)?;
    let label_of = |pick: fn(&Init) -> bool| {
        config
            .runs
            .iter()
            .find(|r| {
                r.network.architecture == crate::net::Architecture::Residual { shortcut: 2 }
                    && pick(&r.init)
            })
            .map(|r| r.label.clone())
    };
    let small = label_of(|i| matches!(i, Init::SmallGaussian { .. }));
    let xavier = label_of(|i| matches!(i, Init::XavierNormal));
    // Rows of one run, in step order.
    let rows_of = |label: &Option<String>| -> Vec<usize> {
        let mut rows: Vec<usize> = (0..summary.height())
            .filter(|&i| label.is_some() && runs[i] == *label)
            .collect();
        rows.sort_by(|&a, &b| {
            step[a]
                .partial_cmp(&step[b])
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        rows
    };
    let s_rows = rows_of(&small);
    let x_rows = rows_of(&xavier);
    let first_last = |rows: &[usize]| -> Option<(usize, usize)> {
        Some((*rows.first()?, *rows.last()?)).filter(|(a, b)| step[*a] == Some(0.0) && a != b)
    };
    let mut out = Vec::new();

    let (id, claim, criterion) = (
        "n2_starts_at_strict_saddle",
        "A small shortcut-2 start sits at the zero point's strict saddle: half of the curvature directions are negative, and the spectrum is symmetric.",
        "at step 0: negative fraction within 0.5 ± 0.01 and λ_min/λ_max within −1 ± 0.01",
    );
    out.push(match s_rows.first().filter(|&&i| step[i] == Some(0.0)) {
        Some(&i) => match (neg[i], hi[i], lo[i]) {
            (Some(f), Some(h), Some(l)) if h != 0.0 => Claim {
                id,
                claim: claim.into(),
                evidence: format!(
                    "step 0: negative fraction {}, λ_min = {}, λ_max = {}, ratio {}",
                    num(f),
                    num(l),
                    num(h),
                    num(l / h)
                ),
                criterion: criterion.into(),
                verdict: Verdict::from_bool((f - 0.5).abs() <= 0.01 && (l / h + 1.0).abs() <= 0.01),
            },
            _ => Claim::not_applicable(id, claim, criterion, "no dense spectrum at step 0"),
        },
        None => Claim::not_applicable(
            id,
            claim,
            criterion,
            "no shortcut-2 small-init run at step 0",
        ),
    });

    // A claim comparing `values` at step 0 and at the last checkpoint of the small shortcut-2 run.
    let ends = |(id, claim, criterion): (&'static str, &str, &str),
                values: &[Option<f64>],
                name: &str,
                accept: &dyn Fn(f64, f64) -> bool| {
        match first_last(&s_rows) {
            Some((a, b)) => match (values[a], values[b]) {
                (Some(v0), Some(v1)) => Claim {
                    id,
                    claim: claim.into(),
                    evidence: format!(
                        "step 0: {name} = {}, loss {}; step {}: {name} = {}, loss {}",
                        num(v0),
                        loss[a].map_or("?".into(), num),
                        step[b].unwrap_or(0.0),
                        num(v1),
                        loss[b].map_or("?".into(), num),
                    ),
                    criterion: criterion.into(),
                    verdict: Verdict::from_bool(accept(v0, v1)),
                },
                _ => {
                    Claim::not_applicable(id, claim, criterion, &format!("no {name} at both ends"))
                }
            },
            None => Claim::not_applicable(
                id,
                claim,
                criterion,
                "the run has fewer than two checkpoints",
            ),
        }
    };
    out.push(ends(
        (
            "n2_negative_curvature_recedes",
            "As the small shortcut-2 start fits the data, its negative curvature fades: the most negative eigenvalue shrinks towards 0.",
            "|λ_min| at the last checkpoint ≤ 0.01 · |λ_min| at step 0",
        ),
        &lo,
        "λ_min",
        &|l0, l1| l0 != 0.0 && l1.abs() <= 0.01 * l0.abs(),
    ));
    out.push(ends(
        (
            "n2_negative_fraction_falls",
            "Along the small shortcut-2 run, the fraction of negative eigenvalues falls below its starting half.",
            "negative fraction at the last checkpoint < negative fraction at step 0",
        ),
        &neg,
        "negative fraction",
        &|f0, f1| f1 < f0,
    ));

    let (id, claim, criterion) = (
        "xavier_start_is_sharper",
        "A Xavier start of the same shortcut-2 network is far sharper than the small start, so it needs a far smaller learning rate.",
        "λ_max(H(θ₀)) of the Xavier start ≥ 100 · λ_max(H(θ₀)) of the small start",
    );
    out.push(match (s_rows.first(), x_rows.first()) {
        (Some(&a), Some(&b)) if step[a] == Some(0.0) && step[b] == Some(0.0) => {
            match (hi[a], hi[b]) {
                (Some(hs), Some(hx)) => Claim {
                    id,
                    claim: claim.into(),
                    evidence: format!(
                        "λ_max(H(θ₀)): small {}, Xavier {} (ratio {}); learning rates used, η = min(η_max, 1/λ_max): {} and {}",
                        num(hs),
                        num(hx),
                        num(hx / hs),
                        rate[a].map_or("?".into(), num),
                        rate[b].map_or("?".into(), num),
                    ),
                    criterion: criterion.into(),
                    verdict: Verdict::from_bool(hs > 0.0 && hx >= 100.0 * hs),
                },
                _ => Claim::not_applicable(id, claim, criterion, "no λ_max at step 0"),
            }
        }
        _ => Claim::not_applicable(id, claim, criterion, "the small or the Xavier run is missing"),
    });
    Ok(out)
}
