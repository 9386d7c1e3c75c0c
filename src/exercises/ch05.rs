//! Exercises of notebook 05 (the Hessian along training, escaping the zero point, the order of the stationary
//! point). Their truths need training runs or the Taylor-mode expansion, so the report page checks against the
//! values this run records.

use super::{ExerciseCheck, ExerciseId, PageExercise};
use crate::error::Result;
use crate::experiments::escape::EscapeConfig;
use crate::experiments::stationary_order::{direction as direction_of, expansion, leading_degree};
use crate::experiments::{escape_times, StationaryOrderConfig};
use crate::hessian::taylor::LineShape;
use crate::net::ActivationKind;
use demystify_core::exercises::{judges, truths};

pub use demystify_core::exercises::judges::{ESCAPE_EPSILON, PREDICTED_SHORTCUT, RATIO_EPSILONS};

/// Measured escape steps (first step with `ℓ ≤ ½ℓ(0)`) of shortcut `n` from `SmallGaussian { std: ε }` for each
/// `epsilons`, in the set-up `base` (width, depth, data, η), its first seed, at most `max_steps` steps (`None`:
/// censored).
pub fn measured_escape_steps(
    base: &EscapeConfig,
    shortcut: usize,
    epsilons: &[f64],
    max_steps: usize,
) -> Result<Vec<Option<f64>>> {
    let mut cfg = EscapeConfig {
        shortcuts: vec![shortcut],
        epsilons: epsilons.to_vec(),
        seeds: base.seeds.iter().take(1).copied().collect(),
        ..base.clone()
    };
    cfg.train.steps = max_steps;
    let r = escape_times(&cfg)?;
    Ok(r.runs
        .iter()
        .map(|run| run.escape_step.map(|s| s as f64))
        .collect())
}

/// **Exercise 5.1 (predict, then check).** Predict how many gradient steps a shortcut-2 network of the notebook's
/// escape set-up `config` (the run whose fits table the student sees) needs to halve its loss when started at
/// ε = [`ESCAPE_EPSILON`]. Theory: the weights grow geometrically, by `1 + η σ_max(M)` per step, so
/// `t ≈ ln(1/ε) / ln(1 + η σ_max) + c`; η, σ_max(M) and `c` are in the fits table. The checker runs that set-up
/// (its first seed, at most 20 000 steps) and accepts a prediction within 15 %.
pub fn escape_steps(answer: Option<f64>, config: &EscapeConfig) -> Result<ExerciseCheck> {
    let truth = truths::Measured(measured_escape_steps(config, 2, &[ESCAPE_EPSILON], 20_000)?[0]);
    Ok(ExerciseCheck::new(
        judges::escape_steps(answer, &truth),
        PageExercise::recorded(ExerciseId::EscapeSteps, &truth),
    ))
}

/// **Exercise 5.2 (predict, then check).** For shortcut 3 the escape time grows like `ε^−(n−2)`. Predict the ratio
/// `t(ε = 10⁻³) / t(ε = 10⁻²)` of escape steps in the notebook's escape set-up `config` (its first seed). The
/// checker measures both runs (at most 50 000 steps) and accepts a prediction within 25 % of the measured ratio.
pub fn n3_escape_ratio(answer: Option<f64>, config: &EscapeConfig) -> Result<ExerciseCheck> {
    let steps = measured_escape_steps(config, 3, &RATIO_EPSILONS, 50_000)?;
    let truth = truths::EscapePair(steps[0].zip(steps[1]));
    Ok(ExerciseCheck::new(
        judges::n3_escape_ratio(answer, &truth),
        PageExercise::recorded(ExerciseId::EscapeRatio, &truth),
    ))
}

/// **Exercise 5.3 (predict, then check).** The stationary-order table shows `n = 1…4`. Predict the degree of the
/// first non-zero Taylor coefficient of `φ(t) = ℓ(tV) − ℓ(0)` for shortcut depth [`PREDICTED_SHORTCUT`], in the
/// notebook's set-up `config` (its width, data, first depth and first direction). The checker expands `φ` for that
/// shortcut depth exactly, by the same Taylor-mode expansion as the notebook's analysis, and compares the degree.
pub fn stationary_order_prediction(
    answer: Option<usize>,
    config: &StationaryOrderConfig,
) -> Result<ExerciseCheck> {
    let (Some(&depth), Some(&seed)) = (config.depths.first(), config.directions.first()) else {
        return Ok(super::Feedback::NotYet(
            "The notebook's set-up has no depth or no direction; run its stationary-order cell first.".into(),
        )
        .into());
    };
    // The notebook's networks stop at shortcut depth 4; the expansion itself works at any depth.
    let shape = LineShape {
        width: config.width,
        shortcut: PREDICTED_SHORTCUT,
        depth,
        activation: ActivationKind::Linear,
    };
    let (inputs, targets) = config.data.load(config.width)?.flat_samples()?;
    let coefficients = expansion(
        shape,
        &direction_of(seed, shape.num_params()),
        &inputs,
        &targets,
    )?;
    let truth = truths::LeadingTerm(leading_degree(&coefficients).map(|d| (d, coefficients[d])));
    Ok(ExerciseCheck::new(
        judges::stationary_order_prediction(answer, &truth),
        PageExercise::recorded(ExerciseId::StationaryOrder, &truth),
    ))
}
