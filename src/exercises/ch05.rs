//! Exercises of notebook 05 (the Hessian along training, escaping the zero point, the order of the stationary
//! point).

use super::{check_count, check_real, direction, Feedback};
use crate::error::Result;
use crate::experiments::escape::EscapeConfig;
use crate::experiments::stationary_order::{direction as direction_of, expansion, leading_degree};
use crate::experiments::{escape_times, StationaryOrderConfig};
use crate::hessian::taylor::LineShape;
use crate::net::ActivationKind;

/// The scale of exercise 5.1.
pub const ESCAPE_EPSILON: f64 = 1e-4;

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
    Ok(r.runs.iter().map(|run| run.escape_step.map(|s| s as f64)).collect())
}

/// **Exercise 5.1 (predict, then check).** Predict how many gradient steps a shortcut-2 network of the notebook's
/// escape set-up `config` (the run whose fits table the student sees) needs to halve its loss when started at
/// ε = [`ESCAPE_EPSILON`]. Theory: the weights grow geometrically, by `1 + η σ_max(M)` per step, so
/// `t ≈ ln(1/ε) / ln(1 + η σ_max) + c`; η, σ_max(M) and `c` are in the fits table. The checker runs that set-up
/// (its first seed) and accepts a prediction within 15 %.
pub fn escape_steps(answer: Option<f64>, config: &EscapeConfig) -> Result<Feedback> {
    if answer.is_none() {
        return Ok(Feedback::NotAttempted);
    }
    let Some(truth) = measured_escape_steps(config, 2, &[ESCAPE_EPSILON], 20_000)?[0] else {
        return Ok(Feedback::NotYet(
            "The run did not escape within 20 000 steps; the exercise does not apply.".into(),
        ));
    };
    Ok(check_real(
        answer,
        truth,
        0.15,
        || {
            format!("Measured: {truth} steps. Each factor 10 in ε adds the same number of steps, ln 10 / ln(1 + η σ_max): the escape time grows like log(1/ε).")
        },
        |a| {
            format!("{a} is {}: evaluate the fitted curve of the table, t = ln(1/ε)/ln(1 + η σ_max) + c, at ε = {ESCAPE_EPSILON:e} with the table's η, σ_max and c.", direction(a, truth))
        },
    ))
}

/// The two scales of exercise 5.2.
pub const RATIO_EPSILONS: [f64; 2] = [1e-2, 1e-3];

/// **Exercise 5.2 (predict, then check).** For shortcut 3 the escape time grows like `ε^−(n−2)`. Predict the ratio
/// `t(ε = 10⁻³) / t(ε = 10⁻²)` of escape steps in the notebook's escape set-up `config` (its first seed). The
/// checker measures both runs and accepts a prediction within 25 % of the measured ratio.
pub fn n3_escape_ratio(answer: Option<f64>, config: &EscapeConfig) -> Result<Feedback> {
    if answer.is_none() {
        return Ok(Feedback::NotAttempted);
    }
    let steps = measured_escape_steps(config, 3, &RATIO_EPSILONS, 50_000)?;
    let (Some(fast), Some(slow)) = (steps[0], steps[1]) else {
        return Ok(Feedback::NotYet(
            "A run did not escape within 50 000 steps; the exercise does not apply.".into(),
        ));
    };
    let truth = slow / fast;
    Ok(check_real(
        answer,
        truth,
        0.25,
        || {
            format!("Measured: {fast} and {slow} steps, ratio {truth:.2}. Ten times closer to the flat saddle, about ten times longer: ε^−(n−2) with n = 3.")
        },
        |a| {
            format!(
                "{a} is {}: with t ∝ ε^−(n−2), what does dividing ε by 10 do for n = 3?",
                direction(a, truth)
            )
        },
    ))
}

/// The shortcut depth of exercise 5.3: one more than the notebook's table shows, so the answer is a prediction.
pub const PREDICTED_SHORTCUT: usize = 5;

/// **Exercise 5.3 (predict, then check).** The stationary-order table shows `n = 1…4`. Predict the degree of the
/// first non-zero Taylor coefficient of `φ(t) = ℓ(tV) − ℓ(0)` for shortcut depth [`PREDICTED_SHORTCUT`], in the
/// notebook's set-up `config` (its width, data, first depth and first direction). The checker expands `φ` for that
/// shortcut depth exactly, by the same Taylor-mode expansion as the notebook's analysis, and compares the degree.
pub fn stationary_order_prediction(
    answer: Option<usize>,
    config: &StationaryOrderConfig,
) -> Result<Feedback> {
    let (Some(&depth), Some(&seed)) = (config.depths.first(), config.directions.first()) else {
        return Ok(Feedback::NotYet(
            "The notebook's set-up has no depth or no direction; run its stationary-order cell first.".into(),
        ));
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
    let Some(truth) = leading_degree(&coefficients) else {
        return Ok(Feedback::NotYet(
            "The expansion found no non-zero coefficient on this data; the exercise does not apply.".into(),
        ));
    };
    let coefficient = coefficients[truth];
    Ok(check_count(
        answer,
        truth,
        || {
            format!("Degree {truth} (coefficient {coefficient:.3e}): every unit's branch is a product of {PREDICTED_SHORTCUT} matrices t·V, so its lowest term is t^{PREDICTED_SHORTCUT}; zero is a stationary point of order {} and, the degree being odd, a saddle.", truth - 1)
        },
        |a| {
            format!("{a} is not it: write one unit's branch along the line, t·V_n ⋯ t·V_1 x, and count the factors of t. Cross terms between units come later.")
        },
    ))
}
