//! Experiment 4: the Hessian along the learning process — every `k` steps of gradient descent, the spectrum
//! summary and the top eigenvalues (dense up to a documented size, Lanczos above it).

use polars::prelude::DataFrame;
use rayon::prelude::*;

use super::analysis::{analysis, Analysis};
use super::checked::{Checked, Validate};
use super::claims::{num, Claim, Verdict};
use super::network::{build_network, DataSpec, NetworkSpec};
use super::schema::{columns, shared, table};
use super::{count, ensure_nonempty};
use crate::error::{ensure_len, ensure_positive_size, Result};
use crate::hessian::blocks::unit_block_spectra;
use crate::hessian::lanczos::{extreme_eigenvalues, LanczosOptions, Which};
use crate::hessian::spectrum::DEFAULT_RELATIVE_TOLERANCE;
use crate::hessian::{dense_spectrum_bytes, spectrum_of, HessianOptions};
use crate::hessian::theory::singular_values;
use crate::net::{Architecture, Init};
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

table! {
    /// [`HessianTrajectory::summary_frame`]: one row per (run, checkpoint).
    pub SUMMARY_SCHEMA = "hessian_along_training.summary";
    fn summary_frame((&RunTrajectory, &Checkpoint)) {
        RUN => |r| r.0.run.label.clone(),
        shared::LEARNING_RATE => |r| r.0.learning_rate,
        shared::STEP => |r| count(r.1.step),
        shared::LOSS => |r| r.1.loss,
        METHOD => |r| r.1.method.label(),
        shared::LAMBDA_MAX => |r| r.1.lambda_max,
        shared::LAMBDA_MIN => |r| r.1.lambda_min,
        MIN_ABS_EIGENVALUE => |r| r.1.min_abs_eigenvalue,
        shared::CONDITION_NUMBER => |r| r.1.condition_number,
        shared::EFFECTIVE_CONDITION_NUMBER => |r| r.1.effective_condition_number,
        NEGATIVE_FRACTION => |r| r.1.negative_fraction,
        RUN_DIVERGED => |r| r.0.diverged,
    }
}

table! {
    /// [`HessianTrajectory::top_eigenvalues_frame`]: one row per (run, checkpoint, rank).
    pub TOP_EIGENVALUES_SCHEMA = "hessian_along_training.top_eigenvalues";
    fn top_eigenvalues_frame((&RunTrajectory, &Checkpoint, usize)) {
        RUN => |r| r.0.run.label.clone(),
        shared::STEP => |r| count(r.1.step),
        RANK => |r| count(r.2 + 1),
        EIGENVALUE => |r| r.1.top_eigenvalues[r.2],
    }
}

table! {
    /// [`HessianTrajectory::unit_blocks_frame`]: one row per (run, dense checkpoint, unit): the spectrum of that
    /// unit's diagonal block of the Hessian (at `W = 0` with shortcut 2 the blocks carry the whole spectrum,
    /// ±σ_i(M) each).
    pub UNIT_BLOCKS_SCHEMA = "hessian_along_training.unit_blocks";
    fn unit_blocks_frame((&RunTrajectory, &Checkpoint, &UnitBlock)) {
        RUN => |r| r.0.run.label.clone(),
        shared::STEP => |r| count(r.1.step),
        UNIT => |r| count(r.2.unit),
        shared::LAMBDA_MAX => |r| r.2.lambda_max,
        shared::LAMBDA_MIN => |r| r.2.lambda_min,
        NEGATIVE_FRACTION => |r| Some(r.2.negative_fraction),
    }
}

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

/// The spectrum of one unit's diagonal block of the Hessian.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitBlock {
    /// Index of the residual unit (or plain layer), from 0.
    pub unit: usize,
    /// The block's largest eigenvalue.
    pub lambda_max: f64,
    /// The block's smallest eigenvalue.
    pub lambda_min: f64,
    /// Fraction of the block's eigenvalues < 0.
    pub negative_fraction: f64,
}

/// The Hessian at one checkpoint of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// Gradient-descent steps taken.
    pub step: usize,
    /// The loss there.
    pub loss: f64,
    /// Dense eigendecomposition or Lanczos.
    pub method: SpectrumMethod,
    /// λ_max.
    pub lambda_max: f64,
    /// λ_min.
    pub lambda_min: f64,
    /// min|λ| (dense only).
    pub min_abs_eigenvalue: Option<f64>,
    /// max|λ| / min|λ| (dense only; `None` when some eigenvalue is 0).
    pub condition_number: Option<f64>,
    /// max|λ| / min{|λ| > 1e-9·max|λ|} (dense only).
    pub effective_condition_number: Option<f64>,
    /// Fraction of eigenvalues < 0 (dense only: Lanczos finds the extremes, not the whole spectrum).
    pub negative_fraction: Option<f64>,
    /// The `top_k` largest eigenvalues, descending.
    pub top_eigenvalues: Vec<f64>,
    /// Each unit's diagonal block (dense checkpoints only: the blocks need the dense matrix).
    pub unit_blocks: Vec<UnitBlock>,
}

