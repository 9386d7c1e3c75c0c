//! The exercises' judges: an answer and the exercise's truth in, a [`Feedback`] with its hint out. The notebook's
//! checker (main crate) and the report page (WebAssembly) call the same function, so a student gets the same
//! verdict and hint in both.

use super::feedback::{check_count, check_real, direction, Feedback};
use super::truths::*;
use crate::error::human_bytes;

/// The depth of exercise 3.1.
pub const DEEP: usize = 10_000;

/// Relative tolerance of exercise 3.1: the notebook's tables show κ to 4 significant digits, so a value read off
/// them is within 5e-4 of the truth; 1e-3 accepts it.
pub const READ_OFF_TOLERANCE: f64 = 1e-3;

/// Relative tolerance of exercise 2.2: M is displayed to 4 significant digits (a relative rounding of at most
/// 5e-4 per entry), and σ_max moves by at most ‖ΔM‖₂, so 1e-3 accepts any answer computed from the table.
pub const LAMBDA_MAX_TOLERANCE: f64 = 1e-3;

/// The scale of exercise 5.1.
pub const ESCAPE_EPSILON: f64 = 1e-4;

/// The two scales of exercise 5.2.
pub const RATIO_EPSILONS: [f64; 2] = [1e-2, 1e-3];

/// The shortcut depth of exercise 5.3: one more than the notebook's table shows, so the answer is a prediction.
pub const PREDICTED_SHORTCUT: usize = 5;

/// **1.1.** `P = n·L·D²`, exactly.
pub fn parameter_count(answer: Option<usize>, t: &ParameterCount) -> Feedback {
    let (width, shortcut, depth, truth) = (t.width, t.shortcut, t.depth, t.params);
    check_count(
        answer,
        truth,
        || {
            format!("P = n·L·D² = {shortcut}·{depth}·{width}² = {truth}, the length of the built network's parameter vector.")
        },
        |a| {
            if a == width * width * depth {
                format!("That counts one matrix per unit; a shortcut-{shortcut} unit holds {shortcut} D×D matrices.")
            } else if a == shortcut * width * depth {
                "Each weight matrix is D×D, so it holds D² numbers, not D.".into()
            } else {
                format!(
                    "{a} is {}: count the D×D matrices per unit, then the units.",
                    direction(a as f64, truth as f64)
                )
            }
        },
    )
}

/// Relative tolerance of exercise 1.2: notebook 01 shows the three traces to 10 significant digits (a relative
/// rounding of at most 5e-10 each), and `ℓ(0) = ½·tr Σ_yy − tr Σ_xy + ½·tr Σ_xx` amplifies it by at most
/// `(½|tr Σ_yy| + |tr Σ_xy| + ½|tr Σ_xx|)/ℓ(0)`, about 20 on the default teacher: 1e-7 accepts an answer computed
/// from the table.
pub const LOSS_AT_ZERO_TOLERANCE: f64 = 1e-7;

/// **1.2.** `ℓ(0)` within [`LOSS_AT_ZERO_TOLERANCE`].
pub fn loss_at_zero(answer: Option<f64>, t: &LossAtZero) -> Feedback {
    let (truth, plain_zero) = (t.loss, t.plain_zero);
    check_real(
        answer,
        truth,
        LOSS_AT_ZERO_TOLERANCE,
        || {
            format!("ℓ(0) = {truth:.6}: the loss of the identity map, the same for every shortcut depth and L.")
        },
        |a| {
            if (a - plain_zero).abs() <= 1e-9 * plain_zero {
                "That is ½·tr(Σ_yy), the loss of the *plain* network at zero (it outputs 0); the residual network outputs x.".into()
            } else if (a - 2.0 * truth).abs() <= 1e-9 * truth {
                "Off by a factor 2: the loss has a ½ in front.".into()
            } else {
                format!(
                    "{a} is {}: expand ‖y − x‖² = ‖y‖² − 2yᵀx + ‖x‖² and average over the samples.",
                    direction(a, truth)
                )
            }
        },
    )
}

