//! DataFrames as tables people read: an HTML `<table>` (numbers to a fixed number of significant digits,
//! headers with units, text escaped) for evcxr/Jupyter and HTML reports, the plain-text form, and CSV export.
//! polars has no HTML display in Rust; this is ours.

use std::fmt::Write as _;
use std::path::Path;

use polars::prelude::{AnyValue, BooleanChunked, Column, DataFrame, NewChunkedArray};

use crate::error::Result;

/// Formats a float to `digits` significant digits: fixed notation for `1e-4 ≤ |v| < 1e6`, scientific otherwise;
/// trailing zeros trimmed; `∞`, `−∞` and `NaN` spelled out.
pub fn format_float(v: f64, digits: usize) -> String {
    let digits = digits.max(1);
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "∞".into()
        } else {
            "−∞".into()
        };
    }
    if v == 0.0 {
        return "0".into();
    }
    let mag = v.abs().log10().floor() as i32;
    if !(-4..6).contains(&mag) {
        let s = format!("{:.*e}", digits - 1, v);
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = trim_zeros(mantissa);
        return format!("{mantissa}e{exp}");
    }
    let decimals = (digits as i32 - 1 - mag).max(0) as usize;
    trim_zeros(&format!("{v:.decimals$}")).to_string()
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

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
#[derive(Debug, Clone)]
pub struct Table {
    frame: DataFrame,
    title: Option<String>,
    headers: Vec<(String, String)>,
    digits: usize,
    max_rows: usize,
}

impl Table {
    /// A table of `frame` with 6 significant digits and at most 200 rows shown. Takes a reference (polars
    /// columns are shared, so the copy is cheap): in an evcxr cell the frame stays usable afterwards, and evcxr
    /// can call [`Table::evcxr_display`] on the cell's final expression.
    pub fn new(frame: &DataFrame) -> Self {
        Self {
            frame: frame.clone(),
            title: None,
            headers: Vec::new(),
            digits: 6,
            max_rows: 200,
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
    /// Rows shown at most (the rest is summarised in a footer line).
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

    fn cells(&self, null_text: &str) -> Result<(Vec<String>, Vec<Vec<String>>)> {
        let names: Vec<String> = self
            .frame
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        let rows = self.frame.height().min(self.max_rows);
        let mut out = vec![Vec::with_capacity(names.len()); rows];
        for name in &names {
            let column = column(&self.frame, name)?;
            for (i, row) in out.iter_mut().enumerate() {
                row.push(cell_text(&column.get(i)?, self.digits, null_text));
            }
        }
        Ok((names, out))
    }

    /// The table as an HTML fragment: `<table class="dr-table">` with a caption, a header row (labels as set
    /// by [`Table::header`], escaped) and right-aligned numbers; nulls shown as an em dash.
    pub fn to_html(&self) -> Result<String> {
        let (names, rows) = self.cells("—")?;
        let numeric: Vec<bool> = names
            .iter()
            .map(|n| {
                column(&self.frame, n)
                    .map(|c| c.dtype().is_primitive_numeric())
                    .unwrap_or(false)
            })
            .collect();
        let mut h = String::from(
            "<table class=\"dr-table\" style=\"border-collapse:collapse;font-size:0.9em\">",
        );
        if let Some(t) = &self.title {
            write!(
                h,
                "<caption style=\"text-align:left;font-weight:bold;padding:4px\">{}</caption>",
                escape_html(t)
            )
            .ok();
        }
        h.push_str("<thead><tr>");
        for n in &names {
            write!(
                h,
                "<th style=\"border-bottom:1px solid #888;padding:2px 8px\">{}</th>",
                escape_html(self.label(n))
            )
            .ok();
        }
        h.push_str("</tr></thead><tbody>");
        for row in &rows {
            h.push_str("<tr>");
            for (v, &num) in row.iter().zip(&numeric) {
                let align = if num { "right" } else { "left" };
                write!(
                    h,
                    "<td style=\"padding:2px 8px;text-align:{align}\">{}</td>",
                    escape_html(v)
                )
                .ok();
            }
            h.push_str("</tr>");
        }
        h.push_str("</tbody></table>");
        if self.frame.height() > rows.len() {
            write!(
                h,
                "<p style=\"font-size:0.8em\">{} of {} rows shown.</p>",
                rows.len(),
                self.frame.height()
            )
            .ok();
        }
        Ok(h)
    }

    /// The table as aligned plain text.
    pub fn to_text(&self) -> Result<String> {
        let (names, rows) = self.cells("null")?;
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
                println!("EVCXR_BEGIN_CONTENT text/html\n{html}\nEVCXR_END_CONTENT");
                println!("EVCXR_BEGIN_CONTENT text/plain\n{text}\nEVCXR_END_CONTENT");
            }
            (Err(e), _) | (_, Err(e)) => println!("table could not be displayed: {e}"),
        }
    }
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