/// One run along training: what was trained, the learning rate it used ([`run_learning_rate`]), whether it
/// diverged (its checkpoints then stop at the last one before that), and its checkpoints in step order.
#[derive(Debug, Clone, PartialEq)]
pub struct RunTrajectory {
    /// The run as configured.
    pub run: TrajectoryRun,
    /// `η = min(η_max, 1/λ_max(H(θ₀)))`.
    pub learning_rate: f64,
    /// `true` when the run diverged.
    pub diverged: bool,
    /// Every `every` steps, and at step 0 and the end.
    pub checkpoints: Vec<Checkpoint>,
}

impl RunTrajectory {
    /// The checkpoint at step 0 (`None` when there is none).
    pub fn start(&self) -> Option<&Checkpoint> {
        self.checkpoints.first().filter(|c| c.step == 0)
    }
    /// `true` for a shortcut-2 run from a small Gaussian start.
    pub fn is_small_shortcut_two(&self) -> bool {
        self.run.network.architecture == Architecture::Residual { shortcut: 2 }
            && matches!(self.run.init, Init::SmallGaussian { .. })
    }
}

/// A per-checkpoint quantity that [`crate::report::trajectory_figure`] plots against the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrajectoryMeasure {
    /// The loss.
    Loss,
    /// λ_max.
    LambdaMax,
    /// max|λ| / min{|λ| > 1e-9·max|λ|}.
    EffectiveConditionNumber,
    /// Fraction of eigenvalues < 0.
    NegativeFraction,
}

impl TrajectoryMeasure {
    /// Its value at a checkpoint (`None` where the method does not give it).
    pub fn value(&self, c: &Checkpoint) -> Option<f64> {
        match self {
            TrajectoryMeasure::Loss => Some(c.loss),
            TrajectoryMeasure::LambdaMax => Some(c.lambda_max),
            TrajectoryMeasure::EffectiveConditionNumber => c.effective_condition_number,
            TrajectoryMeasure::NegativeFraction => c.negative_fraction,
        }
    }
    /// An axis label.
    pub fn label(&self) -> &'static str {
        match self {
            TrajectoryMeasure::Loss => "loss",
            TrajectoryMeasure::LambdaMax => "λ_max",
            TrajectoryMeasure::EffectiveConditionNumber => {
                "effective condition number (|λ| > 1e-9·max|λ|)"
            }
            TrajectoryMeasure::NegativeFraction => "fraction of negative eigenvalues",
        }
    }
    /// Whether the axis is logarithmic (ratios and losses).
    pub fn log_axis(&self) -> bool {
        matches!(
            self,
            TrajectoryMeasure::Loss | TrajectoryMeasure::EffectiveConditionNumber
        )
    }
}

/// The result of [`hessian_along_training`]: the config, σ_max(M) of its data, and one [`RunTrajectory`] per
/// configured run.
#[derive(Debug, Clone)]
pub struct HessianTrajectory {
    /// The config of the run.
    pub config: HessianAlongTrainingConfig,
    /// σ_max(M) of the data: the zero point's block extremes are ±σ_max(M) (THEORY.md §2).
    pub sigma_max: f64,
    /// One entry per configured run.
    pub runs: Vec<RunTrajectory>,
}