/// **2.1.** The number of negative eigenvalues, exactly.
pub fn negative_eigenvalues(answer: Option<usize>, t: &NegativeEigenvalues) -> Feedback {
    let (width, depth, p, truth) = (t.width, t.depth, t.params, t.negative);
    check_count(
        answer,
        truth,
        || {
            format!("{truth} of the P = {p} eigenvalues are negative: exactly half, −σ_i(M) for each i, each D·L = {} times.", width * depth)
        },
        |a| {
            if a == width {
                "That is the number of distinct negative eigenvalues; count each with its multiplicity D·L.".into()
            } else if a == p {
                "That is every eigenvalue; the spectrum is symmetric, ±σ_i(M).".into()
            } else {
                format!(
                    "{a} is {}: P = 2·L·D², and the spectrum is symmetric about 0.",
                    direction(a as f64, truth as f64)
                )
            }
        },
    )
}

/// **2.2.** `λ_max` within [`LAMBDA_MAX_TOLERANCE`].
pub fn lambda_max_at_zero(answer: Option<f64>, t: &Value) -> Feedback {
    let truth = t.0;
    check_real(
        answer,
        truth,
        LAMBDA_MAX_TOLERANCE,
        || {
            format!("λ_max = {truth:.8} = σ_max(M), independent of L: each unit's block has eigenvalues ±σ_i(M).")
        },
        |a| {
            format!("{a} is {}: λ_max is the largest singular value of M = Σ_xy − Σ_xx (not an eigenvalue of M, and not a singular value of Σ_xx).", direction(a, truth))
        },
    )
}

/// **3.1.** κ at `L =` [`DEEP`] within [`READ_OFF_TOLERANCE`].
pub fn n2_condition_at_depth(answer: Option<f64>, t: &Value) -> Feedback {
    let truth = t.0;
    check_real(
        answer,
        truth,
        READ_OFF_TOLERANCE,
        || format!("κ = {truth:.6} at L = {DEEP}: the same as at L = 1, σ_max(M)/σ_min(M)."),
        |a| {
            format!("{a} is {}: for n = 2 the condition number does not depend on L — read it off any row of the shortcut-2 table.", direction(a, truth))
        },
    )
}

/// **3.2.** The exponent of `λ_max ∝ L^s`, within ±0.1 of the fitted slope.
pub fn n1_lambda_max_slope(answer: Option<f64>, t: &Value) -> Feedback {
    let truth = t.0;
    match answer {
        Some(a) if a.is_finite() && (a - truth).abs() <= 0.1 => Feedback::Correct(format!(
            "The fitted exponent is {truth:.3}: λ_max grows like L, so the largest stable learning rate 2/λ_max shrinks like 1/L."
        )),
        other => check_real(other, truth, 0.0, String::new, |a| {
            format!("{a} is {}: if every pair of units carries the same block, what does an all-ones L×L matrix do to the top eigenvalue?", direction(a, truth))
        }),
    }
}

/// **3.3.** The first depth with κ above [`KAPPA_THRESHOLD`], exactly.
pub fn n1_first_depth_above(answer: Option<usize>, t: &FirstDepthAbove) -> Feedback {
    let Some(truth) = t.0 else {
        return Feedback::NotYet(format!(
            "No depth up to {MAX_SCANNED_DEPTH} exceeds the threshold on this data; the exercise does not apply."
        ));
    };
    check_count(
        answer,
        truth,
        || format!("L = {truth} is the first depth with κ > {KAPPA_THRESHOLD:e}."),
        |a| {
            if a > truth {
                format!("κ already exceeds {KAPPA_THRESHOLD:e} at a smaller depth than {a}: scan every L from 1, not only powers of 2.")
            } else {
                format!("At L = {a} κ is still at most {KAPPA_THRESHOLD:e}: scan further up, one depth at a time.")
            }
        },
    )
}

