//! What a training run records: one row per recorded step and how the run ended.

/// One recorded step: the state *before* the update of that step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    /// Step index `t` (0 = initial point).
    pub step: usize,
    /// Full-data loss `ℓ(θ_t)`.
    pub loss: f64,
    /// Euclidean norm of the gradient used for the update at step `t` (minibatch gradient for SGD/Adam).
    pub grad_norm: f64,
    /// Frobenius norm of each block's weights (unit `l`'s `(W_{l,1}, …, W_{l,n})`, or plain layer `l`).
    pub block_norms: Vec<f64>,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum RunStatus {
    /// All requested steps were taken.
    Completed,
    /// The full-data loss fell to the configured target at this step; the run stopped there.
    ReachedTarget {
        /// First step whose loss was ≤ the target.
        step: usize,
    },
    /// The loss became non-finite or exceeded `divergence_factor × ℓ(θ_0)`; the run stopped.
    Diverged {
        /// Step at which divergence was detected.
        step: usize,
        /// The offending loss when it was finite (a huge number), `None` for NaN/∞.
        loss: Option<f64>,
    },
}

impl RunStatus {
    /// `true` for [`RunStatus::Diverged`].
    pub fn diverged(&self) -> bool {
        matches!(self, RunStatus::Diverged { .. })
    }
    /// A short label for tables: `"completed"`, `"reached_target"`, `"diverged"`.
    pub fn label(&self) -> &'static str {
        match self {
            RunStatus::Completed => "completed",
            RunStatus::ReachedTarget { .. } => "reached_target",
            RunStatus::Diverged { .. } => "diverged",
        }
    }
}

/// The record of one training run. Every number in `records` is finite: a diverging step is reported in
/// `status`, never as a row.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// Recorded steps in increasing order (every `record_every` steps, plus the last state reached).
    pub records: Vec<StepRecord>,
    /// How the run ended.
    pub status: RunStatus,
}

impl History {
    /// Loss at the initial point.
    pub fn initial_loss(&self) -> Option<f64> {
        self.records.first().map(|r| r.loss)
    }
    /// Last finite full-data loss recorded (`None` only if even the initial loss was not finite).
    pub fn final_loss(&self) -> Option<f64> {
        self.records.last().map(|r| r.loss)
    }
    /// First recorded step whose loss is ≤ `threshold`.
    pub fn steps_to_reach(&self, threshold: f64) -> Option<usize> {
        self.records
            .iter()
            .find(|r| r.loss <= threshold)
            .map(|r| r.step)
    }
}