impl HessianTrajectory {
    /// The first shortcut-2 run from a small Gaussian start (the one the claims follow).
    pub fn small_shortcut_two(&self) -> Option<&RunTrajectory> {
        self.runs.iter().find(|r| r.is_small_shortcut_two())
    }
    /// One row per (run, checkpoint) ([`SUMMARY_SCHEMA`]), for display and CSV.
    pub fn summary_frame(&self) -> Result<DataFrame> {
        let rows: Vec<(&RunTrajectory, &Checkpoint)> = self
            .runs
            .iter()
            .flat_map(|r| r.checkpoints.iter().map(move |c| (r, c)))
            .collect();
        summary_frame(&rows)
    }
    /// One row per (run, checkpoint, rank) ([`TOP_EIGENVALUES_SCHEMA`]), for display and CSV.
    pub fn top_eigenvalues_frame(&self) -> Result<DataFrame> {
        let rows: Vec<(&RunTrajectory, &Checkpoint, usize)> = self
            .runs
            .iter()
            .flat_map(|r| {
                r.checkpoints
                    .iter()
                    .flat_map(move |c| (0..c.top_eigenvalues.len()).map(move |k| (r, c, k)))
            })
            .collect();
        top_eigenvalues_frame(&rows)
    }
    /// One row per (run, dense checkpoint, unit) ([`UNIT_BLOCKS_SCHEMA`]) at the checkpoints `keep` accepts, for
    /// display and CSV.
    fn unit_blocks_where(&self, keep: &dyn Fn(&RunTrajectory, &Checkpoint) -> bool) -> Result<DataFrame> {
        let rows: Vec<(&RunTrajectory, &Checkpoint, &UnitBlock)> = self
            .runs
            .iter()
            .flat_map(|r| {
                r.checkpoints
                    .iter()
                    .filter(move |c| keep(r, c))
                    .flat_map(move |c| c.unit_blocks.iter().map(move |b| (r, c, b)))
            })
            .collect();
        unit_blocks_frame(&rows)
    }
    /// Every run's unit blocks at every dense checkpoint ([`UNIT_BLOCKS_SCHEMA`]).
    pub fn unit_blocks_frame(&self) -> Result<DataFrame> {
        self.unit_blocks_where(&|_, _| true)
    }
    /// Every run's unit blocks at its last dense checkpoint ([`UNIT_BLOCKS_SCHEMA`]).
    pub fn last_unit_blocks_frame(&self) -> Result<DataFrame> {
        self.unit_blocks_where(&|r, c| {
            r.checkpoints
                .iter()
                .rev()
                .find(|x| !x.unit_blocks.is_empty())
                .is_some_and(|last| last.step == c.step)
        })
    }
}

fn checkpoint(
    net: &dyn super::DynNetwork,
    run: &TrajectoryRun,
    config: &HessianAlongTrainingConfig,
    data: &super::AnyDataset,
    step: usize,
) -> Result<Checkpoint> {
    let opts = config.hessian;
    let loss = net.loss(data)?;
    if run.network.num_params() <= config.dense_max_params {
        let h = net.hessian_at(data, &opts)?;
        let s = spectrum_of(h.matrix.as_ref(), None)?;
        let sum = s.summary(DEFAULT_RELATIVE_TOLERANCE);
        let unit_blocks = unit_block_spectra(h.matrix.as_ref(), run.network.block_size())?
            .iter()
            .enumerate()
            .map(|(unit, b)| UnitBlock {
                unit,
                lambda_max: b.lambda_max(),
                lambda_min: b.lambda_min(),
                negative_fraction: b.negative_fraction(),
            })
            .collect();
        Ok(Checkpoint {
            step,
            loss,
            method: SpectrumMethod::Dense,
            lambda_max: sum.lambda_max,
            lambda_min: sum.lambda_min,
            min_abs_eigenvalue: Some(sum.min_abs),
            condition_number: sum.condition_number,
            effective_condition_number: sum.effective_condition_number,
            negative_fraction: Some(sum.negative_fraction),
            top_eigenvalues: s.top(config.top_k),
            unit_blocks,
        })
    } else {
        let op = net.hessian_operator(data, &opts)?;
        let top = extreme_eigenvalues(op.as_ref(), config.top_k, Which::Largest, &config.lanczos)?;
        let bottom = extreme_eigenvalues(op.as_ref(), 1, Which::Smallest, &config.lanczos)?;
        Ok(Checkpoint {
            step,
            loss,
            method: SpectrumMethod::Lanczos,
            lambda_max: top.values.first().copied().unwrap_or(0.0),
            lambda_min: bottom.values.first().copied().unwrap_or(0.0),
            min_abs_eigenvalue: None,
            condition_number: None,
            effective_condition_number: None,
            negative_fraction: None,
            top_eigenvalues: top.values,
            unit_blocks: Vec::new(),
        })
    }
}

