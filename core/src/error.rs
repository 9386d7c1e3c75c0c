//! The errors of the core computations, each naming the offending field or value. The main crate converts each
//! into its own `Error` variant of the same name and fields.

use std::fmt;

/// What can go wrong in a closed form, a spectrum or a data moment.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// A size that must be positive was zero (depth `L`, width `D`, shortcut depth `N`, samples …).
    ZeroSize {
        /// Which quantity, e.g. `"depth"`.
        field: &'static str,
    },
    /// A real-valued setting is outside its allowed range.
    OutOfRange {
        /// Which setting, e.g. `"scale"`.
        field: &'static str,
        /// The value given.
        value: f64,
        /// The rule it broke, e.g. `"must be > 0"`.
        expected: &'static str,
    },
    /// Two sizes that must agree do not.
    ShapeMismatch {
        /// What was being checked.
        what: String,
        /// The size required.
        expected: usize,
        /// The size found.
        found: usize,
    },
    /// A value is NaN or infinite, or a quantity computed from finite data overflows.
    NonFinite {
        /// Where, e.g. `"x[12][3]"`.
        location: String,
    },
    /// A dense matrix would need more memory than the configured limit; nothing was allocated.
    TooLarge {
        /// The dense object, e.g. `"closed-form Hessian at zero"`.
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
    /// A linear-algebra step failed (e.g. Cholesky of a singular covariance when whitening).
    LinearAlgebra(String),
    /// Bytes that should hold a known format do not (an exercise box's data in a page).
    Parse {
        /// What was being read, e.g. `"exercise 3.1's data"`.
        source: String,
        /// What was wrong.
        message: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ZeroSize { field } => write!(f, "`{field}` must be at least 1, got 0"),
            Error::OutOfRange {
                field,
                value,
                expected,
            } => write!(f, "`{field}` = {value} is invalid: {expected}"),
            Error::ShapeMismatch {
                what,
                expected,
                found,
            } => write!(f, "shape mismatch in {what}: expected {expected}, found {found}"),
            Error::NonFinite { location } => write!(f, "non-finite value (NaN or ±inf) at {location}"),
            Error::TooLarge {
                what,
                params,
                bytes_needed,
                limit,
                alternative,
            } => write!(
                f,
                "{what} with P = {params} parameters needs about {} but the dense-size limit is {} (raise \
                 `HessianOptions::max_dense_bytes`, or use {alternative})",
                human_bytes(*bytes_needed),
                human_bytes(*limit)
            ),
            Error::LinearAlgebra(m) => write!(f, "linear algebra failed: {m}"),
            Error::Parse { source, message } => write!(f, "cannot parse `{source}`: {message}"),
        }
    }
}

impl std::error::Error for Error {}

/// Result type of the core computations.
pub type Result<T> = std::result::Result<T, Error>;

/// `bytes` in binary units, e.g. `"2.0 GiB"`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// `Err(ZeroSize)` when a size is 0.
pub fn ensure_positive_size(field: &'static str, value: usize) -> Result<()> {
    if value == 0 {
        Err(Error::ZeroSize { field })
    } else {
        Ok(())
    }
}

/// `Err(OutOfRange)` unless a real setting is finite and > 0.
pub fn ensure_positive(field: &'static str, value: f64) -> Result<()> {
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

/// `Err(OutOfRange)` unless a real setting is finite and ≥ 0.
pub fn ensure_non_negative(field: &'static str, value: f64) -> Result<()> {
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

/// `Err(ShapeMismatch)` unless two sizes agree.
pub fn ensure_len(what: impl Into<String>, expected: usize, found: usize) -> Result<()> {
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
