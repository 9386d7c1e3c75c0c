//! How values show up in an evcxr (Jupyter) cell. evcxr calls `evcxr_display()` on a cell's final expression
//! when the type has it. [`EvcxrDisplay`] gives that method to our display types *and* to `Result`s of them,
//! so a cell can end with `condition_vs_depth_figure(&cond)` — no `?` needed (evcxr 0.22 falls back to the
//! debug text when a cell that defines variables ends with `?`). An `Err` panics with its message, which evcxr
//! reports as a failed cell: errors are never shown as if they were results.

use super::figure::{Figure, PlotlyBootstrap};
use super::table::Table;
use crate::error::Error;

/// evcxr's display protocol, in one place: writes one output bundle to standard output, each `(mime, body)` pair
/// as a block `EVCXR_BEGIN_CONTENT mime` / `body` / `EVCXR_END_CONTENT`. evcxr gathers the blocks a cell prints
/// into one Jupyter `display_data` message with one entry per MIME type; the frontend draws the richest it knows.
pub fn emit_bundle(parts: &[(&str, &str)]) {
    print!("{}", bundle_text(parts));
}

/// The text [`emit_bundle`] writes (for tests and for callers that buffer).
pub fn bundle_text(parts: &[(&str, &str)]) -> String {
    parts
        .iter()
        .map(|(mime, body)| format!("EVCXR_BEGIN_CONTENT {mime}\n{body}\nEVCXR_END_CONTENT\n"))
        .collect()
}

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
