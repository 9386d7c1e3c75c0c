//! Typed table contracts for the display edge: each table is declared once with `table!` (its [`Schema`]: the
//! columns in order, each beside the value a typed row gives it), which builds its DataFrame ([`Schema::frame`]
//! refuses a frame that does not match) and documents it ([`Schema::describe`], [`Schema::markdown`], and the
//! rustdoc of each [`ColumnDef`] constant, written from the same text). Column constants are defined once with
//! `columns!`, and notebooks name columns by them (`condition::SERIES.name`), so no string literal names a column in
//! two places.

use polars::prelude::{AnyValue, Column, DataFrame, DataType, NamedFrom, Series};

use super::{col, frame};
use crate::error::{Error, Result};

/// The value type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Text (polars `String`).
    Str,
    /// Unsigned count or index (polars `UInt64`).
    U64,
    /// Real number (polars `Float64`).
    F64,
    /// Flag (polars `Boolean`).
    Bool,
}

impl ColumnType {
    /// `"str"`, `"u64"`, `"f64"`, `"bool"`.
    pub fn name(&self) -> &'static str {
        match self {
            ColumnType::Str => "str",
            ColumnType::U64 => "u64",
            ColumnType::F64 => "f64",
            ColumnType::Bool => "bool",
        }
    }
    fn matches(&self, dtype: &DataType) -> bool {
        matches!(
            (self, dtype),
            (ColumnType::Str, DataType::String)
                | (ColumnType::U64, DataType::UInt64)
                | (ColumnType::F64, DataType::Float64)
                | (ColumnType::Bool, DataType::Boolean)
        )
    }
}

/// The column called `name`, found by comparing names one by one.
///
/// polars' own `DataFrame::column` looks the name up in a hash map whose hasher seed is a process-wide static;
/// in evcxr, where each cell is a separate shared library with its own copy of that static, a frame built in one
/// cell is then not found by name in the next ("not found"). A linear scan has no such state. The error lists
/// the columns that are there.
pub fn column_named<'a>(df: &'a DataFrame, name: &str) -> Result<&'a Column> {
    df.columns()
        .iter()
        .find(|c| c.name().as_str() == name)
        .ok_or_else(|| {
            let names: Vec<&str> = df.columns().iter().map(|c| c.name().as_str()).collect();
            Error::Table(format!(
                "no column `{name}` (columns: {})",
                names.join(", ")
            ))
        })
}

/// One column of an analysis table: its name, type, whether it may hold nulls, and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnDef {
    /// The column's name in the DataFrame.
    pub name: &'static str,
    /// Its value type.
    pub dtype: ColumnType,
    /// `true` when some rows may be null (e.g. "no condition number: the Hessian is flat").
    pub nullable: bool,
    /// What it holds, with the formula where there is one.
    pub doc: &'static str,
}

impl ColumnDef {
    /// This column of `df`, found by comparing names one by one (polars' hashed lookup fails across evcxr
    /// cells, see `report::table::column`). Errors when `df` has no such column.
    pub fn of<'a>(&self, df: &'a DataFrame) -> Result<&'a Column> {
        column_named(df, self.name)
    }

    /// Its values as `f64` (integers converted; nulls and non-numbers → `None`).
    pub fn f64s(&self, df: &DataFrame) -> Result<Vec<Option<f64>>> {
        let c = self.of(df)?;
        (0..df.height())
            .map(|i| {
                Ok(match c.get(i)? {
                    AnyValue::Float64(x) => Some(x),
                    AnyValue::Float32(x) => Some(x as f64),
                    AnyValue::UInt64(x) => Some(x as f64),
                    AnyValue::UInt32(x) => Some(x as f64),
                    AnyValue::Int64(x) => Some(x as f64),
                    AnyValue::Int32(x) => Some(x as f64),
                    _ => None,
                })
            })
            .collect()
    }

    /// Its values as text (nulls → `None`).
    pub fn strs(&self, df: &DataFrame) -> Result<Vec<Option<String>>> {
        let c = self.of(df)?;
        (0..df.height())
            .map(|i| {
                Ok(match c.get(i)? {
                    AnyValue::Null => None,
                    AnyValue::String(s) => Some(s.to_string()),
                    AnyValue::StringOwned(s) => Some(s.to_string()),
                    v => Some(v.to_string()),
                })
            })
            .collect()
    }

    /// Its values as booleans (nulls and non-booleans → `None`).
    pub fn bools(&self, df: &DataFrame) -> Result<Vec<Option<bool>>> {
        let c = self.of(df)?;
        (0..df.height())
            .map(|i| {
                Ok(if let AnyValue::Boolean(b) = c.get(i)? {
                    Some(b)
                } else {
                    None
                })
            })
            .collect()
    }

    /// A polars column of this name from `values`.
    pub(crate) fn values<T, P: ?Sized>(&self, values: T) -> Column
    where
        Series: NamedFrom<T, P>,
    {
        col(self.name, values)
    }
}

