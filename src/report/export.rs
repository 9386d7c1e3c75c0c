//! Writing an analysis's outputs to disk: each table as CSV and each figure as a standalone offline HTML file.

use std::path::{Path, PathBuf};

use polars::prelude::DataFrame;

use super::figure::Figure;
use super::table::write_csv;
use crate::error::Result;

/// Writes `dir/{stem}_{name}.csv` for every table and `dir/{stem}_{name}.html` for every figure (creating
/// `dir`), and returns the paths written, tables first.
pub fn save_outputs(
    dir: impl AsRef<Path>,
    stem: &str,
    tables: &[(&str, &DataFrame)],
    figures: &[(&str, &Figure)],
) -> Result<Vec<PathBuf>> {
    let dir = dir.as_ref();
    let mut written = Vec::new();
    for (name, frame) in tables {
        let path = dir.join(format!("{stem}_{name}.csv"));
        write_csv(frame, &path)?;
        written.push(path);
    }
    for (name, figure) in figures {
        let path = dir.join(format!("{stem}_{name}.html"));
        figure.write_html(&path, &format!("{stem}: {name}"))?;
        written.push(path);
    }
    Ok(written)
}
