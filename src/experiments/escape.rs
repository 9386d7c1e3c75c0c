//! Experiment 5: escaping the zero point. Exact zero is a fixed point for shortcut depth ≥ 2, so training starts
//! from small random weights `N(0, ε²)`; the number of GD steps until the loss has dropped by a fixed fraction
//! grows like `log(1/ε)` for shortcut 2 and like `ε^−(n−2)` for shortcut `n ≥ 3` (THEORY.md, "Escaping").

use polars::prelude::DataFrame;
use rayon::prelude::*;

use super::analysis::{analysis, Analysis};
use super::checked::{Checked, Validate};
use super::claims::{num, Claim, Verdict};
use super::network::{build_network, DataSpec, NetworkSpec};
use super::schema::{columns, shared, table};
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

table! {
    /// [`EscapeTimes::times_frame`]: one row per run.
    pub TIMES_SCHEMA = "escape_times.times";
    fn times_frame(EscapeRun) {
        shared::SHORTCUT => |r| count(r.shortcut),
        EPSILON => |r| r.epsilon,
        shared::SEED => |r| r.seed,
        ESCAPE_STEP => |r| r.escape_step.map(count),
        CENSORED => |r| r.escape_step.is_none(),
        THEORY_STEP => |r| r.theory_step,
    }
}

table! {
    /// [`EscapeTimes::fits_frame`]: one row per shortcut depth (with the run's η and σ_max(M)).
    pub FITS_SCHEMA = "escape_times.fits";
    fn fits_frame((&EscapeFit, f64, f64)) {
        shared::SHORTCUT => |r| count(r.0.shortcut),
        MODEL => |r| r.0.model.formula(),
        shared::LEARNING_RATE => |r| r.1,
        SIGMA_MAX => |r| r.2,
        CONSTANT => |r| r.0.constant,
        LOG_LOG_SLOPE => |r| r.0.log_log_slope,
        RUNS_ESCAPED => |r| count(r.0.runs_escaped),
    }
}

/// The theory model of one shortcut depth's escape time, up to the fitted constant (THEORY.md, "Escaping").
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EscapeModel {
    /// Shortcut 2: the weights grow geometrically, a factor `1 + η σ_max(M)` per step, so
    /// `t = ln(1/ε) / rate + c` with `rate = ln(1 + η σ_max(M))`.
    Logarithmic {
        /// `ln(1 + η σ_max(M))`.
        rate: f64,
    },
    /// Shortcut `n ≥ 3`: `t = C · ε^−exponent` with `exponent = n − 2`.
    Power {
        /// `n − 2`.
        exponent: usize,
    },
}

impl EscapeModel {
    /// The model of shortcut depth `n ≥ 2` with the given geometric `rate` (used by `n = 2` only).
    pub fn of_shortcut(n: usize, rate: f64) -> Self {
        if n == 2 {
            EscapeModel::Logarithmic { rate }
        } else {
            EscapeModel::Power { exponent: n - 2 }
        }
    }
    /// The model's shape at `ε`, without the constant: `ln(1/ε)/rate`, or `ε^−exponent`.
    pub fn shape(&self, epsilon: f64) -> f64 {
        match *self {
            EscapeModel::Logarithmic { rate } => (1.0 / epsilon).ln() / rate,
            EscapeModel::Power { exponent } => epsilon.powi(-(exponent as i32)),
        }
    }
    /// The model with constant `c` at `ε`: `shape + c` (logarithmic) or `c · shape` (power).
    pub fn steps(&self, epsilon: f64, constant: f64) -> f64 {
        match self {
            EscapeModel::Logarithmic { .. } => self.shape(epsilon) + constant,
            EscapeModel::Power { .. } => constant * self.shape(epsilon),
        }
    }
    /// The constant fitted to escaped runs `(ε, t)`: the mean residual `t − shape` (logarithmic) or the mean ratio
    /// `t / shape` (power); `None` when there are none.
    pub fn fit_constant(&self, escaped: &[(f64, f64)]) -> Option<f64> {
        if escaped.is_empty() {
            return None;
        }
        let terms = escaped.iter().map(|&(e, t)| match self {
            EscapeModel::Logarithmic { .. } => t - self.shape(e),
            EscapeModel::Power { .. } => t / self.shape(e),
        });
        Some(terms.sum::<f64>() / escaped.len() as f64)
    }
    /// The model as text, for tables and legends: `t = ln(1/eps) / ln(1 + eta*sigma_max) + c` or `t = C * eps^-k`.
    pub fn formula(&self) -> String {
        match self {
            EscapeModel::Logarithmic { .. } => "t = ln(1/eps) / ln(1 + eta*sigma_max) + c".into(),
            EscapeModel::Power { exponent } => format!("t = C * eps^-{exponent}"),
        }
    }
    /// A short legend label: `theory ∝ log(1/ε)` or `theory ∝ ε^-k`.
    pub fn legend(&self) -> String {
        match self {
            EscapeModel::Logarithmic { .. } => "theory ∝ log(1/ε)".into(),
            EscapeModel::Power { exponent } => format!("theory ∝ ε^-{exponent}"),
        }
    }
}

