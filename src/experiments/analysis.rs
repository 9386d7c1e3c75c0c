//! One shape for an analysis: a config that has passed validation ([`Checked`]) runs to a typed output (rows with
//! enums, no strings to parse), and the claims a notebook makes are computed from that output. The output's
//! `to_frame()` is for display and CSV only; its figures are in the report layer
//! (`report::Figures`), which sits above this one.
//!
//! Implemented by every analysis of the course: the configs listed in the `analysis!` block at the end of this
//! file.

use super::checked::{Checked, Validate};
use super::claims::Claim;
use super::condition::{self, ConditionVsDepth, ConditionVsDepthConfig};
use super::depth_scale::{self, DepthScale, DepthScaleConfig};
use super::escape::{self, EscapeConfig, EscapeTimes};
use super::identity::{self, IdentityAtZero, IdentityConfig};
use super::matrix_free::{self, MatrixFreeConfig, MatrixFreeResult};
use super::relu::{self, ReluConventions, ReluConventionsConfig};
use super::spectrum::{self, SpectrumAtZero, SpectrumAtZeroConfig};
use super::stationary_order::{self, StationaryOrder, StationaryOrderConfig};
use super::training::{self, TrainingGrid, TrainingGridConfig};
use super::trajectory::{self, HessianAlongTrainingConfig, HessianTrajectory};
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

/// Implements [`Analysis`] for a config whose module has `run_checked(&Checked<Config>)` and `claims(&Output)`.
macro_rules! analysis {
    ($($config:ty => $output:ty, $module:ident;)*) => {$(
        impl Analysis for $config {
            type Output = $output;
            fn run(config: &Checked<Self>) -> Result<$output> {
                $module::run_checked(config)
            }
            fn claims(output: &$output) -> Result<Vec<Claim>> {
                $module::claims(output)
            }
        }
    )*};
}

analysis! {
    ConditionVsDepthConfig => ConditionVsDepth, condition;
    StationaryOrderConfig => StationaryOrder, stationary_order;
    SpectrumAtZeroConfig => SpectrumAtZero, spectrum;
    EscapeConfig => EscapeTimes, escape;
    IdentityConfig => IdentityAtZero, identity;
    ReluConventionsConfig => ReluConventions, relu;
    TrainingGridConfig => TrainingGrid, training;
    DepthScaleConfig => DepthScale, depth_scale;
    HessianAlongTrainingConfig => HessianTrajectory, trajectory;
    MatrixFreeConfig => MatrixFreeResult, matrix_free;
}
