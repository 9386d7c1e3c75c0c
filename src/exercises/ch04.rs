//! Exercises of notebook 04 (training dynamics). Both checkers read the notebook's own run (the grid and the
//! depth sweep the student sees), never a restated set-up; the report page checks against those recorded values.

use super::{ExerciseCheck, ExerciseId, PageExercise};
use crate::error::Result;
use crate::experiments::depth_scale::{DepthScale, EXPONENT_TOLERANCE};
use crate::experiments::training::TrainingGrid;
use crate::net::{Architecture, Init};
use crate::numbers::fit::log_log_slope;
use demystify_core::exercises::{judges, truths};

/// **Exercise 4.1 (predict, then check).** Before looking at the table: for shortcut 2 at depth `depth`, which
/// initialisation of the grid reaches the threshold in the fewest steps (each at its own best rate)? Answer with
/// an [`Init`] (`Init::SmallGaussian { std: 1e-3 }`, `Init::XavierNormal`, `Init::Orthogonal`). The checker
/// reads the notebook's run `grid` (each configuration's `mean_steps_to_threshold`); equal step counts tie.
pub fn fastest_init_for_shortcut_two(
    answer: Option<Init>,
    grid: &TrainingGrid,
    depth: usize,
) -> Result<ExerciseCheck> {
    let n2 = Architecture::Residual { shortcut: 2 };
    let truth = truths::FastestInit {
        depth,
        rows: grid
            .configurations
            .iter()
            .filter(|r| r.configuration.architecture == n2 && r.configuration.depth == depth)
            .map(|r| (r.configuration.init.label(), r.mean_steps_to_threshold))
            .collect(),
    };
    let label = answer.map(|a| a.label());
    let mut page = PageExercise::recorded(ExerciseId::FastestInit, &truth);
    page.choices = truth.rows.iter().map(|r| r.0.clone()).collect();
    Ok(ExerciseCheck::new(
        judges::fastest_init(label.as_deref(), &truth),
        page,
    ))
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
pub fn n1_edge_exponent(answer: Option<f64>, scale: &DepthScale) -> Result<ExerciseCheck> {
    let (exponent, points) = n1_edge_exponent_value(scale)?;
    let truth = truths::EdgeExponent {
        exponent,
        points,
        tolerance: EXPONENT_TOLERANCE,
    };
    Ok(ExerciseCheck::new(
        judges::n1_edge_exponent(answer, &truth),
        PageExercise::recorded(ExerciseId::EdgeExponent, &truth),
    ))
}
