//! Experiment 5: escaping the zero point. Exact zero is a fixed point for shortcut depth ≥ 2, so training starts
//! from small random weights `N(0, ε²)`; the number of GD steps until the loss has dropped by a fixed fraction
//! grows like `log(1/ε)` for shortcut 2 and like `ε^−(n−2)` for shortcut `n ≥ 3` (THEORY.md, "Escaping").

use polars::prelude::DataFrame;
use rayon::prelude::*;

use super::network::{build_network, DataSpec, NetworkSpec};
use super::{col, count, ensure_nonempty, frame};
use crate::error::{ensure_positive, ensure_positive_size, Error, Result};
use crate::hessian::theory::singular_values;
use crate::net::Init;
use crate::train::{RunStatus, TrainConfig};

/// Settings of [`escape_times`]. `Default`: width 4, the default teacher, shortcut depths 2 and 3 at depth 4,
/// ε ∈ {1e-1, 3e-2, 1e-2, 3e-3, 1e-3}, seeds 0–2, GD with η = 0.1, at most 20 000 steps, "escaped" when the
/// loss is ≤ (1 − 0.5)·ℓ(0).
#[derive(Debug, Clone, PartialEq)]
pub struct EscapeConfig {
    /// Width `D`.
    pub width: usize,
    /// The data.
    pub data: DataSpec,
    /// Shortcut depths (≥ 2; shortcut 1 starts with a non-zero gradient and has nothing to escape).
    pub shortcuts: Vec<usize>,
    /// Number of units.
    pub depth: usize,
    /// Initial scales ε > 0.
    pub epsilons: Vec<f64>,
    /// Seeds of the initial weights.
    pub seeds: Vec<u64>,
    /// GD learning rate.
    pub learning_rate: f64,
    /// Runs that have not escaped after this many steps are reported as censored.
    pub max_steps: usize,
    /// Escape = the loss has fallen to `(1 − drop_fraction)·ℓ(0)`; in (0, 1).
    pub drop_fraction: f64,
}

impl Default for EscapeConfig {
    fn default() -> Self {
        Self {
            width: 4,
            data: DataSpec::default(),
            shortcuts: vec![2, 3],
            depth: 4,
            epsilons: vec![1e-1, 3e-2, 1e-2, 3e-3, 1e-3],
            seeds: vec![0, 1, 2],
            learning_rate: 0.1,
            max_steps: 20_000,
            drop_fraction: 0.5,
        }
    }
}

impl EscapeConfig {
    /// A smaller version (width 2, three ε, one seed, 5000 steps at most), same code path.
    pub fn quick() -> Self {
        Self {
            width: 2,
            epsilons: vec![1e-1, 1e-2, 1e-3],
            seeds: vec![0],
            max_steps: 5000,
            ..Self::default()
        }
    }
}

/// The tables of [`escape_times`].
#[derive(Debug, Clone)]
pub struct EscapeResult {
    /// One row per run: `shortcut` (u64), `epsilon` (f64), `seed` (u64), `escape_step` (u64?, null when
    /// censored), `censored` (bool), `theory_step` (f64: the fitted theory curve at this ε, see `fits`).
    pub times: DataFrame,
    /// One row per shortcut depth: `shortcut`, `model` (str), `constant` (f64: the fitted constant),
    /// `log_log_slope` (f64?: least-squares slope of log(escape step) vs log(1/ε) over escaped runs — ≈ n − 2
    /// for n ≥ 3, ≈ 0 for n = 2 where the growth is logarithmic), `runs_escaped` (u64).
    /// Models: n = 2: `t = ln(1/ε) / ln(1 + η σ_max(M)) + c` (linear growth at rate η σ_max per step);
    /// n ≥ 3: `t = C · ε^−(n−2)`; the constant `c` or `C` is fitted to the escaped runs (mean residual, or mean
    /// ratio), everything else comes from the data and η.
    pub fits: DataFrame,
}

