//! Claims as code: each claim a notebook makes is a function of an analysis's DataFrame that returns the claim
//! in one plain sentence, the measured evidence, the criterion, and a verdict computed from the numbers of the
//! same run. Notebooks end with a "Claims checked here" table ([`claims_frame`]); tests assert the verdicts
//! that must hold, so a change that breaks the science fails CI.

use polars::prelude::DataFrame;

use super::schema::{columns, table};
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

table! {
    /// The "Claims checked here" table.
    pub SCHEMA = "claims";
    fn claims_table(Claim) {
        ID => |c| c.id,
        CLAIM => |c| c.claim.clone(),
        EVIDENCE => |c| c.evidence.clone(),
        CRITERION => |c| c.criterion.clone(),
        VERDICT => |c| c.verdict.label(),
    }
}

/// The claims as a table ([`SCHEMA`]), one row per claim.
pub fn claims_frame(claims: &[Claim]) -> Result<DataFrame> {
    claims_table(claims)
}

/// The verdict of claim `id` (`None` when there is no such claim).
pub fn verdict_of(claims: &[Claim], id: &str) -> Option<Verdict> {
    claims.iter().find(|c| c.id == id).map(|c| c.verdict)
}

/// A number to 4 significant digits for evidence strings: [`crate::numbers::format::format_float`] (the tables'
/// formatter), so evidence and tables show the same digits.
pub(crate) fn num(v: f64) -> String {
    crate::numbers::format::format_float(v, 4)
}
