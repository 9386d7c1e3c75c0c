//! The figures of an analysis's typed output, behind one method, so that code handling any analysis of the one
//! shape (`experiments::Analysis`) gets its charts the same way.

use super::charts::{
    condition_vs_depth_figure, density_figure, depth_scale_figure, eigenvalue_trajectories_figure,
    escape_figure,
    spectrum_figure, stationary_order_figure, training_grid_heatmaps, trajectory_figure,
};
use super::figure::Figure;
use crate::error::Result;
use crate::experiments::{
    ConditionVsDepth, DepthMeasure, DepthScale, EscapeTimes, HessianTrajectory, IdentityAtZero,
    MatrixFreeResult,
    ReluConventions, SpectrumAtZero, StationaryOrder, TrainingGrid, TrajectoryMeasure,
};

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

impl Figures for EscapeTimes {
    /// Escape steps against ε with the fitted theory curves ([`escape_figure`]).
    fn figures(&self) -> Result<Vec<Figure>> {
        Ok(vec![escape_figure(self)?])
    }
}

impl Figures for TrainingGrid {
    /// The mean final loss of every (configuration, rate) ([`training_grid_heatmaps`]); loss curves are a
    /// selection of runs, drawn with [`super::charts::loss_curves_figure`].
    fn figures(&self) -> Result<Vec<Figure>> {
        Ok(vec![training_grid_heatmaps(self)?])
    }
}

impl Figures for DepthScale {
    /// The edge of stability and the steps to the threshold against depth ([`depth_scale_figure`]).
    fn figures(&self) -> Result<Vec<Figure>> {
        [DepthMeasure::EdgeOfStability, DepthMeasure::StepsToThreshold]
            .iter()
            .map(|&m| depth_scale_figure(self, m))
            .collect()
    }
}

impl Figures for HessianTrajectory {
    /// The effective condition number and the fraction of negative eigenvalues along training
    /// ([`trajectory_figure`]), then the top eigenvalues ([`eigenvalue_trajectories_figure`]).
    fn figures(&self) -> Result<Vec<Figure>> {
        Ok(vec![
            trajectory_figure(self, TrajectoryMeasure::EffectiveConditionNumber)?,
            trajectory_figure(self, TrajectoryMeasure::NegativeFraction)?,
            eigenvalue_trajectories_figure(self)?,
        ])
    }
}

impl Figures for IdentityAtZero {
    /// None: notebook 01 shows this result as a table only.
    fn figures(&self) -> Result<Vec<Figure>> {
        Ok(Vec::new())
    }
}

impl Figures for ReluConventions {
    /// None: notebook 06 shows this result as a table only.
    fn figures(&self) -> Result<Vec<Figure>> {
        Ok(Vec::new())
    }
}

impl Figures for MatrixFreeResult {
    /// The SLQ density, smoothed with width 0.05, over the dense eigenvalues when the run has them
    /// ([`density_figure`]).
    fn figures(&self) -> Result<Vec<Figure>> {
        Ok(vec![density_figure(
            &self.density,
            0.05,
            self.dense_eigenvalues.as_deref(),
            "Eigenvalue density: SLQ (line) vs dense eigenvalues (bars)",
        )?])
    }
}
