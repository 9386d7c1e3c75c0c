//! A reader for the IDX format of MNIST (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, …), for users
//! who have the files. Nothing is downloaded. Format: 2 zero bytes, a type byte (0x08 = unsigned byte), the
//! number of dimensions, then each dimension as a big-endian u32, then the values row-major.

use std::path::Path;

use super::project::labelled_to_dataset;
use super::Dataset;
use crate::error::{Error, Result};

/// An unsigned-byte IDX array: its dimensions and values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    /// Dimensions, outermost first (e.g. `[60000, 28, 28]`).
    pub dims: Vec<usize>,
    /// Values, row-major; `data.len()` is the product of `dims`.
    pub data: Vec<u8>,
}

/// Parses IDX bytes (unsigned-byte type only, as MNIST uses). `source` names it in errors.
pub fn parse_idx(bytes: &[u8], source: &str) -> Result<IdxArray> {
    let err = |message: String| Error::Parse {
        path: source.to_string(),
        line: None,
        message,
    };
    if bytes.len() < 4 || bytes[0] != 0 || bytes[1] != 0 {
        return Err(err("not an IDX file (bad magic number)".into()));
    }
    if bytes[2] != 0x08 {
        return Err(err(format!(
            "IDX type 0x{:02x} not supported (only unsigned bytes, 0x08)",
            bytes[2]
        )));
    }
    let ndims = bytes[3] as usize;
    let header = 4 + 4 * ndims;
    if ndims == 0 || bytes.len() < header {
        return Err(err("truncated IDX header".into()));
    }
    let dims: Vec<usize> = (0..ndims)
        .map(|k| {
            u32::from_be_bytes([
                bytes[4 + 4 * k],
                bytes[5 + 4 * k],
                bytes[6 + 4 * k],
                bytes[7 + 4 * k],
            ]) as usize
        })
        .collect();
    let count = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| err("dimensions overflow".into()))?;
    if bytes.len() != header + count {
        return Err(err(format!(
            "expected {} data bytes for dims {:?}, found {}",
            count,
            dims,
            bytes.len() - header
        )));
    }
    Ok(IdxArray {
        dims,
        data: bytes[header..].to_vec(),
    })
}

/// Reads an IDX file.
pub fn read_idx(path: impl AsRef<Path>) -> Result<IdxArray> {
    let path = path.as_ref();
    let bytes = crate::files::read_bytes(path)?;
    parse_idx(&bytes, &path.display().to_string())
}

/// MNIST (or any IDX image/label pair with labels 0..9) as a `Dataset<D>`, using the first `max_samples`
/// images (all when `None`): pixels scaled to `[0, 1]`, then the same PCA-whitening and one-hot recipe as the
/// digits set ([`labelled_to_dataset`]). Errors: unreadable files, images and labels of different counts,
/// labels that are not one-dimensional.
pub fn mnist<const D: usize>(
    images: impl AsRef<Path>,
    labels: impl AsRef<Path>,
    max_samples: Option<usize>,
) -> Result<Dataset<D>> {
    let img = read_idx(images)?;
    let lab = read_idx(labels)?;
    if lab.dims.len() != 1 {
        return Err(Error::ShapeMismatch {
            what: "label file dimensions".into(),
            expected: 1,
            found: lab.dims.len(),
        });
    }
    if img.dims[0] != lab.dims[0] {
        return Err(Error::ShapeMismatch {
            what: "number of labels vs images".into(),
            expected: img.dims[0],
            found: lab.dims[0],
        });
    }
    let n = max_samples.map_or(img.dims[0], |k| k.min(img.dims[0]));
    let p: usize = img.dims[1..].iter().product();
    let pixels: Vec<f64> = img.data[..n * p]
        .iter()
        .map(|&v| v as f64 / 255.0)
        .collect();
    labelled_to_dataset::<D>("mnist", &pixels, p, &lab.data[..n])
}
