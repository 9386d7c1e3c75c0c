//! One shape for an analysis: a config that has passed validation ([`Checked`]) runs to a typed output (rows with
//! enums, no strings to parse), and the claims a notebook makes are computed from that output. The output's
//! `to_frame()` is for display and CSV only; its figures are in the report layer
//! (`report::Figures`), which sits above this one.
//!
//! Implemented by every analysis of the course, each with one `analysis!(Config => Output);` line in its own
//! module.

use super::checked::{Checked, Validate};
use super::claims::Claim;
use crate::error::Result;

/// An analysis of the course: its config is the implementing type.
pub trait Analysis: Validate + Clone {
    /// The typed result of a run.
    type Output;
    /// Runs a checked config.
    fn run(config: &Checked<Self>) -> Result<Self::Output>;
    /// The claims checked on a result, each with its evidence and verdict.
    fn claims(output: &Self::Output) -> Result<Vec<Claim>>;
    /// Checks the config ([`Validate::check`]), then runs it.
    fn check_and_run(&self) -> Result<Self::Output> {
        Self::run(&self.clone().check()?)
    }
}

/// `analysis!(Config => Output);` in an analysis's module implements [`Analysis`] from the module's
/// `run_checked(&Checked<Config>)` and `claims(&Output)`: one line per analysis, and this module depends on none
/// of them.
macro_rules! analysis {
    ($config:ty => $output:ty) => {
        impl $crate::experiments::analysis::Analysis for $config {
            type Output = $output;
            fn run(
                config: &$crate::experiments::checked::Checked<Self>,
            ) -> $crate::error::Result<$output> {
                run_checked(config)
            }
            fn claims(
                output: &$output,
            ) -> $crate::error::Result<Vec<$crate::experiments::claims::Claim>> {
                claims(output)
            }
        }
    };
}
pub(crate) use analysis;

