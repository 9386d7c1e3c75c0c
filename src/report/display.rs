//! How values show up in an evcxr (Jupyter) cell. evcxr calls `evcxr_display()` on a cell's final expression
//! when the type has it. [`EvcxrDisplay`] gives that method to our display types *and* to `Result`s of them,
//! so a cell can end with `condition_vs_depth_figure(&cond)` — no `?` needed (evcxr 0.22 falls back to the
//! debug text when a cell that defines variables ends with `?`). An `Err` panics with its message, which evcxr
//! reports as a failed cell: errors are never shown as if they were results.

use super::figure::{Figure, PlotlyBootstrap};
use super::table::Table;
use crate::error::Error;

pub use super::evcxr::{bundle_text, emit_bundle};

/// Something that can render itself as evcxr display output (MIME-typed blocks on stdout).
pub trait EvcxrDisplay {
    /// Emits the display output.
    fn evcxr_display(&self);
}

impl EvcxrDisplay for Table {
    fn evcxr_display(&self) {
        Table::evcxr_display(self)
    }
}

impl EvcxrDisplay for Figure {
    fn evcxr_display(&self) {
        Figure::evcxr_display(self)
    }
}

impl EvcxrDisplay for PlotlyBootstrap {
    fn evcxr_display(&self) {
        PlotlyBootstrap::evcxr_display(self)
    }
}

impl<T: EvcxrDisplay> EvcxrDisplay for Result<T, Error> {
    /// Shows the value, or fails the cell with the error's message.
    fn evcxr_display(&self) {
        match self {
            Ok(v) => v.evcxr_display(),
            Err(e) => panic!("{e}"),
        }
    }
}
