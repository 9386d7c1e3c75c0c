//! Typed errors. Every constructor that takes user input validates it and returns [`Result`];
//! nothing reaches dfdx with a shape or value that would make it panic.

use std::fmt;

/// Everything that can go wrong in this crate, with the offending field or value named.
#[derive(Debug, Clone, PartialEq)]
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
    /// A data value is NaN or infinite.
    NonFinite {
        /// Where, e.g. `"x[12][3]"`.
        location: String,
    },
    /// A file could not be read or written.
    Io {
        /// The path involved.
        path: String,
        /// The operating-system message.
        message: String,
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
    Device(String),
    /// A configuration combination that this crate does not support.
    Unsupported(String),
    /// A polars operation failed while building or exporting a table.
    Table(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ZeroSize { field } => write!(f, "`{field}` must be at least 1, got 0"),
            Error::OutOfRange {
                field,
                value,
                expected,
            } => {
                write!(f, "`{field}` = {value} is invalid: {expected}")
            }
            Error::ShapeMismatch {
                what,
                expected,
                found,
            } => {
                write!(
                    f,
                    "shape mismatch in {what}: expected {expected}, found {found}"
                )
            }
            Error::NonFinite { location } => {
                write!(f, "non-finite value (NaN or ±inf) at {location}")
            }
            Error::Io { path, message } => write!(f, "cannot access `{path}`: {message}"),
            Error::Parse {
                path,
                line,
                message,
            } => match line {
                Some(l) => write!(f, "cannot parse `{path}` at line {l}: {message}"),
                None => write!(f, "cannot parse `{path}`: {message}"),
            },
            Error::LinearAlgebra(m) => write!(f, "linear algebra failed: {m}"),
            Error::Device(m) => write!(f, "dfdx device error: {m}"),
            Error::Unsupported(m) => write!(f, "unsupported: {m}"),
            Error::Table(m) => write!(f, "table: {m}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<dfdx::tensor::CpuError> for Error {
    fn from(e: dfdx::tensor::CpuError) -> Self {
        Error::Device(format!("{e:?}"))
    }
}

impl From<polars::error::PolarsError> for Error {
    fn from(e: polars::error::PolarsError) -> Self {
        Error::Table(e.to_string())
    }
}

/// Result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Checks that a size is positive.
pub(crate) fn ensure_positive_size(field: &'static str, value: usize) -> Result<()> {
    if value == 0 {
        Err(Error::ZeroSize { field })
    } else {
        Ok(())
    }
}

/// Checks that a real setting is finite and strictly positive.
pub(crate) fn ensure_positive(field: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(Error::OutOfRange {
            field,
            value,
            expected: "must be finite and > 0",
        })
    }
}

/// Checks that a real setting is finite and non-negative.
pub(crate) fn ensure_non_negative(field: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(Error::OutOfRange {
            field,
            value,
            expected: "must be finite and >= 0",
        })
    }
}

/// Checks that two sizes agree.
pub(crate) fn ensure_len(what: impl Into<String>, expected: usize, found: usize) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::ShapeMismatch {
            what: what.into(),
            expected,
            found,
        })
    }
}
