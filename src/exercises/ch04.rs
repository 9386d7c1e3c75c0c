//! Exercises of notebook 04 (training dynamics).

use super::{check_real, Feedback};
use crate::error::Result;
use crate::experiments::claims::log_log_slope;
use crate::experiments::schema::shared;
use crate::experiments::training::{self, TrainingGrid, TrainingGridConfig};
use crate::net::{Architecture, Init};
use crate::train::{RateBracket, RateSearch};

/// **Exercise 4.1 (predict, then check).** Before looking at the table: for shortcut 2 at depth `depth`, which
/// initialisation of the grid ends at the lowest mean final loss (each at its own best rate)? Answer with an
/// [`Init`] (`Init::SmallGaussian { std: 1e-3 }`, `Init::XavierNormal`, `Init::Orthogonal`). The checker reads
/// `grid.best` of the notebook's run; losses below [`training::LOSS_AT_ZERO`] tie.
pub fn best_init_for_shortcut_two(
    answer: Option<Init>,
    grid: &TrainingGrid,
    depth: usize,
) -> Result<Feedback> {
    let Some(answer) = answer else {
        return Ok(Feedback::NotAttempted);
    };
    let arch = shared::ARCHITECTURE.strs(&grid.best)?;
    let init = shared::INIT.strs(&grid.best)?;
    let depths = shared::DEPTH.f64s(&grid.best)?;
    let loss = training::MEAN_FINAL_LOSS.f64s(&grid.best)?;
    let n2 = Architecture::Residual { shortcut: 2 }.label();
    let rows: Vec<(String, f64)> = (0..grid.best.height())
        .filter(|&r| arch[r].as_deref() == Some(n2.as_str()) && depths[r] == Some(depth as f64))
        .filter_map(|r| Some((init[r].clone()?, loss[r].unwrap_or(f64::INFINITY))))
        .collect();
    if rows.is_empty() {
        return Ok(Feedback::NotYet(format!(
            "The grid has no shortcut-2 rows at depth {depth}: use one of the grid's depths."
        )));
    }
    let lowest = rows.iter().map(|r| r.1).fold(f64::INFINITY, f64::min);
    let winners: Vec<&str> = rows
        .iter()
        .filter(|r| r.1 <= lowest.max(training::LOSS_AT_ZERO))
        .map(|r| r.0.as_str())
        .collect();
    let listing: Vec<String> = rows.iter().map(|(i, l)| format!("{i} {l:.3e}")).collect();
    Ok(if winners.contains(&answer.label().as_str()) {
        Feedback::Correct(format!(
            "At L = {depth}, shortcut 2: {}. The small start sits next to a strict saddle with depth-independent curvature; random starts are far from it, and deep products of random matrices are badly conditioned.",
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
            "Not {}. Think about where each start sits relative to the zero point, whose curvature does not depend on depth for n = 2.",
            answer.label()
        ))
    })
}

/// The depths of exercise 4.2.
pub const EXPONENT_DEPTHS: [usize; 3] = [4, 16, 64];

/// The measured bracket of the largest stable learning rate of one configuration: `D = 2`, default teacher,
/// small init (ε = 1e-3), seed 0, 200 GD steps, rates searched from 0.1 by factors of 10^(1/8) within
/// 1e-6 … 10.
pub fn stable_rate_bracket(shortcut: usize, depth: usize) -> Result<RateBracket> {
    let mut cfg = TrainingGridConfig {
        width: 2,
        architectures: vec![Architecture::Residual { shortcut }],
        inits: vec![Init::SmallGaussian { std: 1e-3 }],
        depths: vec![depth],
        learning_rates: vec![0.1],
        rate_search: Some(RateSearch {
            factor: 10f64.powf(0.125),
            lowest: 1e-6,
            highest: 10.0,
        }),
        seeds: vec![0],
        ..TrainingGridConfig::default()
    };
    cfg.train.steps = 200;
    let grid = crate::experiments::training_grid(&cfg)?;
    let col =
        |c: &crate::experiments::ColumnDef| -> Result<Option<f64>> { Ok(c.f64s(&grid.best)?[0]) };
    Ok(RateBracket {
        searched_from: col(&training::SEARCHED_FROM)?.unwrap_or(f64::NAN),
        searched_to: col(&training::SEARCHED_TO)?.unwrap_or(f64::NAN),
        largest_stable: col(&training::LARGEST_STABLE_RATE)?,
        smallest_diverging_above: col(&training::SMALLEST_DIVERGING_RATE)?,
    })
}

/// The fitted log–log exponent of shortcut 1's largest stable rate against `L` over [`EXPONENT_DEPTHS`]
/// ([`stable_rate_bracket`] at each depth), with the measured `(L, η*)` points.
pub fn n1_stable_rate_exponent_value() -> Result<(Option<f64>, Vec<(f64, f64)>)> {
    let mut pts = Vec::new();
    for l in EXPONENT_DEPTHS {
        if let Some(eta) = stable_rate_bracket(1, l)?.largest_stable {
            pts.push((l as f64, eta));
        }
    }
    Ok((log_log_slope(&pts), pts))
}

/// **Exercise 4.2 (predict, then check).** Shortcut 1's `λ_max(H(0))` grows like `L`, and gradient descent on a
/// quadratic is stable only for `η < 2/λ_max`. Predict the exponent `s` in `η* ∝ L^s` of the largest stable
/// learning rate of shortcut 1 (`D = 2`, small init, `L` in [`EXPONENT_DEPTHS`]). The checker measures each edge
/// of stability by a rate search (factors of 10^(1/8)), fits the exponent, and accepts a prediction within ±0.25
/// (the tolerance of notebook 04's depth claims).
pub fn n1_stable_rate_exponent(answer: Option<f64>) -> Result<Feedback> {
    let Some(a) = answer else {
        return Ok(Feedback::NotAttempted);
    };
    let (Some(truth), pts) = n1_stable_rate_exponent_value()? else {
        return Ok(Feedback::NotYet(
            "The search found fewer than two stable depths; the exercise does not apply.".into(),
        ));
    };
    let listing: Vec<String> = pts
        .iter()
        .map(|(l, e)| format!("η* = {e:.4} at L = {l}"))
        .collect();
    Ok(if a.is_finite() && (a - truth).abs() <= 0.25 {
        Feedback::Correct(format!(
            "Measured: {}; fitted exponent {truth:.3}. Shortcut 1's conditioning shows in its step size; the curvature along the path is not exactly H(0)'s, so the exponent is near, not at, −1.",
            listing.join(", ")
        ))
    } else {
        check_real(Some(a), truth, 0.0, String::new, |a| {
            format!(
                "{a} is {}: if λ_max grows like L and η* ≈ 2/λ_max, how does η* scale with L?",
                super::direction(a, truth)
            )
        })
    })
}
