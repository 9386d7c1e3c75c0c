//! Symmetric eigenvalues with faer (the one backend available everywhere, the browser included; the main crate
//! adds LAPACK on request).

use faer::{MatRef, Side};

use crate::error::{Error, Result};

/// All eigenvalues of the symmetric matrix `a` (its lower triangle is read), ascending, by faer.
/// Errors: a non-square or non-finite matrix, or a solver failure.
pub fn symmetric_eigenvalues(a: MatRef<'_, f64>) -> Result<Vec<f64>> {
    check_symmetric_input(a)?;
    if a.nrows() == 0 {
        return Ok(Vec::new());
    }
    let mut values = a
        .self_adjoint_eigenvalues(Side::Lower)
        .map_err(|e| Error::LinearAlgebra(format!("faer eigenvalues: {e:?}")))?;
    values.sort_by(f64::total_cmp);
    Ok(values)
}

/// `Err` for a non-square matrix or a non-finite entry of its lower triangle (named by position).
pub fn check_symmetric_input(a: MatRef<'_, f64>) -> Result<()> {
    if a.nrows() != a.ncols() {
        return Err(Error::ShapeMismatch {
            what: "symmetric matrix (columns)".into(),
            expected: a.nrows(),
            found: a.ncols(),
        });
    }
    for j in 0..a.ncols() {
        for i in j..a.nrows() {
            if !a[(i, j)].is_finite() {
                return Err(Error::NonFinite {
                    location: format!("matrix entry ({i}, {j})"),
                });
            }
        }
    }
    Ok(())
}