/// One training run from `N(0, ε²)`.
#[derive(Debug, Clone, PartialEq)]
pub struct EscapeRun {
    /// Shortcut depth `n`.
    pub shortcut: usize,
    /// Scale ε of the initial weights.
    pub epsilon: f64,
    /// Seed of the initial weights.
    pub seed: u64,
    /// First step with `ℓ ≤ (1 − drop_fraction)·ℓ(0)`; `None` when censored (no escape within the step budget).
    pub escape_step: Option<usize>,
    /// The fitted theory curve of this shortcut at this ε (`None` when no run of the shortcut escaped).
    pub theory_step: Option<f64>,
}

/// The fitted model of one shortcut depth.
#[derive(Debug, Clone, PartialEq)]
pub struct EscapeFit {
    /// Shortcut depth `n`.
    pub shortcut: usize,
    /// The model, up to its constant.
    pub model: EscapeModel,
    /// The fitted constant `c` or `C` ([`EscapeModel::fit_constant`]; `None` when no run escaped).
    pub constant: Option<f64>,
    /// Least-squares slope of `ln t` against `ln(1/ε)` over escaped runs: ≈ `n − 2` for `n ≥ 3`, ≈ 0 for `n = 2`.
    pub log_log_slope: Option<f64>,
    /// Number of runs of this shortcut depth that escaped.
    pub runs_escaped: usize,
}

impl EscapeFit {
    /// The fitted curve at `ε` ([`EscapeModel::steps`]); `None` when no run escaped.
    pub fn predicted_steps(&self, epsilon: f64) -> Option<f64> {
        self.constant.map(|c| self.model.steps(epsilon, c))
    }
}

/// The result of [`escape_times`]: the config, σ_max(M) of the data, one [`EscapeRun`] per (shortcut, ε, seed)
/// in config order, and one [`EscapeFit`] per shortcut depth.
#[derive(Debug, Clone)]
pub struct EscapeTimes {
    /// The config of the run.
    pub config: EscapeConfig,
    /// σ_max(M) of the data, the growth rate's σ in the `n = 2` model.
    pub sigma_max: f64,
    /// One entry per run.
    pub runs: Vec<EscapeRun>,
    /// One entry per shortcut depth.
    pub fits: Vec<EscapeFit>,
}

impl EscapeTimes {
    /// The fit of shortcut depth `n` (`None` when the run has none).
    pub fn fit(&self, n: usize) -> Option<&EscapeFit> {
        self.fits.iter().find(|f| f.shortcut == n)
    }
    /// The runs of shortcut depth `n`.
    pub fn runs_of(&self, n: usize) -> impl Iterator<Item = &EscapeRun> {
        self.runs.iter().filter(move |r| r.shortcut == n)
    }
    /// One row per run ([`TIMES_SCHEMA`]), for display and CSV.
    pub fn times_frame(&self) -> Result<DataFrame> {
        times_frame(&self.runs)
    }
    /// One row per shortcut depth ([`FITS_SCHEMA`]), for display and CSV.
    pub fn fits_frame(&self) -> Result<DataFrame> {
        let eta = self.config.train.learning_rate;
        let rows: Vec<(&EscapeFit, f64, f64)> =
            self.fits.iter().map(|f| (f, eta, self.sigma_max)).collect();
        fits_frame(&rows)
    }
}

/// Runs every (shortcut, ε, seed) from `Init::SmallGaussian { std: ε }` until the loss drops by
/// `drop_fraction`, in parallel, and fits each shortcut depth's [`EscapeModel`] to the escaped runs.
pub fn escape_times(config: &EscapeConfig) -> Result<EscapeTimes> {
    config.check_and_run()
}

impl Validate for EscapeConfig {
    /// Non-empty shortcuts (each ≥ 2), ε > 0, seeds, a valid training run, `drop_fraction` in (0, 1), and a valid
    /// network for each shortcut.
    fn validate(&self) -> Result<()> {
        ensure_nonempty("shortcuts", &self.shortcuts)?;
        ensure_nonempty("epsilons", &self.epsilons)?;
        ensure_nonempty("seeds", &self.seeds)?;
        self.train.validate()?;
        for &e in &self.epsilons {
            ensure_positive("epsilons", e)?;
        }
        if !(self.drop_fraction > 0.0 && self.drop_fraction < 1.0) {
            return Err(Error::OutOfRange {
                field: "drop_fraction",
                value: self.drop_fraction,
                expected: "must be in (0, 1)",
            });
        }
        for &n in &self.shortcuts {
            if n < 2 {
                return Err(Error::Unsupported(format!(
                    "shortcut depth {n} in `shortcuts`: escape needs n ≥ 2"
                )));
            }
            NetworkSpec::residual(self.width, n, self.depth).validate()?;
        }
        Ok(())
    }
}

