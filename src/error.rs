//! Typed errors. Every constructor that takes user input validates it and returns [`Result`];
//! nothing reaches dfdx with a shape or value that would make it panic. Errors that wrap another library's
//! error (I/O, polars, dfdx) keep it as their [`std::error::Error::source`], so a report shows where it came from.

use std::fmt;
use std::sync::Arc;

use demystify_core::Error as CoreError;

/// Everything that can go wrong in this crate, with the offending field or value named.
#[derive(Debug, Clone)]
pub enum Error {
    /// A size that must be positive was zero (depth `L`, width `D`, shortcut depth `N`, samples, steps …).
    ZeroSize {
        /// Which quantity, e.g. `"depth"`.
        field: &'static str,
    },
    /// A real-valued setting is outside its allowed range (learning rate ≤ 0, ε < 0, …).
    OutOfRange {
        /// Which setting, e.g. `"learning_rate"`.
        field: &'static str,
        /// The value given.
        value: f64,
        /// The rule it broke, e.g. `"must be > 0"`.
        expected: &'static str,
    },
    /// Two sizes that must agree do not (row width vs `D`, parameter vector vs `P`, …).
    ShapeMismatch {
        /// What was being checked, e.g. `"input row 3"`.
        what: String,
        /// The size required.
        expected: usize,
        /// The size found.
        found: usize,
    },
    /// A data value is NaN or infinite, or a quantity computed from finite data overflows.
    NonFinite {
        /// Where, e.g. `"x[12][3]"`.
        location: String,
    },
    /// A dense matrix would need more memory than the configured limit
    /// ([`crate::hessian::HessianOptions::max_dense_bytes`]); nothing was allocated.
    TooLarge {
        /// The dense object, e.g. `"numeric Hessian"`.
        what: &'static str,
        /// The number of parameters `P` (the matrix is `P×P`).
        params: usize,
        /// Estimated peak bytes of the computation.
        bytes_needed: u64,
        /// The limit in force.
        limit: u64,
        /// The matrix-free way to get the same information.
        alternative: &'static str,
    },
    /// A file could not be read or written.
    Io {
        /// The path involved.
        path: String,
        /// The operating-system error.
        source: Arc<std::io::Error>,
    },
    /// A file was read but its contents are not in the expected format.
    Parse {
        /// The path (or `"<memory>"`).
        path: String,
        /// Line or byte position, where known.
        line: Option<usize>,
        /// What was wrong.
        message: String,
    },
    /// A linear-algebra step failed (e.g. Cholesky of a singular covariance when whitening).
    LinearAlgebra(String),
    /// An error reported by dfdx (device errors; should not happen on the CPU).
    Device(dfdx::tensor::CpuError),
    /// A dfdx optimiser refused an update (e.g. parameters that received no gradient).
    Optimizer(String),
    /// A configuration combination that this crate does not support.
    Unsupported(String),
    /// A table is not what was asked of it (a missing column, a filter value that is not there, a frame that
    /// does not match its schema).
    Table(String),
    /// A polars operation failed while building or exporting a table.
    Polars(Arc<polars::error::PolarsError>),
    /// An exercise checker rejected a worked solution or accepted a wrong answer
    /// ([`crate::exercises::confirm`]).
    Exercise(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(core) = self.as_core() {
            return core.fmt(f);
        }
        match self {
            Error::Io { path, source } => write!(f, "cannot access `{path}`: {source}"),
            Error::Parse {
                path,
                line: Some(l),
                message,
            } => write!(f, "cannot parse `{path}` at line {l}: {message}"),
            Error::Parse {
                path,
                line: None,
                message,
            } => write!(f, "cannot parse `{path}`: {message}"),
            Error::Device(e) => write!(f, "dfdx device error: {e}"),
            Error::Optimizer(m) => write!(f, "dfdx optimiser: {m}"),
            Error::Unsupported(m) => write!(f, "unsupported: {m}"),
            Error::Table(m) => write!(f, "table: {m}"),
            Error::Polars(e) => write!(f, "polars failed while building a table: {e}"),
            Error::Exercise(m) => write!(f, "exercise checker: {m}"),
            // The variants shared with the core crate are written by `as_core` above.
            _ => Ok(()),
        }
    }
}

