//! Choosing the learning rate: train the same initial network at every rate of a grid (in parallel) and keep
//! the best rate by the crate's one rule, [`best_rate`] (also used by the training-grid analyses); widen a grid
//! until it brackets the largest stable rate ([`RateSearch`], [`RateBracket`]).

use rayon::prelude::*;

use super::{train, History, TrainConfig};
use crate::data::Dataset;
use crate::error::{ensure_positive, ensure_positive_size, Error, Result};
use crate::net::Network;

/// What one learning rate of a grid achieved, over one or several seeds: the input of [`best_rate`] and of the
/// edge-of-stability search.
#[derive(Debug, Clone, PartialEq)]
pub struct RateOutcome {
    /// The learning rate η.
    pub learning_rate: f64,
    /// How many of its runs did not train stably ([`History::trained_stably`]: diverged, or ended above their
    /// initial loss).
    pub unstable_runs: usize,
    /// The final losses of its stably trained runs.
    pub final_losses: Vec<f64>,
    /// For each stably trained run, the first step at which it reached the threshold (`None`: not within its
    /// steps, or no threshold given).
    pub steps_to_threshold: Vec<Option<usize>>,
}

impl RateOutcome {
    /// The outcome of the runs `histories`, all at `learning_rate`; `threshold` is the loss that counts as
    /// fitted (for [`RateOutcome::steps_to_threshold`]).
    pub fn from_histories<'a>(
        learning_rate: f64,
        histories: impl IntoIterator<Item = &'a History>,
        threshold: Option<f64>,
    ) -> Self {
        let mut out = Self {
            learning_rate,
            unstable_runs: 0,
            final_losses: Vec::new(),
            steps_to_threshold: Vec::new(),
        };
        for h in histories {
            match (h.trained_stably(), h.final_loss()) {
                (true, Some(l)) => {
                    out.final_losses.push(l);
                    out.steps_to_threshold
                        .push(threshold.and_then(|t| h.steps_to_reach(t)));
                }
                _ => out.unstable_runs += 1,
            }
        }
        out
    }

    /// `true` when every run at this rate trained stably.
    pub fn is_stable(&self) -> bool {
        self.unstable_runs == 0 && !self.final_losses.is_empty()
    }

    /// Mean final loss over the stably trained runs (`None` when there are none).
    pub fn mean_final_loss(&self) -> Option<f64> {
        mean(&self.final_losses)
    }

    /// Mean steps to the threshold when **every** run reached it (`None` otherwise).
    pub fn mean_steps_to_threshold(&self) -> Option<f64> {
        let steps: Option<Vec<f64>> = self
            .steps_to_threshold
            .iter()
            .map(|s| s.map(|s| s as f64))
            .collect();
        steps.and_then(|s| mean(&s))
    }
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// **The best-learning-rate rule** of the crate, among the stable rates ([`RateOutcome::is_stable`]): the rate
/// whose runs all reach the threshold in the fewest mean steps; if no stable rate reaches it, the one with the
/// lowest mean final loss. Ties go to the lower mean final loss, then to the smaller rate. Returns its index in
/// `outcomes`, or `None` when no rate is stable.
///
/// Speed first, because final losses of runs that fit the data all sit at the rounding floor, where their order
/// is noise; steps to a stated threshold are not.
pub fn best_rate(outcomes: &[RateOutcome]) -> Option<usize> {
    let stable = || outcomes.iter().enumerate().filter(|(_, o)| o.is_stable());
    let by_loss = |a: &(usize, &RateOutcome), b: &(usize, &RateOutcome)| {
        let (la, lb) = (a.1.mean_final_loss(), b.1.mean_final_loss());
        la.unwrap_or(f64::INFINITY)
            .total_cmp(&lb.unwrap_or(f64::INFINITY))
            .then(a.1.learning_rate.total_cmp(&b.1.learning_rate))
    };
    let fastest = stable()
        .filter(|(_, o)| o.mean_steps_to_threshold().is_some())
        .min_by(|a, b| {
            let (sa, sb) = (a.1.mean_steps_to_threshold(), b.1.mean_steps_to_threshold());
            sa.unwrap_or(f64::INFINITY)
                .total_cmp(&sb.unwrap_or(f64::INFINITY))
                .then_with(|| by_loss(a, b))
        });
    fastest.or_else(|| stable().min_by(by_loss)).map(|(i, _)| i)
}

/// How far a learning-rate grid is widened so that every configuration is compared at its own best rate.
///
/// Starting from the grid, while no tried rate is stable ([`RateOutcome::is_stable`]) the next rate tried is the
/// smallest tried rate ÷ `factor`, down to `lowest`; while the largest stable rate η⁺ is also the largest tried
/// rate, the next is η⁺ × `factor`, up to `highest`. Once an unstable rate η⁻ sits above η⁺, the edge is
/// *bisected* geometrically: the next rate is √(η⁺ η⁻), until η⁻ ≤ η⁺ · `resolution`. The search stops there —
/// the edge of stability is bracketed to within `resolution` — or when a bound is reached (then [`RateBracket`]
/// says that the largest stable rate is only a bound). `Default`: factor √10 (half a decade), resolution 1.2,
/// bounds 1e-8 and 100.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateSearch {
    /// Ratio between successive added rates while widening (> 1).
    pub factor: f64,
    /// The bisection stops when the bracket η⁻/η⁺ is at most this ratio (> 1).
    pub resolution: f64,
    /// No rate below this is tried (> 0).
    pub lowest: f64,
    /// No rate above this is tried (≥ `lowest`).
    pub highest: f64,
}