analysis!(EscapeConfig => EscapeTimes);

/// [`escape_times`] on a config that has passed validation.
pub(crate) fn run_checked(config: &Checked<EscapeConfig>) -> Result<EscapeTimes> {
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
    let mut runs: Vec<EscapeRun> = keys
        .iter()
        .zip(&steps)
        .map(|(&(shortcut, epsilon, seed), &escape_step)| EscapeRun {
            shortcut,
            epsilon,
            seed,
            escape_step,
            theory_step: None,
        })
        .collect();
    let fits: Vec<EscapeFit> = config
        .shortcuts
        .iter()
        .map(|&n| {
            let model = EscapeModel::of_shortcut(n, rate);
            let escaped: Vec<(f64, f64)> = runs
                .iter()
                .filter(|r| r.shortcut == n)
                .filter_map(|r| Some((r.epsilon, r.escape_step? as f64)))
                .collect();
            let slope =
                log_log_slope(&escaped.iter().map(|(e, t)| (1.0 / e, *t)).collect::<Vec<_>>());
            EscapeFit {
                shortcut: n,
                model,
                constant: model.fit_constant(&escaped),
                log_log_slope: slope,
                runs_escaped: escaped.len(),
            }
        })
        .collect();
    for r in &mut runs {
        r.theory_step = fits
            .iter()
            .find(|f| f.shortcut == r.shortcut)
            .and_then(|f| f.predicted_steps(r.epsilon));
    }
    Ok(EscapeTimes {
        config: config.inner().clone(),
        sigma_max,
        runs,
        fits,
    })
}

/// The claims of notebook 05's escape experiment, checked on an [`EscapeTimes`] (ids in brackets):
///
/// - `n2_log_growth`: for shortcut 2 the escape time grows like `ln(1/ε)` at the predicted rate: every run
///   escaped, the least-squares slope of `t` against `ln(1/ε)` is within 30 % of `1/ln(1 + ησ_max)` (THEORY.md
///   §5; only the offset `c` is fitted); the largest distance to the fitted curve is reported;
/// - `n3_polynomial_growth` (and `n4_…`): for shortcut `n ≥ 3` the escape time grows like `ε^{−(n−2)}`: the
///   fitted log–log slope is within 30 % of `n − 2`.
///
/// Censored runs (no escape within the step budget) are counted in the evidence; a shortcut depth with fewer than
/// two escaped ε is `NotApplicable`.
pub fn claims(result: &EscapeTimes) -> Result<Vec<Claim>> {
    let mut out = Vec::new();
    for fit in &result.fits {
        let n = fit.shortcut;
        let rows: Vec<&EscapeRun> = result.runs_of(n).collect();
        let escaped: Vec<&EscapeRun> = rows
            .iter()
            .copied()
            .filter(|r| r.escape_step.is_some())
            .collect();
        let censored = rows.len() - escaped.len();
        match fit.model {
            EscapeModel::Logarithmic { rate } => {
                let claim = "For shortcut 2, the number of steps to escape the zero point grows like ln(1/ε), at \
                             the rate the theory predicts.";
                let criterion = "every run escaped; the least-squares slope of t against ln(1/ε) is within 30 % of \
                                 the predicted 1/ln(1 + ησ_max)";
                // (ln(1/ε), measured t, theory t) over the escaped runs.
                let pts: Vec<(f64, f64, f64)> = escaped
                    .iter()
                    .filter_map(|r| {
                        Some(((1.0 / r.epsilon).ln(), r.escape_step? as f64, r.theory_step?))
                    })
                    .collect();
                let predicted = 1.0 / rate;
                match least_squares_slope(&pts.iter().map(|p| (p.0, p.1)).collect::<Vec<_>>()) {
                    Some(measured_slope) => {
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
                    None => out.push(Claim::not_applicable(
                        "n2_log_growth",
                        claim,
                        criterion,
                        "fewer than two escaped ε",
                    )),
                }
            }
            EscapeModel::Power { exponent } => {
                let id: &'static str = match n {
                    3 => "n3_polynomial_growth",
                    4 => "n4_polynomial_growth",
                    _ => "deep_polynomial_growth",
                };
                let power = exponent as f64;
                let claim =
                    format!("For shortcut {n}, the number of steps to escape grows like ε^−{exponent}.");
                let criterion =
                    format!("|log–log slope − {power}| ≤ 0.3·{power} over the escaped runs");
                match fit.log_log_slope {
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
    }
    Ok(out)
}
