//! Choosing the learning rate: train the same initial network at every rate of a grid (in parallel) and keep
//! the rate with the lowest final loss among the runs that did not diverge.

use rayon::prelude::*;

use super::{train, History, TrainConfig};
use crate::data::Dataset;
use crate::error::{ensure_positive, ensure_positive_size, Result};
use crate::net::Network;

/// The outcome of a learning-rate grid: every run, in the order of the grid, and the best rate.
#[derive(Debug, Clone)]
pub struct LrSearch {
    /// `(learning rate, history)` for every rate of the grid, in the grid's order.
    pub runs: Vec<(f64, History)>,
    /// The rate whose run did not diverge and reached the lowest final loss (the smallest such rate on ties);
    /// `None` when every run diverged.
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
    let best = runs
        .iter()
        .filter(|(_, h)| !h.status.diverged())
        .filter_map(|(lr, h)| h.final_loss().map(|l| (*lr, l)))
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.total_cmp(&b.0)))
        .map(|(lr, _)| lr);
    Ok(LrSearch { runs, best })
}
