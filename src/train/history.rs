//! What a training run records: one row per recorded step and how the run ended.

/// Relative rounding allowed when [`History::trained_stably`] compares the final loss with the initial one.
pub const STABLE_ROUNDING: f64 = 1e-9;

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

/// The record of one training run. Every number in `records` and `losses` is finite: a diverging step is
/// reported in `status`, never as a row.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// Recorded steps in increasing order (every `record_every` steps, plus the last state reached).
    pub records: Vec<StepRecord>,
    /// The full-data loss `ℓ(θ_t)` of every step `t = 0, 1, …` the run reached with a finite loss within the
    /// divergence rule (cheap: the loop evaluates it anyway), so step counts and losses at a given step are exact
    /// whatever `record_every` is.
    pub losses: Vec<f64>,
    /// How the run ended.
    pub status: RunStatus,
}

impl History {
    /// Loss at the initial point, `ℓ(θ_0)`.
    pub fn initial_loss(&self) -> Option<f64> {
        self.losses.first().copied()
    }
    /// Last finite full-data loss of the run (`None` only if even the initial loss was not finite).
    pub fn final_loss(&self) -> Option<f64> {
        self.losses.last().copied()
    }
    /// The largest loss along the run, `max_t ℓ(θ_t)`.
    pub fn max_loss(&self) -> Option<f64> {
        self.losses.iter().copied().reduce(f64::max)
    }
    /// `ℓ(θ_t)` at step `t` (`None` if the run stopped before it).
    pub fn loss_at(&self, step: usize) -> Option<f64> {
        self.losses.get(step).copied()
    }
    /// The first step `t` with `ℓ(θ_t) ≤ threshold` (exact: every step's loss is kept).
    pub fn steps_to_reach(&self, threshold: f64) -> Option<usize> {
        self.losses.iter().position(|&l| l <= threshold)
    }
    /// **Stable training** (the crate's one definition): the run did not diverge (it never exceeded
    /// `divergence_factor · ℓ(θ_0)` nor became non-finite) and it ends no higher than where it started,
    /// `ℓ(θ_T) ≤ ℓ(θ_0)` (up to [`STABLE_ROUNDING`] relative, so a run that cannot move at all, such as a plain
    /// network from tiny weights, is stable and stuck rather than unstable). A run that rises and stays up
    /// (e.g. collapsing to `f ≡ 0`) is not stable.
    pub fn trained_stably(&self) -> bool {
        !self.status.diverged()
            && matches!((self.initial_loss(), self.final_loss()),
                (Some(a), Some(b)) if b <= a * (1.0 + STABLE_ROUNDING))
    }
}
