//! Exercises of notebook 04 (training dynamics). Both checkers read the notebook's own run (the grid and the
//! depth sweep the student sees), never a restated set-up.

use super::{check_real, Feedback};
use crate::error::Result;
use crate::experiments::depth_scale::{DepthScale, EXPONENT_TOLERANCE};
use crate::experiments::training::TrainingGrid;
use crate::net::{Architecture, Init};
use crate::numbers::fit::log_log_slope;

/// **Exercise 4.1 (predict, then check).** Before looking at the table: for shortcut 2 at depth `depth`, which
/// initialisation of the grid reaches the threshold in the fewest steps (each at its own best rate)? Answer with
/// an [`Init`] (`Init::SmallGaussian { std: 1e-3 }`, `Init::XavierNormal`, `Init::Orthogonal`). The checker
/// reads the notebook's run `grid` (each configuration's `mean_steps_to_threshold`); equal step counts tie.
pub fn fastest_init_for_shortcut_two(
    answer: Option<Init>,
    grid: &TrainingGrid,
    depth: usize,
) -> Result<Feedback> {
    let Some(answer) = answer else {
        return Ok(Feedback::NotAttempted);
    };
    let n2 = Architecture::Residual { shortcut: 2 };
    let rows: Vec<(String, Option<f64>)> = grid
        .configurations
        .iter()
        .filter(|r| r.configuration.architecture == n2 && r.configuration.depth == depth)
        .map(|r| (r.configuration.init.label(), r.mean_steps_to_threshold))
        .collect();
    if rows.is_empty() {
        return Ok(Feedback::NotYet(format!(
            "The grid has no shortcut-2 rows at depth {depth}: use one of the grid's depths."
        )));
    }
    let fewest = rows
        .iter()
        .filter_map(|r| r.1)
        .fold(f64::INFINITY, f64::min);
    let winners: Vec<&str> = rows
        .iter()
        .filter(|r| r.1 == Some(fewest))
        .map(|r| r.0.as_str())
        .collect();
    let listing: Vec<String> = rows
        .iter()
        .map(|(i, s)| match s {
            Some(s) => format!("{i} {s:.1} steps"),
            None => format!("{i} not reached"),
        })
        .collect();
    Ok(if winners.contains(&answer.label().as_str()) {
        Feedback::Correct(format!(
            "At L = {depth}, shortcut 2: {}. The small start sits next to a strict saddle whose curvature does not depend on depth; a random start multiplies the signal's energy by 2 in every unit (THEORY.md §11), so deep random starts need tiny steps.",
            listing.join(", ")
        ))
    } else if !rows.iter().any(|r| r.0 == answer.label()) {
        Feedback::NotYet(format!(
            "{} is not an initialisation of this grid ({}).",
            answer.label(),
            rows.iter()
                .map(|r| r.0.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    } else {
        Feedback::NotYet(format!(
            "Not {}. Think about where each start sits relative to the zero point, whose curvature does not depend on depth for n = 2, and how large a random start's output is after {depth} units.",
            answer.label()
        ))
    })
}

/// The fitted log–log exponent of shortcut 1's edge of stability against `L`, from the depth sweep `scale` of
/// notebook 04, over the depths where the edge was bracketed,
/// with the `(L, largest stable rate)` points — the numbers of claim `n1_edge_shrinks_like_inverse_depth`.
pub fn n1_edge_exponent_value(scale: &DepthScale) -> Result<(Option<f64>, Vec<(f64, f64)>)> {
    let (pts, _) = scale.bracketed_edges(Architecture::Residual { shortcut: 1 });
    Ok((log_log_slope(&pts), pts))
}

/// **Exercise 4.2 (predict, then check).** Shortcut 1's `λ_max(H(0))` grows like `L`, and gradient descent on a
/// quadratic is stable only for `η < 2/λ_max`. Predict the exponent `s` in `η* ∝ L^s` of shortcut 1's edge of
/// stability (the largest stable rate of the notebook's depth sweep `scale`). The checker fits the exponent
/// from `scale` and accepts a prediction within ±[`EXPONENT_TOLERANCE`] (the tolerance of the depth claims).
pub fn n1_edge_exponent(answer: Option<f64>, scale: &DepthScale) -> Result<Feedback> {
    let Some(a) = answer else {
        return Ok(Feedback::NotAttempted);
    };
    let (Some(truth), pts) = n1_edge_exponent_value(scale)? else {
        return Ok(Feedback::NotYet(
            "The sweep bracketed the edge at fewer than two depths; the exercise does not apply."
                .into(),
        ));
    };
    let listing: Vec<String> = pts
        .iter()
        .map(|(l, e)| format!("η* = {e:.4} at L = {l}"))
        .collect();
    Ok(
        if a.is_finite() && (a - truth).abs() <= EXPONENT_TOLERANCE {
            Feedback::Correct(format!(
            "Measured: {}; fitted exponent {truth:.3}. Shortcut 1's conditioning shows in its step size.",
            listing.join(", ")
        ))
        } else {
            check_real(Some(a), truth, 0.0, String::new, |a| {
                format!(
                    "{a} is {}: if λ_max grows like L and η* ≈ 2/λ_max, how does η* scale with L?",
                    super::direction(a, truth)
                )
            })
        },
    )
}