impl Error {
    /// The core crate's error of the same variant and fields, for the variants the two crates share.
    fn as_core(&self) -> Option<CoreError> {
        Some(match self.clone() {
            Error::ZeroSize { field } => CoreError::ZeroSize { field },
            Error::OutOfRange {
                field,
                value,
                expected,
            } => CoreError::OutOfRange {
                field,
                value,
                expected,
            },
            Error::ShapeMismatch {
                what,
                expected,
                found,
            } => CoreError::ShapeMismatch {
                what,
                expected,
                found,
            },
            Error::NonFinite { location } => CoreError::NonFinite { location },
            Error::TooLarge {
                what,
                params,
                bytes_needed,
                limit,
                alternative,
            } => CoreError::TooLarge {
                what,
                params,
                bytes_needed,
                limit,
                alternative,
            },
            Error::LinearAlgebra(m) => CoreError::LinearAlgebra(m),
            _ => return None,
        })
    }
}

/// A core-crate error as the variant of the same name and fields.
impl From<CoreError> for Error {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::ZeroSize { field } => Error::ZeroSize { field },
            CoreError::OutOfRange {
                field,
                value,
                expected,
            } => Error::OutOfRange {
                field,
                value,
                expected,
            },
            CoreError::ShapeMismatch {
                what,
                expected,
                found,
            } => Error::ShapeMismatch {
                what,
                expected,
                found,
            },
            CoreError::NonFinite { location } => Error::NonFinite { location },
            CoreError::TooLarge {
                what,
                params,
                bytes_needed,
                limit,
                alternative,
            } => Error::TooLarge {
                what,
                params,
                bytes_needed,
                limit,
                alternative,
            },
            CoreError::LinearAlgebra(m) => Error::LinearAlgebra(m),
            CoreError::Parse { source, message } => Error::Parse {
                path: source,
                line: None,
                message,
            },
        }
    }
}

/// The wrapped library error, where there is one: the `std::io::Error` of [`Error::Io`], the polars error of
/// [`Error::Polars`], the dfdx error of [`Error::Device`] (each downcastable to its own type).
impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source.as_ref()),
            Error::Polars(e) => Some(e.as_ref()),
            Error::Device(e) => Some(e),
            _ => None,
        }
    }
}

impl From<dfdx::tensor::CpuError> for Error {
    fn from(e: dfdx::tensor::CpuError) -> Self {
        Error::Device(e)
    }
}

/// Errors compare equal when they are the same variant with the same message (the wrapped library errors are
/// not comparable themselves).
impl PartialEq for Error {
    fn eq(&self, other: &Self) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
            && self.to_string() == other.to_string()
    }
}

/// `1.5 GiB`, `320 MiB`, `12 KiB`: a byte count for people ([`demystify_core::error::human_bytes`]).
pub use demystify_core::error::human_bytes;

impl From<polars::error::PolarsError> for Error {
    fn from(e: polars::error::PolarsError) -> Self {
        Error::Polars(Arc::new(e))
    }
}

/// Result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Checks that a size is positive.
pub(crate) fn ensure_positive_size(field: &'static str, value: usize) -> Result<()> {
    Ok(demystify_core::error::ensure_positive_size(field, value)?)
}

/// Checks that a real setting is finite and strictly positive.
pub(crate) fn ensure_positive(field: &'static str, value: f64) -> Result<()> {
    Ok(demystify_core::error::ensure_positive(field, value)?)
}

/// Checks that a real setting is finite and non-negative.
pub(crate) fn ensure_non_negative(field: &'static str, value: f64) -> Result<()> {
    Ok(demystify_core::error::ensure_non_negative(field, value)?)
}

/// Checks that two sizes agree.
pub(crate) fn ensure_len(what: impl Into<String>, expected: usize, found: usize) -> Result<()> {
    Ok(demystify_core::error::ensure_len(what, expected, found)?)
}
