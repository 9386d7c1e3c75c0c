//! Per-unit (per-block) views of a Hessian: the square block of one residual unit's weights
//! `(W_{l,1}, …, W_{l,n})` — or one plain layer — and its spectrum. At the zero point with shortcut depth 2 the
//! Hessian is block-diagonal over units, so the unit blocks carry the whole spectrum.

use faer::{Mat, MatRef};

use super::eigen::symmetric_eigenvalues;
use super::spectrum::Spectrum;
use crate::error::{Error, Result};

/// Index range of block `unit` in the flat parameter vector, for blocks of `block_size` parameters
/// (`n·D²` for a residual unit, `D²` for a plain layer).
pub fn block_range(unit: usize, block_size: usize) -> std::ops::Range<usize> {
    unit * block_size..(unit + 1) * block_size
}

/// The `block_size × block_size` diagonal block of `h` for `unit`.
/// Errors: the block does not fit in `h`.
pub fn unit_block(h: MatRef<'_, f64>, unit: usize, block_size: usize) -> Result<Mat<f64>> {
    let r = block_range(unit, block_size);
    if block_size == 0 || r.end > h.nrows() || h.nrows() != h.ncols() {
        return Err(Error::ShapeMismatch {
            what: format!("unit {unit} block of a Hessian"),
            expected: h.nrows(),
            found: r.end,
        });
    }
    Ok(h.submatrix(r.start, r.start, block_size, block_size)
        .to_owned())
}

/// The spectrum of every diagonal block of `h`, in unit order.
pub fn unit_block_spectra(h: MatRef<'_, f64>, block_size: usize) -> Result<Vec<Spectrum>> {
    if block_size == 0 || h.nrows() % block_size != 0 {
        return Err(Error::ShapeMismatch {
            what: "block size (must divide P)".into(),
            expected: h.nrows(),
            found: block_size,
        });
    }
    (0..h.nrows() / block_size)
        .map(|u| {
            Ok(Spectrum::from_eigenvalues(symmetric_eigenvalues(
                unit_block(h, u, block_size)?.as_ref(),
            )?))
        })
        .collect()
}