impl Default for RateSearch {
    fn default() -> Self {
        Self {
            factor: 10f64.sqrt(),
            resolution: 1.2,
            lowest: 1e-8,
            highest: 100.0,
        }
    }
}

impl RateSearch {
    /// Checks `factor > 1`, `resolution > 1` and `0 < lowest ≤ highest` (all finite); errors name the field.
    pub fn validate(&self) -> Result<()> {
        for (field, value) in [
            ("rate_search.factor", self.factor),
            ("rate_search.resolution", self.resolution),
            ("rate_search.lowest", self.lowest),
            ("rate_search.highest", self.highest),
        ] {
            ensure_positive(field, value)?;
        }
        for (field, value) in [
            ("rate_search.factor", self.factor),
            ("rate_search.resolution", self.resolution),
        ] {
            if value <= 1.0 {
                return Err(Error::OutOfRange {
                    field,
                    value,
                    expected: "must be > 1",
                });
            }
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
        let candidate = match (bracket.largest_stable, bracket.smallest_unstable_above) {
            (None, _) => bracket.searched_from / self.factor,
            (Some(stable), None) => stable * self.factor,
            (Some(stable), Some(unstable))
                if unstable > stable * self.resolution * (1.0 + 1e-9) =>
            {
                (stable * unstable).sqrt()
            }
            (Some(_), Some(_)) => return None,
        };
        // A tiny tolerance so that a bound hit by repeated multiplication (100 = 1·√10⁴) is still tried.
        let tol = 1e-9;
        (candidate >= self.lowest * (1.0 - tol) && candidate <= self.highest * (1.0 + tol))
            .then_some(candidate)
    }
}

/// Where the stable learning rates of a searched grid end (the *edge of stability*): the largest rate whose runs
/// all trained stably, and the smallest unstable rate above it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateBracket {
    /// The smallest rate tried.
    pub searched_from: f64,
    /// The largest rate tried.
    pub searched_to: f64,
    /// The largest rate whose runs all trained stably (`None`: no rate did).
    pub largest_stable: Option<f64>,
    /// The smallest rate above `largest_stable` with an unstable run (`None`: nothing above it was unstable).
    pub smallest_unstable_above: Option<f64>,
}

impl RateBracket {
    /// The bracket of `outcomes` (at least one; any order).
    pub fn of(outcomes: &[RateOutcome]) -> Self {
        let rates = outcomes.iter().map(|o| o.learning_rate);
        let searched_from = rates.clone().fold(f64::INFINITY, f64::min);
        let searched_to = rates.fold(f64::NEG_INFINITY, f64::max);
        let largest_stable = outcomes
            .iter()
            .filter(|o| o.is_stable())
            .map(|o| o.learning_rate)
            .reduce(f64::max);
        let smallest_unstable_above = largest_stable.and_then(|s| {
            outcomes
                .iter()
                .filter(|o| !o.is_stable() && o.learning_rate > s)
                .map(|o| o.learning_rate)
                .reduce(f64::min)
        });
        Self {
            searched_from,
            searched_to,
            largest_stable,
            smallest_unstable_above,
        }
    }

    /// `true` when the largest stable rate has an unstable rate above it (the search found the edge of
    /// stability; it is not a bound set by the search range).
    pub fn is_bracketed(&self) -> bool {
        self.largest_stable.is_some() && self.smallest_unstable_above.is_some()
    }
}

/// The outcome of a learning-rate grid: every run, in the order of the grid, and the best rate.
#[derive(Debug, Clone)]
pub struct LrSearch {
    /// `(learning rate, history)` for every rate of the grid, in the grid's order.
    pub runs: Vec<(f64, History)>,
    /// The best rate by [`best_rate`] (stable, fewest steps to `threshold` if given and reached, else lowest
    /// final loss); `None` when no run trained stably.
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
/// returns all runs and the best rate by [`best_rate`], speed measured to `threshold` (a loss; `None`: lowest
/// final loss decides). Runs are independent, so the result does not depend on the number of threads. Errors: an
/// empty grid, a non-positive rate, or an invalid `config`.
pub fn best_learning_rate<const D: usize, Net: Network<D>>(
    initial: &Net,
    data: &Dataset<D>,
    rates: &[f64],
    config: &TrainConfig,
    threshold: Option<f64>,
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
        .map(|(lr, h)| RateOutcome::from_histories(*lr, [h], threshold))
        .collect();
    let best = best_rate(&outcomes).map(|i| outcomes[i].learning_rate);
    Ok(LrSearch { runs, best })
}
