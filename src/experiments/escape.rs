//! Experiment 5: escaping the zero point. Exact zero is a fixed point for shortcut depth ≥ 2, so training starts
//! from small random weights `N(0, ε²)`; the number of GD steps until the loss has dropped by a fixed fraction
//! grows like `log(1/ε)` for shortcut 2 and like `ε^−(n−2)` for shortcut `n ≥ 3` (THEORY.md, "Escaping").

use polars::prelude::DataFrame;
use rayon::prelude::*;

use super::claims::{num, Claim, Verdict};
use super::network::{build_network, DataSpec, NetworkSpec};
use super::schema::{columns, shared, Schema};
use super::{count, ensure_nonempty};
use crate::error::{ensure_positive, Error, Result};
use crate::hessian::theory::singular_values;
use crate::net::Init;
use crate::numbers::fit::{least_squares_slope, log_log_slope};
use crate::progress::Progress;
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
    /// The training run (GD by default): its `learning_rate` η, and its `steps` = the most steps a run may take
    /// (runs that have not escaped by then are reported as censored). Its `target_loss` is set by the analysis.
    pub train: TrainConfig,
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
            train: TrainConfig {
                learning_rate: 0.1,
                steps: 20_000,
                ..Default::default()
            },
            drop_fraction: 0.5,
        }
    }
}

impl EscapeConfig {
    /// A smaller version (width 2, three ε, one seed, 5000 steps at most), same code path.
    pub fn quick() -> Self {
        let mut c = Self {
            width: 2,
            epsilons: vec![1e-1, 1e-2, 1e-3],
            seeds: vec![0],
            ..Self::default()
        };
        c.train.steps = 5000;
        c
    }
}

columns! {
    /// Scale ε of the initial weights N(0, ε²).
    EPSILON = "epsilon": F64;
    /// First step with ℓ ≤ (1 − drop_fraction)·ℓ(0) (null when censored).
    ESCAPE_STEP = "escape_step": U64, nullable;
    /// `true` when the run had not escaped after the configured number of steps.
    CENSORED = "censored": Bool;
    /// The fitted theory curve at this ε (null when no run of this shortcut escaped).
    THEORY_STEP = "theory_step": F64, nullable;
    /// The theory model fitted: `t = ln(1/eps) / ln(1 + eta*sigma_max) + c` (n = 2) or `t = C * eps^-(n-2)`.
    MODEL = "model": Str;
    /// The fitted constant c or C (mean residual or mean ratio over escaped runs; null when none escaped).
    CONSTANT = "constant": F64, nullable;
    /// Least-squares slope of ln(escape step) vs ln(1/ε) over escaped runs: ≈ n − 2 for n ≥ 3, ≈ 0 for n = 2.
    LOG_LOG_SLOPE = "log_log_slope": F64, nullable;
    /// Number of runs of this shortcut depth that escaped.
    RUNS_ESCAPED = "runs_escaped": U64;
    /// σ_max(M) of the data, the rate in the n = 2 model.
    SIGMA_MAX = "sigma_max_of_m": F64;
}

/// [`EscapeResult::times`]: one row per run.
pub const TIMES_SCHEMA: Schema = Schema {
    name: "escape_times.times",
    columns: &[
        shared::SHORTCUT,
        EPSILON,
        shared::SEED,
        ESCAPE_STEP,
        CENSORED,
        THEORY_STEP,
    ],
};

/// [`EscapeResult::fits`]: one row per shortcut depth.
pub const FITS_SCHEMA: Schema = Schema {
    name: "escape_times.fits",
    columns: &[
        shared::SHORTCUT,
        MODEL,
        shared::LEARNING_RATE,
        SIGMA_MAX,
        CONSTANT,
        LOG_LOG_SLOPE,
        RUNS_ESCAPED,
    ],
};

