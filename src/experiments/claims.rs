//! Claims as code: each claim a notebook makes is a function of an analysis's DataFrame that returns the claim
//! in one plain sentence, the measured evidence, the criterion, and a verdict computed from the numbers of the
//! same run. Notebooks end with a "Claims checked here" table ([`claims_frame`]); tests assert the verdicts
//! that must hold, so a change that breaks the science fails CI.

use polars::prelude::DataFrame;

use super::schema::{columns, Schema};
use crate::error::Result;

/// The outcome of checking a claim against the numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The numbers meet the criterion.
    Holds,
    /// The numbers do not meet the criterion.
    Fails,
    /// The run has no data for this claim (e.g. the series was not computed).
    NotApplicable,
}

impl Verdict {
    /// `"holds"`, `"fails"`, `"not applicable"`.
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Fails => "fails",
            Verdict::NotApplicable => "not applicable",
        }
    }
    /// `Holds` when `ok`, else `Fails`.
    pub fn from_bool(ok: bool) -> Self {
        if ok {
            Verdict::Holds
        } else {
            Verdict::Fails
        }
    }
}

/// One checked claim.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// Short identifier used by tests and exercises, e.g. `"n2_depth_invariant"`.
    pub id: &'static str,
    /// The claim in one plain sentence.
    pub claim: String,
    /// The measured numbers it rests on.
    pub evidence: String,
    /// The rule that turns the evidence into the verdict.
    pub criterion: String,
    /// The verdict of this run.
    pub verdict: Verdict,
}

impl Claim {
    /// A claim without data in this run.
    pub fn not_applicable(id: &'static str, claim: &str, criterion: &str, why: &str) -> Self {
        Self {
            id,
            claim: claim.into(),
            evidence: why.into(),
            criterion: criterion.into(),
            verdict: Verdict::NotApplicable,
        }
    }
}

columns! {
    /// Identifier of the claim.
    ID = "id": Str;
    /// The claim in one plain sentence.
    CLAIM = "claim": Str;
    /// The measured numbers it rests on.
    EVIDENCE = "evidence": Str;
    /// The rule that turns the evidence into the verdict.
    CRITERION = "criterion": Str;
    /// `holds`, `fails` or `not applicable`.
    VERDICT = "verdict": Str;
}

/// The "Claims checked here" table.
pub const SCHEMA: Schema = Schema {
    name: "claims",
    columns: &[ID, CLAIM, EVIDENCE, CRITERION, VERDICT],
};

/// The claims as a table ([`SCHEMA`]), one row per claim.
pub fn claims_frame(claims: &[Claim]) -> Result<DataFrame> {
    SCHEMA.frame(vec![
        ID.values(claims.iter().map(|c| c.id).collect::<Vec<_>>()),
        CLAIM.values(claims.iter().map(|c| c.claim.clone()).collect::<Vec<_>>()),
        EVIDENCE.values(
            claims
                .iter()
                .map(|c| c.evidence.clone())
                .collect::<Vec<_>>(),
        ),
        CRITERION.values(
            claims
                .iter()
                .map(|c| c.criterion.clone())
                .collect::<Vec<_>>(),
        ),
        VERDICT.values(claims.iter().map(|c| c.verdict.label()).collect::<Vec<_>>()),
    ])
}

/// The verdict of claim `id` (`None` when there is no such claim).
pub fn verdict_of(claims: &[Claim], id: &str) -> Option<Verdict> {
    claims.iter().find(|c| c.id == id).map(|c| c.verdict)
}

/// Least-squares slope of `ln y` against `ln x` over the points with `x, y > 0`; `None` with fewer than two
/// distinct `x`.
pub fn log_log_slope(points: &[(f64, f64)]) -> Option<f64> {
    let xy: Vec<(f64, f64)> = points
        .iter()
        .filter(|(x, y)| *x > 0.0 && *y > 0.0)
        .map(|(x, y)| (x.ln(), y.ln()))
        .collect();
    least_squares_slope(&xy)
}

/// Least-squares slope of `y` against `x`; `None` with fewer than two distinct `x`.
pub fn least_squares_slope(xy: &[(f64, f64)]) -> Option<f64> {
    let n = xy.len() as f64;
    let mx = xy.iter().map(|p| p.0).sum::<f64>() / n;
    let my = xy.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = xy.iter().map(|p| (p.0 - mx).powi(2)).sum();
    (xy.len() >= 2 && sxx > 0.0)
        .then(|| xy.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>() / sxx)
}

/// `(min, max)` of `values` (`(∞, −∞)` when empty).
pub(crate) fn min_max(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        })
}

/// A number to 4 significant digits for evidence strings (scientific outside `1e-3 ≤ |v| < 1e5`).
pub(crate) fn num(v: f64) -> String {
    if v == 0.0 {
        return "0".into(); // also −0
    }
    if !v.is_finite() {
        return format!("{v}");
    }
    let mag = v.abs().log10().floor() as i32;
    if (-3..5).contains(&mag) {
        format!("{v:.*}", (3 - mag).max(0) as usize)
    } else {
        format!("{v:.3e}")
    }
}
