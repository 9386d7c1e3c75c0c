//! Loading a dataset from a plain numeric CSV file: each row holds `2·D` numbers, the input `x` then the
//! target `y`. Separators: comma, semicolon, tab or spaces. Blank lines and lines starting with `#` are
//! skipped. The header is detected explicitly: a first line whose fields are *all* text is a header; one whose
//! fields are all numbers is data; a first line that mixes numbers and text is an error (it could be a
//! header or a broken data row, and a data row is never dropped silently).

use std::path::Path;

use super::Dataset;
use crate::error::{Error, Result};

impl<const D: usize> Dataset<D> {
    /// Reads `path` (see the module docs for the format). Errors name the file and line: a row with a number
    /// of columns other than `2·D`, a value that is not a number, a NaN or infinite value, an empty file.
    pub fn from_csv(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = crate::files::read_text(path)?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Self::from_csv_str(&name, &text, &path.display().to_string())
    }

    /// Parses CSV text; `source` names it in error messages.
    pub fn from_csv_str(name: &str, text: &str, source: &str) -> Result<Self> {
        let mut inputs = Vec::new();
        let mut targets = Vec::new();
        let mut first_content_line = true;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line
                .split([',', ';', '\t', ' '])
                .filter(|f| !f.is_empty())
                .collect();
            let parsed: std::result::Result<Vec<f64>, _> =
                fields.iter().map(|f| f.parse::<f64>()).collect();
            let err = |message: String| Error::Parse {
                path: source.to_string(),
                line: Some(n + 1),
                message,
            };
            if first_content_line && parsed.is_err() {
                first_content_line = false;
                let numbers = fields.iter().filter(|f| f.parse::<f64>().is_ok()).count();
                if numbers == 0 {
                    continue; // a header: every field is text
                }
                return Err(err(format!(
                    "the first line mixes numbers ({numbers} of {} fields) and text: neither a header (all text) \
                     nor a data row (all numbers)",
                    fields.len()
                )));
            }
            first_content_line = false;
            let values = parsed.map_err(|e| err(format!("not a number ({e})")))?;
            if values.len() != 2 * D {
                return Err(err(format!(
                    "expected {} columns (x then y, D = {D}), found {}",
                    2 * D,
                    values.len()
                )));
            }
            if let Some(k) = values.iter().position(|v| !v.is_finite()) {
                return Err(err(format!("column {} is not finite", k + 1)));
            }
            inputs.extend_from_slice(&values[..D]);
            targets.extend_from_slice(&values[D..]);
        }
        if inputs.is_empty() {
            return Err(Error::Parse {
                path: source.to_string(),
                line: None,
                message: "no data rows".into(),
            });
        }
        Self::from_flat(name, inputs, targets)
    }

    /// Writes the dataset in the format [`Dataset::from_csv`] reads, with a header `x1,…,xD,y1,…,yD`.
    pub fn to_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let mut out = String::new();
        let header: Vec<String> = (1..=D)
            .map(|j| format!("x{j}"))
            .chain((1..=D).map(|j| format!("y{j}")))
            .collect();
        out.push_str(&header.join(","));
        out.push('\n');
        for i in 0..self.len() {
            let row: Vec<String> = self
                .input(i)
                .iter()
                .chain(self.target(i))
                .map(|v| format!("{v:?}"))
                .collect();
            out.push_str(&row.join(","));
            out.push('\n');
        }
        crate::files::write_creating_dirs(path, out)
    }
}
