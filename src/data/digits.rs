//! The UCI optical-digits set (1797 8×8 images, the copy scikit-learn bundles), shipped in `data/digits.csv`
//! and compiled into the crate, so it needs no file access or network at run time. Licence and citation:
//! `data/README.md` (CC BY 4.0, Alpaydin & Kaynak 1998).

use super::project::labelled_to_dataset;
use super::Dataset;
use crate::error::{Error, Result};

/// The raw file: 1797 lines of 64 pixel values (0..16) and a label.
const DIGITS_CSV: &str = include_str!("../../data/digits.csv");

/// Number of pixels per image.
pub const PIXELS: usize = 64;

/// The raw digits: row-major pixels scaled to `[0, 1]` (`value / 16`) and labels.
pub fn digits_raw() -> Result<(Vec<f64>, Vec<u8>)> {
    let mut pixels = Vec::with_capacity(1797 * PIXELS);
    let mut labels = Vec::with_capacity(1797);
    for (n, line) in DIGITS_CSV
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let values: Vec<&str> = line.split(',').collect();
        let parse_err = |message: String| Error::Parse {
            path: "data/digits.csv".into(),
            line: Some(n + 1),
            message,
        };
        if values.len() != PIXELS + 1 {
            return Err(parse_err(format!(
                "expected {} columns, found {}",
                PIXELS + 1,
                values.len()
            )));
        }
        for v in &values[..PIXELS] {
            let p: f64 = v
                .trim()
                .parse()
                .map_err(|_| parse_err(format!("bad pixel `{v}`")))?;
            pixels.push(p / 16.0);
        }
        let label: u8 = values[PIXELS]
            .trim()
            .parse()
            .map_err(|_| parse_err("bad label".into()))?;
        labels.push(label);
    }
    Ok((pixels, labels))
}

/// The digits as a `Dataset<D>`: inputs are the top-`D` principal components of the pixels, whitened
/// (`Σ_xx = I`); targets are one-hot labels; for `D < 10` only digits `0..D−1` are kept
/// (see [`labelled_to_dataset`] for the exact recipe). Errors: `D > 64`.
pub fn digits<const D: usize>() -> Result<Dataset<D>> {
    let (pixels, labels) = digits_raw()?;
    labelled_to_dataset::<D>("digits", &pixels, PIXELS, &labels)
}