/// The columns of one table, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schema {
    /// The table's name, e.g. `"condition_vs_depth"`.
    pub name: &'static str,
    /// Its columns, in frame order.
    pub columns: &'static [ColumnDef],
}

impl Schema {
    /// Builds the DataFrame from `columns` and checks it against the schema ([`Schema::check`]).
    pub(crate) fn frame(&self, columns: Vec<Column>) -> Result<DataFrame> {
        let df = frame(columns)?;
        self.check(&df)?;
        Ok(df)
    }

    /// Checks that `df` has exactly this schema's columns, in order, with their types, and no null in a
    /// column that is not nullable. Errors name the first difference.
    pub fn check(&self, df: &DataFrame) -> Result<()> {
        let found: Vec<&str> = df.columns().iter().map(|c| c.name().as_str()).collect();
        let expected: Vec<&str> = self.columns.iter().map(|c| c.name).collect();
        if found != expected {
            return Err(Error::Table(format!(
                "`{}` frame has columns [{}], its schema says [{}]",
                self.name,
                found.join(", "),
                expected.join(", ")
            )));
        }
        for (def, column) in self.columns.iter().zip(df.columns()) {
            if !def.dtype.matches(column.dtype()) {
                return Err(Error::Table(format!(
                    "`{}`.`{}` has type {}, its schema says {}",
                    self.name,
                    def.name,
                    column.dtype(),
                    def.dtype.name()
                )));
            }
            if !def.nullable && column.null_count() > 0 {
                return Err(Error::Table(format!(
                    "`{}`.`{}` has {} null values but is not nullable",
                    self.name,
                    def.name,
                    column.null_count()
                )));
            }
        }
        Ok(())
    }

    /// The schema as a table: `column`, `type` (with `?` when nullable), `meaning`.
    pub fn describe(&self) -> Result<DataFrame> {
        frame(vec![
            col(
                "column",
                self.columns.iter().map(|c| c.name).collect::<Vec<_>>(),
            ),
            col(
                "type",
                self.columns
                    .iter()
                    .map(|c| format!("{}{}", c.dtype.name(), if c.nullable { "?" } else { "" }))
                    .collect::<Vec<_>>(),
            ),
            col(
                "meaning",
                self.columns
                    .iter()
                    .map(|c| c.doc.trim())
                    .collect::<Vec<_>>(),
            ),
        ])
    }

    /// The schema as a Markdown list, one line per column: `` `name` (type): meaning ``.
    pub fn markdown(&self) -> String {
        self.columns
            .iter()
            .map(|c| {
                format!(
                    "- `{}` ({}{}): {}\n",
                    c.name,
                    c.dtype.name(),
                    if c.nullable { ", nullable" } else { "" },
                    c.doc.trim()
                )
            })
            .collect()
    }
}