fn trajectory(
    run: &TrajectoryRun,
    config: &HessianAlongTrainingConfig,
    data: &super::AnyDataset,
) -> Result<RunTrajectory> {
    let mut net = build_network(&run.network, &run.init, run.seed)?;
    let mut out = RunTrajectory {
        run: run.clone(),
        learning_rate: config.train.learning_rate,
        diverged: false,
        checkpoints: Vec::new(),
    };
    let mut step = 0;
    loop {
        let cp = checkpoint(net.as_ref(), run, config, data, step)?;
        if step == 0 {
            out.learning_rate = run_learning_rate(config.train.learning_rate, cp.lambda_max);
        }
        out.checkpoints.push(cp);
        if step >= config.train.steps {
            break;
        }
        let chunk = config.every.min(config.train.steps - step);
        let cfg = TrainConfig {
            learning_rate: out.learning_rate,
            steps: chunk,
            record_every: chunk,
            ..config.train.clone()
        };
        let h = net.train(data, &cfg)?;
        if let RunStatus::Diverged { .. } = h.status {
            out.diverged = true;
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
    config.check_and_run()
}

impl Validate for HessianAlongTrainingConfig {
    /// At least one run, all of one width, valid training and Hessian settings, `every` and `top_k` ≥ 1, and
    /// every dense Hessian within the size limit.
    fn validate(&self) -> Result<()> {
        ensure_nonempty("runs", &self.runs)?;
        self.train.validate()?;
        self.hessian.validate()?;
        ensure_positive_size("every", self.every)?;
        ensure_positive_size("top_k", self.top_k)?;
        let width = self.runs[0].network.width;
        for r in &self.runs {
            r.network.validate()?;
            r.init.validate()?;
            ensure_len(
                "run width (all runs share the data)",
                width,
                r.network.width,
            )?;
            let p = r.network.num_params();
            if p <= self.dense_max_params {
                self.hessian.ensure_dense_fits(
                    "numeric Hessian and its spectrum",
                    p,
                    dense_spectrum_bytes(p),
                )?;
            }
        }
        Ok(())
    }
}

analysis!(HessianAlongTrainingConfig => HessianTrajectory);

/// [`hessian_along_training`] on a config that has passed validation.
pub(crate) fn run_checked(config: &Checked<HessianAlongTrainingConfig>) -> Result<HessianTrajectory> {
    let data = config.data.load(config.runs[0].network.width)?;
    let progress = Progress::new("Hessian along training, runs", config.runs.len());
    let runs = config
        .runs
        .par_iter()
        .map(|r| {
            let t = trajectory(r, config, &data);
            progress.tick();
            t
        })
        .collect::<Result<Vec<_>>>()?;
    progress.finish();
    let sigma_max = singular_values(&data.moments().m)?
        .first()
        .copied()
        .unwrap_or(0.0);
    Ok(HessianTrajectory {
        config: config.inner().clone(),
        sigma_max,
        runs,
    })
}

/// The claim of notebook 07 on the per-unit blocks of the first shortcut-2 run from a small start
/// ([`HessianTrajectory::small_shortcut_two`]; `unit_blocks_start_at_zero_point`): at step 0 every unit's block
/// has `λ_max ≈ σ_max(M)` and `λ_min ≈ −σ_max(M)` (THEORY.md §2), within 1 %, with `σ_max(M)` of the run's data.
/// `NotApplicable` without such a run, or without unit blocks at its step 0.
pub fn unit_block_claims(result: &HessianTrajectory) -> Result<Vec<Claim>> {
    let sigma_max = result.sigma_max;
    let (id, claim, criterion) = (
        "unit_blocks_start_at_zero_point",
        "Near the zero point every unit's Hessian block has the zero point's spectrum: its extremes are ±σ_max(M).",
        "at step 0, |λ_max − σ_max(M)| and |λ_min + σ_max(M)| ≤ 0.01·σ_max(M) for every unit",
    );
    let run = result.small_shortcut_two();
    let blocks = run
        .and_then(RunTrajectory::start)
        .map(|c| c.unit_blocks.as_slice())
        .unwrap_or_default();
    if blocks.is_empty() {
        return Ok(vec![Claim::not_applicable(
            id,
            claim,
            criterion,
            "no step-0 unit blocks of a shortcut-2 run from a small start",
        )]);
    }
    let worst = blocks
        .iter()
        .map(|b| {
            let a = (b.lambda_max - sigma_max).abs();
            let c = (b.lambda_min + sigma_max).abs();
            a.max(c) / sigma_max
        })
        .fold(0.0f64, |m, v| if v.is_nan() { f64::NAN } else { m.max(v) });
    Ok(vec![Claim {
        id,
        claim: claim.into(),
        evidence: format!(
            "{} units at step 0 (D = {}); σ_max(M) = {}; largest relative deviation of a unit's extremes {}",
            blocks.len(),
            run.map_or(0, |r| r.run.network.width),
            num(sigma_max),
            num(worst)
        ),
        criterion: criterion.into(),
        verdict: Verdict::from_bool(worst <= 0.01),
    }])
}

/// The claims of notebook 05 on the Hessian along training, checked on the result of [`hessian_along_training`]
/// (ids in brackets). The runs are found by network and initialisation: the shortcut-2 run from
/// [`Init::SmallGaussian`] and the shortcut-2 run from [`Init::XavierNormal`].
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
pub fn claims(result: &HessianTrajectory) -> Result<Vec<Claim>> {
    let small = result.small_shortcut_two();
    let xavier = result.runs.iter().find(|r| {
        r.run.network.architecture == Architecture::Residual { shortcut: 2 }
            && matches!(r.run.init, Init::XavierNormal)
    });
    let mut out = Vec::new();

    let (id, claim, criterion) = (
        "n2_starts_at_strict_saddle",
        "A small shortcut-2 start sits at the zero point's strict saddle: half of the curvature directions are negative, and the spectrum is symmetric.",
        "at step 0: negative fraction within 0.5 ± 0.01 and λ_min/λ_max within −1 ± 0.01",
    );
    out.push(match small.and_then(RunTrajectory::start) {
        Some(c) => match c.negative_fraction {
            Some(f) if c.lambda_max != 0.0 => {
                let (h, l) = (c.lambda_max, c.lambda_min);
                Claim {
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
                    verdict: Verdict::from_bool(
                        (f - 0.5).abs() <= 0.01 && (l / h + 1.0).abs() <= 0.01,
                    ),
                }
            }
            _ => Claim::not_applicable(id, claim, criterion, "no dense spectrum at step 0"),
        },
        None => Claim::not_applicable(
            id,
            claim,
            criterion,
            "no shortcut-2 small-init run at step 0",
        ),
    });

    // The small shortcut-2 run's first (step 0) and last checkpoints, when it has two.
    let ends = small
        .and_then(|r| Some((r.start()?, r.checkpoints.last()?)))
        .filter(|(a, b)| a.step != b.step);
    // A claim comparing a value at step 0 and at the last checkpoint of the small shortcut-2 run.
    let compare_ends = |(id, claim, criterion): (&'static str, &str, &str),
                        value: &dyn Fn(&Checkpoint) -> Option<f64>,
                        name: &str,
                        accept: &dyn Fn(f64, f64) -> bool| {
        match ends {
            Some((a, b)) => match (value(a), value(b)) {
                (Some(v0), Some(v1)) => Claim {
                    id,
                    claim: claim.into(),
                    evidence: format!(
                        "step 0: {name} = {}, loss {}; step {}: {name} = {}, loss {}",
                        num(v0),
                        num(a.loss),
                        b.step,
                        num(v1),
                        num(b.loss),
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
    out.push(compare_ends(
        (
            "n2_negative_curvature_recedes",
            "As the small shortcut-2 start fits the data, its negative curvature fades: the most negative eigenvalue shrinks towards 0.",
            "|λ_min| at the last checkpoint ≤ 0.01 · |λ_min| at step 0",
        ),
        &|c| Some(c.lambda_min),
        "λ_min",
        &|l0, l1| l0 != 0.0 && l1.abs() <= 0.01 * l0.abs(),
    ));
    out.push(compare_ends(
        (
            "n2_negative_fraction_falls",
            "Along the small shortcut-2 run, the fraction of negative eigenvalues falls below its starting half.",
            "negative fraction at the last checkpoint < negative fraction at step 0",
        ),
        &|c| c.negative_fraction,
        "negative fraction",
        &|f0, f1| f1 < f0,
    ));

    let (id, claim, criterion) = (
        "xavier_start_is_sharper",
        "A Xavier start of the same shortcut-2 network is far sharper than the small start, so it needs a far smaller learning rate.",
        "λ_max(H(θ₀)) of the Xavier start ≥ 100 · λ_max(H(θ₀)) of the small start",
    );
    fn start_of(r: Option<&RunTrajectory>) -> Option<(&RunTrajectory, &Checkpoint)> {
        r.and_then(|r| Some((r, r.start()?)))
    }
    out.push(match (start_of(small), start_of(xavier)) {
        (Some((rs, s)), Some((rx, x))) => {
            let (hs, hx) = (s.lambda_max, x.lambda_max);
            Claim {
                id,
                claim: claim.into(),
                evidence: format!(
                    "λ_max(H(θ₀)): small {}, Xavier {} (ratio {}); learning rates used, η = min(η_max, 1/λ_max): {} and {}",
                    num(hs),
                    num(hx),
                    num(hx / hs),
                    num(rs.learning_rate),
                    num(rx.learning_rate),
                ),
                criterion: criterion.into(),
                verdict: Verdict::from_bool(hs > 0.0 && hx >= 100.0 * hs),
            }
        }
        _ => Claim::not_applicable(id, claim, criterion, "the small or the Xavier run is missing"),
    });
    Ok(out)
}