/// The tables of [`escape_times`].
#[derive(Debug, Clone)]
pub struct EscapeResult {
    /// One row per run: [`TIMES_SCHEMA`].
    pub times: DataFrame,
    /// One row per shortcut depth: [`FITS_SCHEMA`].
    /// Models: n = 2: `t = ln(1/ε) / ln(1 + η σ_max(M)) + c` (geometric growth, a factor `1 + η σ_max` per step);
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
    config.train.validate()?;
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
    let progress = Progress::new("escape times, runs", keys.len());
    let steps = keys
        .par_iter()
        .map(|&(n, eps, seed)| -> Result<Option<usize>> {
            let mut net = build_network(
                &NetworkSpec::residual(config.width, n, config.depth),
                &Init::SmallGaussian { std: eps },
                seed,
            )?;
            let cfg = TrainConfig {
                target_loss: Some(target),
                record_every: config.train.steps,
                ..config.train.clone()
            };
            let status = net.train(&data, &cfg)?.status;
            progress.tick();
            Ok(match status {
                RunStatus::ReachedTarget { step } => Some(step),
                _ => None,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    progress.finish();

    let sigma_max = singular_values(&data.moments().m)?
        .first()
        .copied()
        .unwrap_or(0.0);
    let rate = (1.0 + config.train.learning_rate * sigma_max).ln();
    // Theory shape for each shortcut, up to the fitted constant.
    let shape = |n: usize, eps: f64| {
        if n == 2 {
            (1.0 / eps).ln() / rate
        } else {
            eps.powi(-(n as i32 - 2))
        }
    };
    let mut fit_rows = Vec::new();
    let mut theory: Vec<Option<f64>> = vec![None; keys.len()];
    for &n in &config.shortcuts {
        let pts: Vec<(f64, f64)> = keys
            .iter()
            .zip(&steps)
            .filter(|((k, _, _), s)| *k == n && s.is_some())
            .map(|((_, e, _), s)| (*e, s.unwrap_or(0) as f64))
            .collect();
        let constant = if pts.is_empty() {
            None
        } else if n == 2 {
            Some(pts.iter().map(|(e, t)| t - shape(2, *e)).sum::<f64>() / pts.len() as f64)
        } else {
            Some(pts.iter().map(|(e, t)| t / shape(n, *e)).sum::<f64>() / pts.len() as f64)
        };
        for (i, (k, e, _)) in keys.iter().enumerate() {
            if *k == n {
                theory[i] = constant.map(|c| {
                    if n == 2 {
                        shape(2, *e) + c
                    } else {
                        c * shape(n, *e)
                    }
                });
            }
        }
        // Slope of ln t against ln(1/ε).
        let slope = log_log_slope(&pts.iter().map(|(e, t)| (1.0 / e, *t)).collect::<Vec<_>>());
        let model = if n == 2 {
            "t = ln(1/eps) / ln(1 + eta*sigma_max) + c".to_string()
        } else {
            format!("t = C * eps^-{}", n - 2)
        };
        fit_rows.push((n, model, constant, slope, pts.len()));
    }
    let times = TIMES_SCHEMA.frame(vec![
        shared::SHORTCUT.values(keys.iter().map(|k| count(k.0)).collect::<Vec<_>>()),
        EPSILON.values(keys.iter().map(|k| k.1).collect::<Vec<_>>()),
        shared::SEED.values(keys.iter().map(|k| k.2).collect::<Vec<_>>()),
        ESCAPE_STEP.values(steps.iter().map(|s| s.map(count)).collect::<Vec<_>>()),
        CENSORED.values(steps.iter().map(Option::is_none).collect::<Vec<_>>()),
        THEORY_STEP.values(theory),
    ])?;
    let fits = FITS_SCHEMA.frame(vec![
        shared::SHORTCUT.values(fit_rows.iter().map(|r| count(r.0)).collect::<Vec<_>>()),
        MODEL.values(fit_rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>()),
        shared::LEARNING_RATE.values(
            fit_rows
                .iter()
                .map(|_| config.train.learning_rate)
                .collect::<Vec<_>>(),
        ),
        SIGMA_MAX.values(fit_rows.iter().map(|_| sigma_max).collect::<Vec<_>>()),
        CONSTANT.values(fit_rows.iter().map(|r| r.2).collect::<Vec<_>>()),
        LOG_LOG_SLOPE.values(fit_rows.iter().map(|r| r.3).collect::<Vec<_>>()),
        RUNS_ESCAPED.values(fit_rows.iter().map(|r| count(r.4)).collect::<Vec<_>>()),
    ])?;
    Ok(EscapeResult { times, fits })
}

/// The claims of notebook 05's escape experiment, checked on an [`EscapeResult`] (ids in brackets):
///
/// - `n2_log_growth`: for shortcut 2 the escape time grows like `ln(1/ε)` at the predicted rate: every run
///   escaped, the least-squares slope of `t` against `ln(1/ε)` is within 30 % of `1/ln(1 + ησ_max)` (THEORY.md
///   §5; only the offset `c` is fitted); the largest distance to the fitted curve is reported;
/// - `n3_polynomial_growth` (and `n4_…`): for shortcut `n ≥ 3` the escape time grows like `ε^{−(n−2)}`: the
///   fitted log–log slope is within 30 % of `n − 2`.
///
/// Censored runs (no escape within the step budget) are counted in the evidence; a shortcut depth with fewer than
/// two escaped ε is `NotApplicable`.
pub fn claims(result: &EscapeResult) -> Result<Vec<Claim>> {
    let times = &result.times;
    let shortcut = shared::SHORTCUT.f64s(times)?;
    let measured = ESCAPE_STEP.f64s(times)?;
    let epsilon = EPSILON.f64s(times)?;
    let theory = THEORY_STEP.f64s(times)?;
    let fit_shortcut = shared::SHORTCUT.f64s(&result.fits)?;
    let slopes = LOG_LOG_SLOPE.f64s(&result.fits)?;
    let mut out = Vec::new();
    for (k, n) in fit_shortcut.iter().enumerate() {
        let Some(n) = n.map(|v| v as usize) else {
            continue;
        };
        let rows: Vec<usize> = (0..times.height())
            .filter(|&i| shortcut[i] == Some(n as f64))
            .collect();
        let escaped: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&i| measured[i].is_some())
            .collect();
        let censored = rows.len() - escaped.len();
        let slope = slopes[k];
        if n == 2 {
            let claim = "For shortcut 2, the number of steps to escape the zero point grows like ln(1/ε), at the \
                         rate the theory predicts.";
            let criterion = "every run escaped; the least-squares slope of t against ln(1/ε) is within 30 % of the \
                             predicted 1/ln(1 + ησ_max)";
            // (ln(1/ε), measured t, theory t) over the escaped runs; the theory curve is linear in ln(1/ε) with
            // the predicted slope, so its least-squares slope is that prediction.
            let pts: Vec<(f64, f64, f64)> = escaped
                .iter()
                .filter_map(|&i| Some(((1.0 / epsilon[i]?).ln(), measured[i]?, theory[i]?)))
                .collect();
            let slope_of = |y: fn(&(f64, f64, f64)) -> f64| {
                least_squares_slope(&pts.iter().map(|p| (p.0, y(p))).collect::<Vec<_>>())
            };
            match (slope_of(|p| p.1), slope_of(|p| p.2)) {
                (Some(measured_slope), Some(predicted)) => {
                    let worst = pts.iter().map(|p| (p.1 - p.2).abs()).fold(0.0, f64::max);
                    out.push(Claim {
                        id: "n2_log_growth",
                        claim: claim.into(),
                        evidence: format!(
                            "{} of {} runs escaped; slope of t against ln(1/ε) {} (predicted {}); largest \
                             distance to the fitted curve {} steps",
                            escaped.len(),
                            rows.len(),
                            num(measured_slope),
                            num(predicted),
                            num(worst)
                        ),
                        criterion: criterion.into(),
                        verdict: Verdict::from_bool(
                            censored == 0 && (measured_slope / predicted - 1.0).abs() <= 0.3,
                        ),
                    });
                }
                _ => out.push(Claim::not_applicable(
                    "n2_log_growth",
                    claim,
                    criterion,
                    "fewer than two escaped ε",
                )),
            }
        } else {
            let id: &'static str = match n {
                3 => "n3_polynomial_growth",
                4 => "n4_polynomial_growth",
                _ => "deep_polynomial_growth",
            };
            let power = (n - 2) as f64;
            let claim = format!(
                "For shortcut {n}, the number of steps to escape grows like ε^−{}.",
                n - 2
            );
            let criterion =
                format!("|log–log slope − {power}| ≤ 0.3·{power} over the escaped runs");
            match slope {
                None => out.push(Claim::not_applicable(
                    id,
                    &claim,
                    &criterion,
                    "fewer than two escaped ε",
                )),
                Some(s) => out.push(Claim {
                    id,
                    claim,
                    evidence: format!(
                        "log–log slope {} over {} escaped runs ({censored} censored)",
                        num(s),
                        escaped.len()
                    ),
                    criterion,
                    verdict: Verdict::from_bool((s - power).abs() <= 0.3 * power),
                }),
            }
        }
    }
    Ok(out)
}
