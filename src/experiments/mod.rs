//! The paper's analyses as functions: each takes a config (`Default` = the full analysis, `quick()` = a small
//! version with the same code path), checks it once ([`Validate`]) and returns its own typed result (rows with
//! enums; `to_frame()`-style methods give polars DataFrames, with documented columns, for display and CSV only).
//! Every analysis implements [`Analysis`]: `run`, and `claims` on the typed result. Configurations run in
//! parallel (rayon); every number depends only on the config and its seeds, never on the number of threads.
//!
//! Which notebook runs which analysis, and what each shows, is the course's one list, [`crate::course::NOTEBOOKS`];
//! each module's documentation states the paper claim it tests.

pub mod analysis;
pub mod checked;
pub mod claims;
pub mod condition;
pub mod depth_scale;
pub mod escape;
pub mod identity;
pub mod matrix_free;
pub mod network;
pub mod relu;
pub mod schema;
pub mod spectrum;
pub mod stationary_order;
pub mod training;
pub mod trajectory;
pub mod widths;

use polars::prelude::{Column, DataFrame, NamedFrom, Series};

use crate::error::{Error, Result};

pub use analysis::Analysis;
pub use checked::{Checked, Validate};
pub use claims::{claims_frame, Claim, Verdict};
pub use condition::{condition_vs_depth, ConditionVsDepth, ConditionVsDepthConfig};
pub use depth_scale::{depth_scale, DepthMeasure, DepthScale, DepthScaleConfig};
pub use escape::{escape_times, EscapeConfig, EscapeTimes};
pub use identity::{identity_at_zero, IdentityAtZero, IdentityConfig};
pub use matrix_free::{
    matrix_free_spectrum, Estimate, MatrixFreeConfig, MatrixFreeMethod, MatrixFreeResult, Quantity,
};
pub use network::{
    build_network, mnist_from_env, ActivationKind, AnyDataset, DataSpec, DynNetwork, NetworkSpec,
    MNIST_ENV,
};
pub use relu::{relu_conventions, ReluConvention, ReluConventions, ReluConventionsConfig};
pub use schema::{ColumnDef, ColumnType, Schema};
pub use spectrum::{spectrum_at_zero, SpectrumAtZero, SpectrumAtZeroConfig};
pub use stationary_order::{stationary_order, StationaryOrder, StationaryOrderConfig};
pub use training::{
    training_grid, Configuration, ConfigurationResult, GridRun, RateSummary, TrainingGrid,
    TrainingGridConfig,
};
pub use trajectory::{
    hessian_along_training, Checkpoint, HessianAlongTrainingConfig, HessianTrajectory,
    RunTrajectory, TrajectoryMeasure, TrajectoryRun, UnitBlock,
};

/// Name of the environment variable that switches notebooks, examples and tests to quick mode.
pub const QUICK_ENV: &str = "DEMYSTIFY_QUICK";

/// `true` when `DEMYSTIFY_QUICK=1`: notebooks and examples then use each config's `quick()` version (smaller
/// sweeps, same code path).
pub fn quick_mode() -> bool {
    std::env::var(QUICK_ENV).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// Errors if a list in a config is empty, naming the field.
pub(crate) fn ensure_nonempty<T>(field: &'static str, values: &[T]) -> Result<()> {
    if values.is_empty() {
        Err(Error::ZeroSize { field })
    } else {
        Ok(())
    }
}

/// Builds a DataFrame from named columns of equal length.
pub(crate) fn frame(columns: Vec<Column>) -> Result<DataFrame> {
    Ok(DataFrame::new_infer_height(columns)?)
}

/// A named column from any vector polars can hold (`Vec<f64>`, `Vec<Option<u64>>`, `Vec<String>`, …).
pub(crate) fn col<T, P: ?Sized>(name: &str, values: T) -> Column
where
    Series: NamedFrom<T, P>,
{
    Column::new(name.into(), values)
}

/// `u64` from a `usize` count (polars has no usize columns).
pub(crate) fn count(v: usize) -> u64 {
    v as u64
}