/// **4.1.** The initialisation (by its label) with the fewest mean steps; equal step counts tie.
pub fn fastest_init(answer: Option<&str>, t: &FastestInit) -> Feedback {
    let Some(answer) = answer else {
        return Feedback::NotAttempted;
    };
    let depth = t.depth;
    let rows = &t.rows;
    if rows.is_empty() {
        return Feedback::NotYet(format!(
            "The grid has no shortcut-2 rows at depth {depth}: use one of the grid's depths."
        ));
    }
    let fewest = rows
        .iter()
        .filter_map(|r| r.1)
        .fold(f64::INFINITY, f64::min);
    let listing: Vec<String> = rows
        .iter()
        .map(|(i, s)| match s {
            Some(s) => format!("{i} {s:.1} steps"),
            None => format!("{i} not reached"),
        })
        .collect();
    if rows.iter().any(|r| r.0 == answer && r.1 == Some(fewest)) {
        Feedback::Correct(format!(
            "At L = {depth}, shortcut 2: {}. The small start sits next to a strict saddle whose curvature does not depend on depth; a random start multiplies the signal's energy by 2 in every unit (THEORY.md §11), so deep random starts need tiny steps.",
            listing.join(", ")
        ))
    } else if !rows.iter().any(|r| r.0 == answer) {
        Feedback::NotYet(format!(
            "{answer} is not an initialisation of this grid ({}).",
            rows.iter()
                .map(|r| r.0.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    } else {
        Feedback::NotYet(format!(
            "Not {answer}. Think about where each start sits relative to the zero point, whose curvature does not depend on depth for n = 2, and how large a random start's output is after {depth} units."
        ))
    }
}

/// **4.2.** The edge-of-stability exponent, within the recorded tolerance of the fitted one.
pub fn n1_edge_exponent(answer: Option<f64>, t: &EdgeExponent) -> Feedback {
    let Some(a) = answer else {
        return Feedback::NotAttempted;
    };
    let Some(truth) = t.exponent else {
        return Feedback::NotYet(
            "The sweep bracketed the edge at fewer than two depths; the exercise does not apply."
                .into(),
        );
    };
    let listing: Vec<String> = t
        .points
        .iter()
        .map(|(l, e)| format!("η* = {e:.4} at L = {l}"))
        .collect();
    if a.is_finite() && (a - truth).abs() <= t.tolerance {
        Feedback::Correct(format!(
            "Measured: {}; fitted exponent {truth:.3}. Shortcut 1's conditioning shows in its step size.",
            listing.join(", ")
        ))
    } else {
        check_real(Some(a), truth, 0.0, String::new, |a| {
            format!(
                "{a} is {}: if λ_max grows like L and η* ≈ 2/λ_max, how does η* scale with L?",
                direction(a, truth)
            )
        })
    }
}

/// **5.1.** Escape steps at [`ESCAPE_EPSILON`], within 15 %.
pub fn escape_steps(answer: Option<f64>, t: &Measured) -> Feedback {
    if answer.is_none() {
        return Feedback::NotAttempted;
    }
    let Some(truth) = t.0 else {
        return Feedback::NotYet(
            "The run did not escape within 20 000 steps; the exercise does not apply.".into(),
        );
    };
    check_real(
        answer,
        truth,
        0.15,
        || {
            format!("Measured: {truth} steps. Each factor 10 in ε adds the same number of steps, ln 10 / ln(1 + η σ_max): the escape time grows like log(1/ε).")
        },
        |a| {
            format!("{a} is {}: evaluate the fitted curve of the table, t = ln(1/ε)/ln(1 + η σ_max) + c, at ε = {ESCAPE_EPSILON:e} with the table's η, σ_max and c.", direction(a, truth))
        },
    )
}

/// **5.2.** The ratio `t(10⁻³)/t(10⁻²)` of shortcut 3's escape steps, within 25 %.
pub fn n3_escape_ratio(answer: Option<f64>, t: &EscapePair) -> Feedback {
    if answer.is_none() {
        return Feedback::NotAttempted;
    }
    let Some((fast, slow)) = t.0 else {
        return Feedback::NotYet(
            "A run did not escape within 50 000 steps; the exercise does not apply.".into(),
        );
    };
    let truth = slow / fast;
    check_real(
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
    )
}

/// **5.3.** The degree of the first non-zero Taylor coefficient at shortcut depth [`PREDICTED_SHORTCUT`], exactly.
pub fn stationary_order_prediction(answer: Option<usize>, t: &LeadingTerm) -> Feedback {
    let Some((truth, coefficient)) = t.0 else {
        return Feedback::NotYet(
            "The expansion found no non-zero coefficient on this data; the exercise does not apply.".into(),
        );
    };
    check_count(
        answer,
        truth,
        || {
            format!("Degree {truth} (coefficient {coefficient:.3e}): every unit's branch is a product of {PREDICTED_SHORTCUT} matrices t·V, so its lowest term is t^{PREDICTED_SHORTCUT}; zero is a stationary point of order {} and, the degree being odd, a saddle.", truth.saturating_sub(1))
        },
        |a| {
            format!("{a} is not it: write one unit's branch along the line, t·V_n ⋯ t·V_1 x, and count the factors of t. Cross terms between units come later.")
        },
    )
}

/// **6.1.** The digits' shortcut-2 condition number, within relative 1e-5.
pub fn digits_condition_number(answer: Option<f64>, t: &Value) -> Feedback {
    let truth = t.0;
    check_real(
        answer,
        truth,
        1e-5,
        || {
            format!("κ = {truth:.4}: the numeric Hessian of the digits network agrees with σ_max(M)/σ_min(M), at every depth.")
        },
        |a| {
            format!("{a} is {}: use the singular values of M = Σ_xy − Σ_xx of the whitened digits, largest over smallest.", direction(a, truth))
        },
    )
}

/// **6.2.** `λ_max` of the second-differences Hessian over the linear network's, within relative 1e-3.
pub fn relu_second_difference_ratio(answer: Option<f64>, t: &Measured) -> Feedback {
    if answer.is_none() {
        return Feedback::NotAttempted;
    }
    let Some(truth) = t.0 else {
        return Feedback::NotYet("This run has no second-differences row.".into());
    };
    check_real(
        answer,
        truth,
        1e-3,
        || {
            format!("Measured ratio {truth:.4}: the effective slope is ½, and the n = 2 block is linear in the slope (one factor per branch: ½·1).")
        },
        |a| {
            if (a - 0.25).abs() < 1e-3 {
                "¼ is what differences of dfdx gradients give (one block sees the kink, the other does not); second differences of the loss see the kink from both sides.".into()
            } else {
                format!("{a} is {}: the average of the slopes 0 and 1, entering the block W₂·σ(W₁x) once.", direction(a, truth))
            }
        },
    )
}

/// **7.1.** `tr H(0)` within its absolute tolerance.
pub fn trace_at_zero(answer: Option<f64>, t: &TraceAtZero) -> Feedback {
    let truth = t.trace;
    match answer {
        Some(a) if a.is_finite() && (a - truth).abs() <= t.tolerance => Feedback::Correct(
            "tr H(0) = 0: the spectrum is ±σ_i(M), symmetric about 0 (each unit's block has zero diagonal sub-blocks). \
             Hutchinson's estimate scatters around it with the stated error."
                .into(),
        ),
        other => check_real(other, truth, 0.0, String::new, |a| {
            format!(
                "{a} is {}: look at the diagonal of one unit's block [[0, Bᵀ], [B, 0]] — or at the symmetry of its spectrum.",
                direction(a, truth)
            )
        }),
    }
}

/// **7.2.** `2·8·P²` bytes, within 1 %.
pub fn dense_bytes(answer: Option<f64>, t: &DenseBytes) -> Feedback {
    let (p, truth) = (t.params, t.bytes);
    check_real(
        answer,
        truth,
        0.01,
        || {
            format!("P = 2·L·D² = {p}, and 2·8·P² = {truth:.3e} bytes = {}: far beyond this machine, while each matrix-free estimate needs only a few vectors of length P.", human_bytes(truth as u64))
        },
        |a| {
            if (a - truth / 2.0).abs() <= 0.01 * truth / 2.0 {
                "That is one matrix; the eigensolver works on a copy, so count two.".into()
            } else {
                format!("{a} is {}: P = n·L·D² parameters, P² entries per matrix, 8 bytes per entry, two matrices.", direction(a, truth))
            }
        },
    )
}
