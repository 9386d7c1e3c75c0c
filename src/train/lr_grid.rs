//! Choosing the learning rate: train the same initial network at every rate of a grid (in parallel) and keep
//! the best rate by the crate's one rule, [`best_rate`] (also used by the training-grid analyses).

use rayon::prelude::*;

use super::{train, History, TrainConfig};
use crate::data::Dataset;
use crate::error::{ensure_positive, ensure_positive_size, Result};
use crate::net::Network;

/// What one learning rate of a grid achieved, over one or several seeds: the input of [`best_rate`].
#[derive(Debug, Clone, PartialEq)]
pub struct RateOutcome {
    /// The learning rate η.
    pub learning_rate: f64,
    /// How many of its runs diverged.
    pub diverged_runs: usize,
    /// The final losses of its runs that did not diverge.
    pub final_losses: Vec<f64>,
}

impl RateOutcome {
    /// The outcome of the runs `histories`, all at `learning_rate`.
    pub fn from_histories<'a>(
        learning_rate: f64,
        histories: impl IntoIterator<Item = &'a History>,
    ) -> Self {
        let mut out = Self {
            learning_rate,
            diverged_runs: 0,
            final_losses: Vec::new(),
        };
        for h in histories {
            if h.status.diverged() {
                out.diverged_runs += 1;
            } else if let Some(l) = h.final_loss() {
                out.final_losses.push(l);
            }
        }
        out
    }

    /// Mean final loss over the runs that did not diverge (`None` when there are none).
    pub fn mean_final_loss(&self) -> Option<f64> {
        (!self.final_losses.is_empty())
            .then(|| self.final_losses.iter().sum::<f64>() / self.final_losses.len() as f64)
    }
}

/// **The best-learning-rate rule** of the crate: among the rates none of whose runs diverged, the one with the
/// lowest mean final loss; on a tie, the smaller rate. Returns its index in `outcomes`, or `None` when every
/// rate had a diverged run.
pub fn best_rate(outcomes: &[RateOutcome]) -> Option<usize> {
    outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| o.diverged_runs == 0)
        .filter_map(|(i, o)| o.mean_final_loss().map(|l| (i, o.learning_rate, l)))
        .min_by(|a, b| a.2.total_cmp(&b.2).then(a.1.total_cmp(&b.1)))
        .map(|(i, _, _)| i)
}

/// The outcome of a learning-rate grid: every run, in the order of the grid, and the best rate.
#[derive(Debug, Clone)]
pub struct LrSearch {
    /// `(learning rate, history)` for every rate of the grid, in the grid's order.
    pub runs: Vec<(f64, History)>,
    /// The best rate by [`best_rate`] (the run did not diverge and reached the lowest final loss; the smaller
    /// rate on ties); `None` when every run diverged.
    pub best: Option<f64>,
}

impl LrSearch {
    /// The history of the best run.
    pub fn best_history(&self) -> Option<&History> {
        let best = self.best?;
        self.runs.iter().find(|(lr, _)| *lr == best).map(|(_, h)| h)
    }
}

/// Trains a copy of `initial` on `data` for every learning rate in `rates` (other settings from `config`) and
/// returns all runs and the best rate. Runs are independent, so the result does not depend on the number of
/// threads. Errors: an empty grid, a non-positive rate, or an invalid `config`.
pub fn best_learning_rate<const D: usize, Net: Network<D>>(
    initial: &Net,
    data: &Dataset<D>,
    rates: &[f64],
    config: &TrainConfig,
) -> Result<LrSearch> {
    ensure_positive_size("learning-rate grid length", rates.len())?;
    for &lr in rates {
        ensure_positive("learning_rate", lr)?;
    }
    config.validate()?;
    let runs = rates
        .par_iter()
        .map(|&lr| {
            let mut net = initial.clone();
            let cfg = TrainConfig {
                learning_rate: lr,
                ..config.clone()
            };
            train(&mut net, data, &cfg).map(|h| (lr, h))
        })
        .collect::<Result<Vec<_>>>()?;
    let outcomes: Vec<RateOutcome> = runs
        .iter()
        .map(|(lr, h)| RateOutcome::from_histories(*lr, [h]))
        .collect();
    let best = best_rate(&outcomes).map(|i| outcomes[i].learning_rate);
    Ok(LrSearch { runs, best })
}
