//! DataFrames as tables people read: an HTML `<table>` (numbers to a fixed number of significant digits,
//! headers with units, text escaped) for evcxr/Jupyter and HTML reports, the plain-text form, and CSV export.
//! polars has no HTML display in Rust; this is ours.

use std::fmt::Write as _;
use std::path::Path;

use polars::prelude::{AnyValue, BooleanChunked, Column, DataFrame, NewChunkedArray};

use crate::error::Result;

pub use crate::numbers::format::{escape_html, format_float};

/// The column called `name`, found by a linear scan (see [`crate::experiments::schema::column_named`]: polars'
/// hashed lookup fails across evcxr cells); the error lists the columns that are there.
pub fn column<'a>(frame: &'a DataFrame, name: &str) -> Result<&'a Column> {
    crate::experiments::schema::column_named(frame, name)
}

/// One cell as text: floats to `digits` significant digits, nulls as `null_text`.
fn cell_text(v: &AnyValue<'_>, digits: usize, null_text: &str) -> String {
    match v {
        AnyValue::Null => null_text.to_string(),
        AnyValue::Float64(x) => format_float(*x, digits),
        AnyValue::Float32(x) => format_float(*x as f64, digits),
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Boolean(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// A DataFrame prepared for display. Build with [`Table::new`] and the builder methods; show it by making it the
/// last expression of an evcxr cell.
///
/// The HTML form is made to fit a 1280-px page: floats to 4 significant digits, headers that wrap (at `_`), text
/// cells that wrap, columns whose every row holds the same value moved into the caption (`name = value`; claims
/// tables keep theirs), at most [`DEFAULT_SHOWN_ROWS`] rows with the rest behind a "show all N rows" toggle
/// (`<details>`, no script), and a link that downloads the whole table as CSV from a `data:` URL (offline).
#[derive(Debug, Clone)]
pub struct Table {
    frame: DataFrame,
    title: Option<String>,
    headers: Vec<(String, String)>,
    digits: usize,
    max_rows: usize,
}

/// Rows shown before the "show all" toggle.
pub const DEFAULT_SHOWN_ROWS: usize = 30;
/// Rows rendered at most inside the toggle (and in the text form); the CSV link always has every row.
pub const MAX_RENDERED_ROWS: usize = 2000;
/// Tables whose CSV is larger than this are not inlined as a download link (the caption says so).
pub const MAX_INLINE_CSV_BYTES: usize = 2 << 20;

impl Table {
    /// A table of `frame` with 4 significant digits and [`DEFAULT_SHOWN_ROWS`] rows shown. Takes a reference
    /// (polars columns are shared, so the copy is cheap): in an evcxr cell the frame stays usable afterwards, and
    /// evcxr can call [`Table::evcxr_display`] on the cell's final expression.
    pub fn new(frame: &DataFrame) -> Self {
        Self {
            frame: frame.clone(),
            title: None,
            headers: Vec::new(),
            digits: 4,
            max_rows: DEFAULT_SHOWN_ROWS,
        }
    }
    /// A caption shown above the table.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }
    /// Shows `column` under `label` (e.g. with its unit or formula).
    pub fn header(mut self, column: impl Into<String>, label: impl Into<String>) -> Self {
        self.headers.push((column.into(), label.into()));
        self
    }
    /// Significant digits of floats.
    pub fn digits(mut self, digits: usize) -> Self {
        self.digits = digits.max(1);
        self
    }
    /// Rows shown before the "show all" toggle (HTML) or the "rows shown" footer (text).
    pub fn max_rows(mut self, rows: usize) -> Self {
        self.max_rows = rows;
        self
    }
    /// The underlying DataFrame.
    pub fn frame(&self) -> &DataFrame {
        &self.frame
    }

    fn label<'a>(&'a self, column: &'a str) -> &'a str {
        self.headers
            .iter()
            .find(|(c, _)| c == column)
            .map_or(column, |(_, l)| l.as_str())
    }

    fn cells(&self, null_text: &str, rows: usize) -> Result<(Vec<String>, Vec<Vec<String>>)> {
        let names: Vec<String> = self
            .frame
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        let rows = self.frame.height().min(rows);
        let mut out = vec![Vec::with_capacity(names.len()); rows];
        for name in &names {
            let column = column(&self.frame, name)?;
            for (i, row) in out.iter_mut().enumerate() {
                row.push(cell_text(&column.get(i)?, self.digits, null_text));
            }
        }
        Ok((names, out))
    }

    /// Indices of the columns whose every row shows the same text (tables of two rows or more; never in a claims
    /// table, whose verdict column must stay a column).
    fn constant_columns(&self, names: &[String], rows: &[Vec<String>]) -> Vec<usize> {
        let is_claims = crate::experiments::claims::SCHEMA
            .check(&self.frame)
            .is_ok();
        if is_claims || rows.len() < 2 || rows.len() < self.frame.height() {
            return Vec::new();
        }
        (0..names.len())
            .filter(|&j| rows.iter().all(|r| r[j] == rows[0][j]))
            .filter(|_| names.len() > 1)
            .collect()
    }

    /// The table as an HTML fragment (see [`Table`]): `<table class="dr-table">` with a caption (title, constant
    /// columns, row count, CSV link), wrapping headers (labels as set by [`Table::header`], escaped),
    /// right-aligned numbers, nulls as an em dash, and a `<details>` toggle with every row when there are more than
    /// the rows shown.
    pub fn to_html(&self) -> Result<String> {
        let (names, all_rows) = self.cells("—", MAX_RENDERED_ROWS)?;
        let constant = self.constant_columns(&names, &all_rows);
        let kept: Vec<usize> = (0..names.len()).filter(|j| !constant.contains(j)).collect();
        let numeric: Vec<bool> = names
            .iter()
            .map(|n| {
                column(&self.frame, n)
                    .map(|c| c.dtype().is_primitive_numeric())
                    .unwrap_or(false)
            })
            .collect();
        let height = self.frame.height();
        let mut caption = String::new();
        if let Some(t) = &self.title {
            write!(caption, "<strong>{}</strong>", escape_html(t)).ok();
        }
        let mut notes = Vec::new();
        if !constant.is_empty() {
            let same: Vec<String> = constant
                .iter()
                .map(|&j| {
                    format!(
                        "{} = {}",
                        escape_html(self.label(&names[j])),
                        escape_html(&all_rows[0][j])
                    )
                })
                .collect();
            notes.push(format!("in every row: {}", same.join(", ")));
        }
        notes.push(format!(
            "{height} row{}",
            if height == 1 { "" } else { "s" }
        ));
        let csv = to_csv_string(&self.frame)?;
        if csv.len() <= MAX_INLINE_CSV_BYTES {
            let file = self
                .title
                .as_deref()
                .map(file_stem)
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "table".into());
            notes.push(format!(
                "<a download=\"{file}.csv\" href=\"data:text/csv;charset=utf-8,{}\">download CSV</a>",
                percent_encode(&csv)
            ));
        } else {
            notes.push("CSV too large to inline: use write_csv".into());
        }
        write!(
            caption,
            "{}<span style=\"font-weight:normal;font-size:0.9em\">{}</span>",
            if self.title.is_some() { " " } else { "" },
            notes.join(" · ")
        )
        .ok();
        let render = |rows: &[Vec<String>], with_caption: bool| -> String {
            let mut h = String::from(
                "<table class=\"dr-table\" style=\"border-collapse:collapse;font-size:0.9em;max-width:100%\">",
            );
            if with_caption {
                write!(
                    h,
                    "<caption style=\"text-align:left;padding:4px;caption-side:top\">{caption}</caption>"
                )
                .ok();
            }
            h.push_str("<thead><tr>");
            for &j in &kept {
                write!(
                    h,
                    "<th style=\"border-bottom:1px solid #888;padding:2px 6px;white-space:normal;\
                     overflow-wrap:break-word;max-width:9em;vertical-align:bottom;text-align:{}\">{}</th>",
                    if numeric[j] { "right" } else { "left" },
                    escape_html(self.label(&names[j])).replace('_', "_<wbr>")
                )
                .ok();
            }
            h.push_str("</tr></thead><tbody>");
            for row in rows {
                h.push_str("<tr>");
                for &j in &kept {
                    let style = if numeric[j] {
                        "padding:2px 6px;text-align:right;white-space:nowrap"
                    } else {
                        "padding:2px 6px;text-align:left;white-space:normal;max-width:32em;overflow-wrap:break-word"
                    };
                    write!(h, "<td style=\"{style}\">{}</td>", escape_html(&row[j])).ok();
                }
                h.push_str("</tr>");
            }
            h.push_str("</tbody></table>");
            h
        };
        let shown = self.max_rows.min(all_rows.len());
        let mut h = render(&all_rows[..shown], true);
        if height > shown {
            write!(
                h,
                "<details style=\"font-size:0.9em\"><summary>show all {height} rows</summary>{}{}</details>",
                render(&all_rows, false),
                if height > all_rows.len() {
                    format!(
                        "<p>{} of {height} rows rendered; the CSV link has every row.</p>",
                        all_rows.len()
                    )
                } else {
                    String::new()
                }
            )
            .ok();
        }
        Ok(format!(
            "<div class=\"dr-table-wrap\" style=\"max-width:100%;overflow-x:auto\">{h}</div>"
        ))
    }

    /// The table as aligned plain text (every column, at most `max_rows` rows).
    pub fn to_text(&self) -> Result<String> {
        let (names, rows) = self.cells("null", self.max_rows)?;
        let labels: Vec<&str> = names.iter().map(|n| self.label(n)).collect();
        let widths: Vec<usize> = (0..names.len())
            .map(|j| {
                rows.iter()
                    .map(|r| r[j].chars().count())
                    .chain([labels[j].chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: Vec<&str>| {
            cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:>w$}"))
                .collect::<Vec<_>>()
                .join("  ")
        };
        let mut out = String::new();
        if let Some(t) = &self.title {
            out.push_str(t);
            out.push('\n');
        }
        out.push_str(&line(labels.clone()));
        out.push('\n');
        for r in &rows {
            out.push_str(&line(r.iter().map(String::as_str).collect()));
            out.push('\n');
        }
        if self.frame.height() > rows.len() {
            writeln!(
                out,
                "({} of {} rows shown)",
                rows.len(),
                self.frame.height()
            )
            .ok();
        }
        Ok(out)
    }

    /// evcxr display: emits `text/html` and `text/plain` in one output bundle.
    pub fn evcxr_display(&self) {
        match (self.to_html(), self.to_text()) {
            (Ok(html), Ok(text)) => {
                super::evcxr::emit_bundle(&[("text/html", &html), ("text/plain", &text)]);
            }
            (Err(e), _) | (_, Err(e)) => println!("table could not be displayed: {e}"),
        }
    }
}

/// A file name from a title: letters, digits, `-` and `_` kept, spaces as `_`, at most 60 characters.
fn file_stem(title: &str) -> String {
    title
        .chars()
        .filter_map(|c| match c {
            c if c.is_ascii_alphanumeric() || c == '-' || c == '_' => Some(c),
            ' ' => Some('_'),
            _ => None,
        })
        .take(60)
        .collect()
}

/// Percent-encodes everything but unreserved ASCII (RFC 3986), for a `data:` URL.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3 / 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            write!(out, "%{b:02X}").ok();
        }
    }
    out
}

/// CSV text of a DataFrame: a header of column names, floats in full precision (`{:?}`, round-trippable),
/// nulls as empty fields, fields containing `,` `"` or a newline quoted.
pub fn to_csv_string(frame: &DataFrame) -> Result<String> {
    let names: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let quote = |s: String| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    };
    let mut out = names
        .iter()
        .map(|n| quote(n.clone()))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    let columns = names
        .iter()
        .map(|n| column(frame, n))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    for i in 0..frame.height() {
        let row = columns
            .iter()
            .map(|c| {
                Ok(quote(match c.get(i)? {
                    AnyValue::Null => String::new(),
                    AnyValue::Float64(x) => format!("{x:?}"),
                    v => cell_text(&v, 17, ""),
                }))
            })
            .collect::<Result<Vec<_>>>()?;
        out.push_str(&row.join(","));
        out.push('\n');
    }
    Ok(out)
}

/// Writes [`to_csv_string`] to `path` (creating parent folders).
pub fn write_csv(frame: &DataFrame, path: impl AsRef<Path>) -> Result<()> {
    crate::files::write_creating_dirs(path.as_ref(), to_csv_string(frame)?)
}

/// A value to select rows by (see [`filter_rows`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// Matches string columns.
    Str(&'a str),
    /// Matches unsigned integer columns.
    U64(u64),
    /// Matches float columns exactly.
    F64(f64),
    /// Matches boolean columns.
    Bool(bool),
}

fn cell_matches(v: &AnyValue<'_>, want: &Cell<'_>) -> bool {
    match (v, want) {
        (AnyValue::String(s), Cell::Str(w)) => s == w,
        (AnyValue::StringOwned(s), Cell::Str(w)) => s.as_str() == *w,
        (AnyValue::UInt64(x), Cell::U64(w)) => x == w,
        (AnyValue::UInt32(x), Cell::U64(w)) => u64::from(*x) == *w,
        (AnyValue::Float64(x), Cell::F64(w)) => x == w,
        (AnyValue::Boolean(x), Cell::Bool(w)) => x == w,
        _ => false,
    }
}

/// The rows of `frame` where every `(column, value)` condition holds (e.g.
/// `[(shared::DEPTH.name, Cell::U64(8))]`; column names come from the analyses' schemas).
///
/// Errors: an unknown column, or a value that no row of its column holds (a misspelled series label, a depth
/// that was not run): the error lists the values that are there, so a typo never passes as an empty table.
pub fn filter_rows(frame: &DataFrame, conditions: &[(&str, Cell<'_>)]) -> Result<DataFrame> {
    let columns = conditions
        .iter()
        .map(|(n, _)| column(frame, n))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    for (c, (name, want)) in columns.iter().zip(conditions) {
        let mut present = false;
        for i in 0..frame.height() {
            if cell_matches(&c.get(i)?, want) {
                present = true;
                break;
            }
        }
        if !present {
            let mut values: Vec<String> = Vec::new();
            for i in 0..frame.height() {
                let v = cell_text(&c.get(i)?, 6, "null");
                if !values.contains(&v) {
                    values.push(v);
                }
            }
            let shown = values.len().min(20);
            return Err(crate::Error::Table(format!(
                "no row has `{name}` = {want:?}; the values in `{name}` are: {}{}",
                values[..shown].join(", "),
                if values.len() > shown { ", …" } else { "" }
            )));
        }
    }
    let mask = (0..frame.height())
        .map(|i| -> Result<bool> {
            for (c, (_, want)) in columns.iter().zip(conditions) {
                if !cell_matches(&c.get(i)?, want) {
                    return Ok(false);
                }
            }
            Ok(true)
        })
        .collect::<Result<Vec<bool>>>()?;
    Ok(frame.filter(&BooleanChunked::from_slice("mask".into(), &mask))?)
}

/// A small dense matrix as a table for reading (e.g. `M = Σ_xy − Σ_xx`): a `row` column (1-based) and one column
/// per matrix column, `c1 … cD`.
pub fn matrix_table(m: &faer::Mat<f64>, title: &str) -> Result<Table> {
    let mut columns = vec![Column::new(
        "row".into(),
        (1..=m.nrows() as u64).collect::<Vec<_>>(),
    )];
    for j in 0..m.ncols() {
        columns.push(Column::new(
            format!("c{}", j + 1).into(),
            (0..m.nrows()).map(|i| m[(i, j)]).collect::<Vec<f64>>(),
        ));
    }
    Ok(Table::new(&DataFrame::new_infer_height(columns)?).title(title))
}

/// The traces of a data set's second moments as a one-row table, to 10 significant digits: `tr Σ_xx`,
/// `tr Σ_xy` and `tr Σ_yy = E‖y‖²`, the numbers that `ℓ(0) = ½·tr Σ_yy − tr Σ_xy + ½·tr Σ_xx` takes (exercise 1.2
/// is answered from them in the report).
pub fn moment_traces_table(moments: &crate::data::Moments, title: &str) -> Result<Table> {
    let trace = |a: &faer::Mat<f64>| {
        (0..a.nrows().min(a.ncols()))
            .map(|i| a[(i, i)])
            .sum::<f64>()
    };
    let frame = DataFrame::new_infer_height(vec![
        Column::new("tr_sxx".into(), [trace(&moments.sxx)]),
        Column::new("tr_sxy".into(), [trace(&moments.sxy)]),
        Column::new("tr_syy".into(), [moments.mean_sq_target]),
    ])?;
    Ok(Table::new(&frame)
        .title(title)
        .header("tr_sxx", "tr Σ_xx")
        .header("tr_sxy", "tr Σ_xy")
        .header("tr_syy", "tr Σ_yy")
        .digits(10))
}

/// A list of numbers as a one-column table, rows numbered from 1, to `digits` significant digits (e.g. the
/// singular values of `M`, largest first).
pub fn values_table(values: &[f64], column: &str, title: &str, digits: usize) -> Result<Table> {
    let frame = DataFrame::new_infer_height(vec![
        Column::new("i".into(), (1..=values.len() as u64).collect::<Vec<_>>()),
        Column::new(column.into(), values.to_vec()),
    ])?;
    Ok(Table::new(&frame).title(title).digits(digits))
}
