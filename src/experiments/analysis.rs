//! One shape for an analysis: a config that has passed validation ([`Checked`]) runs to a typed output (rows with
//! enums, no strings to parse), and the claims a notebook makes are computed from that output. The output's
//! `to_frame()` is for display and CSV only; its figures are in the report layer
//! (`report::Figures`), which sits above this one.
//!
//! Implemented by [`SpectrumAtZeroConfig`], [`ConditionVsDepthConfig`] and [`StationaryOrderConfig`]; the other analyses still return
//! DataFrames and move to this shape one by one.

use super::checked::{Checked, Validate};
use super::claims::Claim;
use super::condition::{self, ConditionVsDepth, ConditionVsDepthConfig};
use super::spectrum::{self, SpectrumAtZero, SpectrumAtZeroConfig};
use super::stationary_order::{self, StationaryOrder, StationaryOrderConfig};
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

impl Analysis for ConditionVsDepthConfig {
    type Output = ConditionVsDepth;
    fn run(config: &Checked<Self>) -> Result<ConditionVsDepth> {
        condition::run_checked(config)
    }
    fn claims(output: &ConditionVsDepth) -> Result<Vec<Claim>> {
        condition::claims(output)
    }
}

impl Analysis for StationaryOrderConfig {
    type Output = StationaryOrder;
    fn run(config: &Checked<Self>) -> Result<StationaryOrder> {
        stationary_order::run_checked(config)
    }
    fn claims(output: &StationaryOrder) -> Result<Vec<Claim>> {
        Ok(stationary_order::claims(output))
    }
}

impl Analysis for SpectrumAtZeroConfig {
    type Output = SpectrumAtZero;
    fn run(config: &Checked<Self>) -> Result<SpectrumAtZero> {
        spectrum::run_checked(config)
    }
    fn claims(output: &SpectrumAtZero) -> Result<Vec<Claim>> {
        spectrum::claims(output)
    }
}
