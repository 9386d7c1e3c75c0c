//! # demystify-resnet
//!
//! A runnable companion to *Demystifying ResNet* (Li, Jiao, Han, Weissman, 2016). With identity shortcuts
//! that skip **two** layers, the Hessian of the loss at the zero initial point has a condition number that does
//! not depend on depth; shortcuts of one layer behave like no shortcut (the condition number explodes with
//! depth), and shortcuts of three or more make the zero point a flat, high-order saddle.
//!
//! Layers (each uses only those below it): [`numbers`] (one float formatter, fits) under everything; [`net`] and
//! [`data`] (compile-time-shaped residual networks on dfdx, datasets and their moments) → [`hessian`] (exact
//! Hessians by the R-operator, finite differences as a cross-check, Taylor coefficients along a line, closed
//! forms at zero, spectra, matrix-free methods) and [`train`] (optimisers, histories, divergence detection) →
//! [`experiments`] (the paper's analyses) → [`report`] (HTML tables, plotly figures, evcxr display) → the
//! notebooks.
//!
//! Conventions (THEORY.md): square width-`D` networks without biases; unit 1 is applied first; the loss is
//! `ℓ(W) = 1/(2m) Σ_i ‖y_i − f(x_i)‖²`; the flat parameter order is unit-major, then layer `k = 1..n` inside a
//! unit, then the row-major entries of `W_{l,k}` (`P = n·L·D²` parameters).
//!
//! ```
//! use demystify_resnet::prelude::*;
//! # fn main() -> demystify_resnet::Result<()> {
//! let data = Teacher { samples: 128, ..Default::default() }.generate::<4>()?.data;
//! let mut net = ResNet::<4, 2>::new(16, &Init::SmallGaussian { std: 1e-2 }, 1)?; // D = 4, shortcut 2, L = 16
//! let history = train(&mut net, &data, &TrainConfig { learning_rate: 0.1, steps: 500, ..Default::default() })?;
//! assert!(history.final_loss().unwrap() < 1e-3 * history.initial_loss().unwrap());
//! # Ok(()) }
//! ```

pub mod course;
pub mod data;
pub mod error;
pub mod exercises;
pub mod experiments;
mod files;
pub mod hessian;
pub mod net;
pub mod numbers;
pub mod progress;
mod random;
pub mod report;
pub mod train;

pub use dfdx;
pub use faer;
pub use plotly;
pub use polars;

pub use error::{Error, Result};

/// Everything a notebook or example usually needs, in one import.
pub mod prelude {
    pub use crate::data::{
        digits::digits, Dataset, GenerateTeacher, Moments, Teacher, TeacherData,
    };
    pub use crate::error::{Error, Result};
    pub use crate::exercises::{self, Feedback};
    pub use crate::experiments::schema::shared;
    // Every analysis with its config and typed result, and the claims: a new analysis joins the prelude
    // through its `pub use` line in `experiments`, with no list here to keep.
    pub use crate::experiments::*;
    pub use crate::hessian::{
        hessian_at, spectrum_of, theory, HessianMethod, HessianOptions, Spectrum,
    };
    pub use crate::net::{
        unit::builder as unit_builder, Activation, Architecture, FlatParams, Identity, Init,
        Network, PlainNet, ReLU, ResNet, ResidualUnit, Tanh,
    };
    pub use crate::report::charts::*;
    pub use crate::report::{
        filter_rows, matrix_table, moment_traces_table, plotly_bootstrap, save_outputs, values_table,
        write_csv, Cell, ClaimsTable,
        EvcxrDisplay, Explorer, Figure, Table,
    };
    pub use crate::train::{train, History, Optimiser, RunStatus, TrainConfig};
    pub use polars::prelude::DataFrame;
}