/// Declares column constants, each documented by the same text that [`ColumnDef::doc`] carries:
/// `/// meaning` then `NAME = "name": Type;` or `NAME = "name": Type, nullable;`.
macro_rules! columns {
    ($( #[doc = $doc:literal] $id:ident = $name:literal : $ty:ident $(, $nullable:ident)? ; )*) => {
        $(
            #[doc = $doc]
            pub const $id: $crate::experiments::schema::ColumnDef = $crate::experiments::schema::ColumnDef {
                name: $name,
                dtype: $crate::experiments::schema::ColumnType::$ty,
                nullable: columns!(@nullable $($nullable)?),
                doc: $doc,
            };
        )*
    };
    (@nullable) => { false };
    (@nullable nullable) => { true };
}
pub(crate) use columns;

/// Declares a table once: its [`Schema`] constant and the function that builds the checked DataFrame from typed
/// rows, with each column named in one place, next to the value it takes from a row:
///
/// ```text
/// table! {
///     /// The table of `identity_at_zero`.
///     pub SCHEMA = "identity_at_zero";
///     fn identity_frame(IdentityRow) {
///         shared::DEPTH => |r| count(r.depth),
///         DEVIATION_AT_START => |r| r.deviation_at_start,
///     }
/// }
/// ```
macro_rules! table {
    (
        $(#[doc = $doc:literal])*
        $vis:vis $schema:ident = $name:literal;
        $fvis:vis fn $builder:ident($row:ty) { $($col:path => $value:expr),+ $(,)? }
    ) => {
        $(#[doc = $doc])*
        $vis const $schema: $crate::experiments::schema::Schema = $crate::experiments::schema::Schema {
            name: $name,
            columns: &[$($col),+],
        };

        #[doc = concat!("Builds the `", $name, "` table from its rows, checked against its schema.")]
        $fvis fn $builder(rows: &[$row]) -> $crate::error::Result<polars::prelude::DataFrame> {
            $schema.frame(vec![$($col.values(rows.iter().map($value).collect::<Vec<_>>())),+])
        }
    };
}
pub(crate) use table;

/// Columns shared by several analyses (same name, type and meaning wherever they appear).
pub mod shared {
    columns! {
        /// Network label, e.g. `residual n=2` or `plain` (see `Architecture::label`).
        ARCHITECTURE = "architecture": Str;
        /// Initialisation label, e.g. `small(1e-3)`, `xavier`, `orthogonal` (see `Init::label`).
        INIT = "init": Str;
        /// Depth L: number of residual units (or plain layers).
        DEPTH = "depth": U64;
        /// Number of parameters P = n·L·D² (plain: L·D²).
        PARAMS = "params": U64;
        /// Learning rate η of the run.
        LEARNING_RATE = "learning_rate": F64;
        /// Seed of the initial weights (and of the minibatch order).
        SEED = "seed": U64;
        /// Optimisation step (0 = the initial point).
        STEP = "step": U64;
        /// Loss ℓ = 1/(2m) Σ‖y − f(x)‖² over the whole dataset.
        LOSS = "loss": F64;
        /// Residual shortcut depth n (null for the plain network).
        SHORTCUT = "shortcut": U64, nullable;
        /// Largest eigenvalue of the Hessian.
        LAMBDA_MAX = "lambda_max": F64;
        /// Smallest (most negative) eigenvalue of the Hessian.
        LAMBDA_MIN = "lambda_min": F64;
        /// Condition number max|λ| / min|λ| (null when the Hessian is flat, or where not computed).
        CONDITION_NUMBER = "condition_number": F64, nullable;
        /// Condition number over the eigenvalues with |λ| > 1e-9·max|λ| (null when flat or not computed).
        EFFECTIVE_CONDITION_NUMBER = "effective_condition_number": F64, nullable;
        /// Run outcome: `completed`, `reached_target` or `diverged` (see `RunStatus::label`).
        STATUS = "status": Str;
    }
}
