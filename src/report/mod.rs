//! The report layer: DataFrames as HTML/text tables and CSV ([`table`]), plotly figures that display in
//! evcxr and survive HTML export ([`figure`]), the analyses' charts ([`charts`]), the checked claims as table and
//! data ([`claims`]), the in-page explorers of the exported reports ([`explorer`]), and evcxr's display protocol
//! ([`evcxr`]) under all of them.

pub mod charts;
pub mod claims;
pub mod display;
pub mod evcxr;
pub mod explorer;
pub mod export;
pub mod figure;
pub mod figures;
pub mod table;

pub use charts::*;
pub use claims::{ClaimsTable, CLAIMS_MIME};
pub use display::EvcxrDisplay;
pub use explorer::Explorer;
pub use export::save_outputs;
pub use figure::{plotly_bootstrap, Figure, PlotlyBootstrap};
pub use figures::Figures;
pub use table::{
    column, filter_rows, format_float, matrix_table, moment_traces_table, percent_encode, to_csv_string,
    values_table, write_csv,
    Cell, Table, DEFAULT_SHOWN_ROWS,
};
