//! The figures of an analysis's typed output, behind one method, so that code handling any analysis of the one
//! shape (`experiments::Analysis`) gets its charts the same way.

use super::charts::{condition_vs_depth_figure, spectrum_figure, stationary_order_figure};
use super::figure::Figure;
use crate::error::Result;
use crate::experiments::{ConditionVsDepth, SpectrumAtZero, StationaryOrder};

/// The figures a notebook shows for an analysis's output, in notebook order.
pub trait Figures {
    /// Every figure of the output.
    fn figures(&self) -> Result<Vec<Figure>>;
}

impl Figures for ConditionVsDepth {
    /// The condition number against depth ([`condition_vs_depth_figure`]).
    fn figures(&self) -> Result<Vec<Figure>> {
        Ok(vec![condition_vs_depth_figure(self)?])
    }
}

impl Figures for StationaryOrder {
    /// `|φ(t)|` against `t`, one line per shortcut depth ([`stationary_order_figure`]).
    fn figures(&self) -> Result<Vec<Figure>> {
        Ok(vec![stationary_order_figure(self)?])
    }
}

impl Figures for SpectrumAtZero {
    /// The spectrum at zero of each shortcut depth ([`spectrum_figure`]).
    fn figures(&self) -> Result<Vec<Figure>> {
        self.shortcuts
            .iter()
            .map(|s| spectrum_figure(self, s.shortcut))
            .collect()
    }
}