/// Runs every (shortcut, ε, seed) from `Init::SmallGaussian { std: ε }` until the loss drops by
/// `drop_fraction`, in parallel.
pub fn escape_times(config: &EscapeConfig) -> Result<EscapeResult> {
    ensure_nonempty("shortcuts", &config.shortcuts)?;
    ensure_nonempty("epsilons", &config.epsilons)?;
    ensure_nonempty("seeds", &config.seeds)?;
    ensure_positive("learning_rate", config.learning_rate)?;
    ensure_positive_size("max_steps", config.max_steps)?;
    for &e in &config.epsilons {
        ensure_positive("epsilons", e)?;
    }
    if !(config.drop_fraction > 0.0 && config.drop_fraction < 1.0) {
        return Err(Error::OutOfRange {
            field: "drop_fraction",
            value: config.drop_fraction,
            expected: "must be in (0, 1)",
        });
    }
    for &n in &config.shortcuts {
        if n < 2 {
            return Err(Error::Unsupported(format!(
                "shortcut depth {n} in `shortcuts`: escape needs n ≥ 2"
            )));
        }
        NetworkSpec::residual(config.width, n, config.depth).validate()?;
    }
    let data = config.data.load(config.width)?;
    let target = (1.0 - config.drop_fraction) * data.moments().loss_at_zero;
    let mut keys = Vec::new();
    for &n in &config.shortcuts {
        for &eps in &config.epsilons {
            for &seed in &config.seeds {
                keys.push((n, eps, seed));
            }
        }
    }
    let steps = keys
        .par_iter()
        .map(|&(n, eps, seed)| -> Result<Option<usize>> {
            let mut net = build_network(
                &NetworkSpec::residual(config.width, n, config.depth),
                &Init::SmallGaussian { std: eps },
                seed,
            )?;
            let cfg = TrainConfig {
                learning_rate: config.learning_rate,
                steps: config.max_steps,
                target_loss: Some(target),
                record_every: config.max_steps,
                ..Default::default()
            };
            Ok(match net.train(&data, &cfg)?.status {
                RunStatus::ReachedTarget { step } => Some(step),
                _ => None,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let sigma_max = singular_values(&data.moments().m)?
        .first()
        .copied()
        .unwrap_or(0.0);
    let rate = (1.0 + config.learning_rate * sigma_max).ln();
    // Theory shape for each shortcut, up to the fitted constant.
    let shape = |n: usize, eps: f64| {
        if n == 2 {
            (1.0 / eps).ln() / rate
        } else {
            eps.powi(-(n as i32 - 2))
        }
    };
    let mut fit_rows = Vec::new();
    let mut theory = vec![0.0; keys.len()];
    for &n in &config.shortcuts {
        let pts: Vec<(f64, f64)> = keys
            .iter()
            .zip(&steps)
            .filter(|((k, _, _), s)| *k == n && s.is_some())
            .map(|((_, e, _), s)| (*e, s.unwrap_or(0) as f64))
            .collect();
        let constant = if pts.is_empty() {
            f64::NAN
        } else if n == 2 {
            pts.iter().map(|(e, t)| t - shape(2, *e)).sum::<f64>() / pts.len() as f64
        } else {
            pts.iter().map(|(e, t)| t / shape(n, *e)).sum::<f64>() / pts.len() as f64
        };
        for (i, (k, e, _)) in keys.iter().enumerate() {
            if *k == n {
                theory[i] = if n == 2 {
                    shape(2, *e) + constant
                } else {
                    constant * shape(n, *e)
                };
            }
        }
        let slope = log_log_slope(&pts);
        let model = if n == 2 {
            "t = ln(1/eps) / ln(1 + eta*sigma_max) + c".to_string()
        } else {
            format!("t = C * eps^-{}", n - 2)
        };
        fit_rows.push((n, model, constant, slope, pts.len()));
    }
    let times = frame(vec![
        col(
            "shortcut",
            keys.iter().map(|k| count(k.0)).collect::<Vec<_>>(),
        ),
        col("epsilon", keys.iter().map(|k| k.1).collect::<Vec<_>>()),
        col("seed", keys.iter().map(|k| k.2).collect::<Vec<_>>()),
        col(
            "escape_step",
            steps.iter().map(|s| s.map(count)).collect::<Vec<_>>(),
        ),
        col(
            "censored",
            steps.iter().map(Option::is_none).collect::<Vec<_>>(),
        ),
        col("theory_step", theory),
    ])?;
    let fits = frame(vec![
        col(
            "shortcut",
            fit_rows.iter().map(|r| count(r.0)).collect::<Vec<_>>(),
        ),
        col(
            "model",
            fit_rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>(),
        ),
        col("constant", fit_rows.iter().map(|r| r.2).collect::<Vec<_>>()),
        col(
            "log_log_slope",
            fit_rows.iter().map(|r| r.3).collect::<Vec<_>>(),
        ),
        col(
            "runs_escaped",
            fit_rows.iter().map(|r| count(r.4)).collect::<Vec<_>>(),
        ),
    ])?;
    Ok(EscapeResult { times, fits })
}

/// Least-squares slope of `ln t` against `ln(1/ε)`; `None` with fewer than two distinct ε.
fn log_log_slope(points: &[(f64, f64)]) -> Option<f64> {
    let xy: Vec<(f64, f64)> = points
        .iter()
        .filter(|(_, t)| *t > 0.0)
        .map(|(e, t)| ((1.0 / e).ln(), t.ln()))
        .collect();
    let n = xy.len() as f64;
    let mx = xy.iter().map(|p| p.0).sum::<f64>() / n;
    let my = xy.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = xy.iter().map(|p| (p.0 - mx).powi(2)).sum();
    (xy.len() >= 2 && sxx > 0.0)
        .then(|| xy.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>() / sxx)
}
