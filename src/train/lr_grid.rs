//! Choosing the learning rate: train the same initial network at every rate of a grid (in parallel) and keep
//! the best rate by the crate's one rule, [`best_rate`] (also used by the training-grid analyses); widen a grid
//! until it brackets the largest stable rate ([`RateSearch`], [`RateBracket`]).

use rayon::prelude::*;

use super::{train, History, TrainConfig};
use crate::data::Dataset;
use crate::error::{ensure_positive, ensure_positive_size, Error, Result};
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

/// How far a learning-rate grid is widened so that every configuration is compared at its own best rate.
///
/// Starting from the grid, while no tried rate is stable (every rate had a diverged run) the next rate tried is
/// the smallest tried rate ÷ `factor`, down to `lowest`; while the largest stable rate η⁺ is also the largest
/// tried rate, the next is η⁺ × `factor`, up to `highest`; while the smallest diverging rate above η⁺ is more
/// than `factor` × η⁺ (a coarse grid), the next is η⁺ × `factor`. The search stops when the edge of stability is
/// *bracketed*: η⁺ < η_diverging ≤ η⁺·`factor` — or when a bound is reached (then the best rate is only a bound,
/// and [`RateBracket`] says so). `Default`: factor √10 (half a decade), bounds 1e-8 and 100.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateSearch {
    /// Ratio between successive added rates (> 1).
    pub factor: f64,
    /// No rate below this is tried (> 0).
    pub lowest: f64,
    /// No rate above this is tried (≥ `lowest`).
    pub highest: f64,
}

impl Default for RateSearch {
    fn default() -> Self {
        Self {
            factor: 10f64.sqrt(),
            lowest: 1e-8,
            highest: 100.0,
        }
    }
}

impl RateSearch {
    /// Checks `factor > 1` and `0 < lowest ≤ highest` (all finite); errors name the field.
    pub fn validate(&self) -> Result<()> {
        for (field, value) in [
            ("rate_search.factor", self.factor),
            ("rate_search.lowest", self.lowest),
            ("rate_search.highest", self.highest),
        ] {
            ensure_positive(field, value)?;
        }
        if self.factor <= 1.0 {
            return Err(Error::OutOfRange {
                field: "rate_search.factor",
                value: self.factor,
                expected: "must be > 1",
            });
        }
        if self.highest < self.lowest {
            return Err(Error::OutOfRange {
                field: "rate_search.highest",
                value: self.highest,
                expected: "must be ≥ rate_search.lowest",
            });
        }
        Ok(())
    }

    /// The next rate to try given the outcomes so far (any order), or `None` when the largest stable rate is
    /// bracketed or a bound stops the search. See [`RateSearch`].
    pub fn next_rate(&self, outcomes: &[RateOutcome]) -> Option<f64> {
        let bracket = RateBracket::of(outcomes);
        let candidate = match (bracket.largest_stable, bracket.smallest_diverging_above) {
            (None, _) => bracket.searched_from / self.factor,
            (Some(stable), None) => stable * self.factor,
            (Some(stable), Some(diverging)) if diverging > stable * self.factor * (1.0 + 1e-9) => {
                stable * self.factor
            }
            (Some(_), Some(_)) => return None,
        };
        // A tiny tolerance so that a bound hit by repeated multiplication (100 = 1·√10⁴) is still tried.
        let tol = 1e-9;
        (candidate >= self.lowest * (1.0 - tol) && candidate <= self.highest * (1.0 + tol))
            .then_some(candidate)
    }
}

/// Where the stable learning rates of a searched grid end: the largest rate none of whose runs diverged, and the
/// smallest diverging rate above it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateBracket {
    /// The smallest rate tried.
    pub searched_from: f64,
    /// The largest rate tried.
    pub searched_to: f64,
    /// The largest rate with no diverged run (`None`: every rate diverged for some seed).
    pub largest_stable: Option<f64>,
    /// The smallest rate above `largest_stable` with a diverged run (`None`: nothing above it diverged).
    pub smallest_diverging_above: Option<f64>,
}

impl RateBracket {
    /// The bracket of `outcomes` (at least one; any order).
    pub fn of(outcomes: &[RateOutcome]) -> Self {
        let rates = outcomes.iter().map(|o| o.learning_rate);
        let searched_from = rates.clone().fold(f64::INFINITY, f64::min);
        let searched_to = rates.fold(f64::NEG_INFINITY, f64::max);
        let largest_stable = outcomes
            .iter()
            .filter(|o| o.diverged_runs == 0)
            .map(|o| o.learning_rate)
            .reduce(f64::max);
        let smallest_diverging_above = largest_stable.and_then(|s| {
            outcomes
                .iter()
                .filter(|o| o.diverged_runs > 0 && o.learning_rate > s)
                .map(|o| o.learning_rate)
                .reduce(f64::min)
        });
        Self {
            searched_from,
            searched_to,
            largest_stable,
            smallest_diverging_above,
        }
    }

    /// `true` when the largest stable rate has a diverging rate above it (the search found the edge of
    /// stability; the best rate is not a bound set by the search range).
    pub fn is_bracketed(&self) -> bool {
        self.largest_stable.is_some() && self.smallest_diverging_above.is_some()
    }
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
