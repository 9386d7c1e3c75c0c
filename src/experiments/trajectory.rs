//! Experiment 4: the Hessian along the learning process — every `k` steps of gradient descent, the spectrum
//! summary and the top eigenvalues (dense up to a documented size, Lanczos above it).

use polars::prelude::DataFrame;
use rayon::prelude::*;

use super::network::{build_network, DataSpec, NetworkSpec};
use super::{col, count, ensure_nonempty, frame};
use crate::error::{ensure_len, ensure_positive, ensure_positive_size, Result};
use crate::hessian::lanczos::{extreme_eigenvalues, LanczosOptions, Which};
use crate::hessian::spectrum::DEFAULT_RELATIVE_TOLERANCE;
use crate::hessian::{spectrum_of, HessianOptions};
use crate::net::Init;
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
/// (ε = 1e-3), shortcut 2 from Xavier, shortcut 1 from small init, all at depth 8; GD with η = 0.05 for 300 steps,
/// the Hessian every 20 steps; top 5 eigenvalues; dense up to 1024 parameters, Lanczos (full reorthogonalisation,
/// 80 steps) above.
#[derive(Debug, Clone, PartialEq)]
pub struct HessianAlongTrainingConfig {
    /// The data.
    pub data: DataSpec,
    /// The trajectories (all on the same data; widths must match the data's).
    pub runs: Vec<TrajectoryRun>,
    /// Gradient-descent learning rate.
    pub learning_rate: f64,
    /// Total steps.
    pub steps: usize,
    /// Compute the Hessian every this many steps (and at step 0 and the end).
    pub every: usize,
    /// How many of the largest eigenvalues to report.
    pub top_k: usize,
    /// Dense eigendecomposition up to this many parameters, Lanczos above.
    pub dense_max_params: usize,
    /// Lanczos settings for large networks.
    pub lanczos: LanczosOptions,
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
            learning_rate: 0.05,
            steps: 300,
            every: 20,
            top_k: 5,
            dense_max_params: 1024,
            lanczos: LanczosOptions {
                max_steps: 80,
                ..Default::default()
            },
        }
    }
}

impl HessianAlongTrainingConfig {
    /// A smaller version (width 2, depth 4, 60 steps, every 20), same code path.
    pub fn quick() -> Self {
        let mut c = Self {
            steps: 60,
            ..Self::default()
        };
        for r in &mut c.runs {
            r.network.width = 2;
            r.network.depth = 4;
        }
        c
    }
}

/// The two tables of [`hessian_along_training`].
#[derive(Debug, Clone)]
pub struct HessianTrajectory {
    /// One row per (run, checkpoint): `run` (str), `step` (u64), `loss` (f64), `method` (`"dense"`/`"lanczos"`),
    /// `lambda_max`, `lambda_min` (f64), `min_abs_eigenvalue`, `condition_number`, `effective_condition_number`,
    /// `negative_fraction` (f64?, dense only: Lanczos finds the extremes, not the whole spectrum), `status` (str:
    /// how the run stood at that point; a diverged run stops contributing rows).
    pub summary: DataFrame,
    /// One row per (run, checkpoint, rank): `run`, `step`, `rank` (u64, 1 = largest), `eigenvalue` (f64).
    pub top_eigenvalues: DataFrame,
}

struct Checkpoint {
    run: String,
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
    run_diverged: bool,
}

fn trajectory(
    run: &TrajectoryRun,
    config: &HessianAlongTrainingConfig,
    data: &super::AnyDataset,
) -> Result<Vec<Checkpoint>> {
    let mut net = build_network(&run.network, &run.init, run.seed)?;
    let opts = HessianOptions::default();
    let mut out = Vec::new();
    let mut step = 0;
    loop {
        let loss = net.loss(data)?;
        let dense = run.network.num_params() <= config.dense_max_params;
        let cp = if dense {
            let h = net.numeric_hessian(data, &opts)?;
            let s = spectrum_of(h.matrix.as_ref(), None)?;
            let sum = s.summary(DEFAULT_RELATIVE_TOLERANCE);
            Checkpoint {
                run: run.label.clone(),
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
                run_diverged: false,
            }
        } else {
            let op = net.hessian_operator(data, &opts)?;
            let top =
                extreme_eigenvalues(op.as_ref(), config.top_k, Which::Largest, &config.lanczos)?;
            let bottom = extreme_eigenvalues(op.as_ref(), 1, Which::Smallest, &config.lanczos)?;
            Checkpoint {
                run: run.label.clone(),
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
                run_diverged: false,
            }
        };
        out.push(cp);
        if step >= config.steps {
            break;
        }
        let chunk = config.every.min(config.steps - step);
        let cfg = TrainConfig {
            learning_rate: config.learning_rate,
            steps: chunk,
            record_every: chunk,
            ..Default::default()
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

/// Trains each run with gradient descent and, every `every` steps, computes the numeric Hessian's spectrum
/// (dense up to `dense_max_params`, else the `top_k` largest and the smallest eigenvalue by Lanczos on the
/// finite-difference Hessian-vector product). Runs are computed in parallel.
pub fn hessian_along_training(config: &HessianAlongTrainingConfig) -> Result<HessianTrajectory> {
    ensure_nonempty("runs", &config.runs)?;
    ensure_positive("learning_rate", config.learning_rate)?;
    ensure_positive_size("steps", config.steps)?;
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
    }
    let data = config.data.load(width)?;
    let all = config
        .runs
        .par_iter()
        .map(|r| trajectory(r, config, &data))
        .collect::<Result<Vec<_>>>()?;
    let cps: Vec<&Checkpoint> = all.iter().flatten().collect();
    let summary = frame(vec![
        col("run", cps.iter().map(|c| c.run.clone()).collect::<Vec<_>>()),
        col(
            "step",
            cps.iter().map(|c| count(c.step)).collect::<Vec<_>>(),
        ),
        col("loss", cps.iter().map(|c| c.loss).collect::<Vec<_>>()),
        col(
            "method",
            cps.iter()
                .map(|c| if c.dense { "dense" } else { "lanczos" })
                .collect::<Vec<_>>(),
        ),
        col(
            "lambda_max",
            cps.iter().map(|c| c.lambda_max).collect::<Vec<_>>(),
        ),
        col(
            "lambda_min",
            cps.iter().map(|c| c.lambda_min).collect::<Vec<_>>(),
        ),
        col(
            "min_abs_eigenvalue",
            cps.iter().map(|c| c.min_abs).collect::<Vec<_>>(),
        ),
        col(
            "condition_number",
            cps.iter().map(|c| c.cond).collect::<Vec<_>>(),
        ),
        col(
            "effective_condition_number",
            cps.iter().map(|c| c.eff_cond).collect::<Vec<_>>(),
        ),
        col(
            "negative_fraction",
            cps.iter().map(|c| c.neg).collect::<Vec<_>>(),
        ),
        col(
            "run_diverged",
            cps.iter().map(|c| c.run_diverged).collect::<Vec<_>>(),
        ),
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
    let top_eigenvalues = frame(vec![
        col("run", t_run),
        col("step", t_step),
        col("rank", t_rank),
        col("eigenvalue", t_val),
    ])?;
    Ok(HessianTrajectory {
        summary,
        top_eigenvalues,
    })
}
