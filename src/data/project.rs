//! Turning a labelled real data set (many features, class labels) into a square `Dataset<D>` that a width-`D`
//! network can fit: PCA whitening of the inputs and one-hot targets. Shared by the digits and MNIST loaders.

use faer::{Mat, Side};

use super::Dataset;
use crate::error::{ensure_len, ensure_positive_size, Error, Result};

/// Number of classes of a digits data set.
pub const CLASSES: usize = 10;

/// Builds a `Dataset<D>` from `n` samples of `p` raw features (row-major) and their class labels `0..=9`:
///
/// 1. **Classes kept**: all ten when `D ≥ 10`; when `D < 10` only the samples of classes `0..D−1`, so that
///    every target is an exact one-hot vector in `R^D`.
/// 2. **Inputs**: features centred, projected onto their top-`D` principal components (eigenvectors of the
///    sample covariance, sign fixed so the largest-magnitude entry is positive) and scaled to unit variance,
///    so that `Σ_xx = I` exactly, the setting of THEORY.md's worked example.
/// 3. **Targets**: `y = e_label ∈ R^D`.
///
/// Errors: `D > p`, mismatched lengths, labels ≥ 10, fewer kept samples than `D`, or a rank-deficient
/// covariance (fewer than `D` non-zero principal variances).
pub fn labelled_to_dataset<const D: usize>(
    name: &str,
    features: &[f64],
    p: usize,
    labels: &[u8],
) -> Result<Dataset<D>> {
    ensure_positive_size("number of features", p)?;
    ensure_len(
        "feature buffer (samples × features)",
        labels.len() * p,
        features.len(),
    )?;
    if D > p {
        return Err(Error::ShapeMismatch {
            what: "width D (at most the number of features)".into(),
            expected: p,
            found: D,
        });
    }
    if let Some(bad) = labels.iter().find(|&&l| l as usize >= CLASSES) {
        return Err(Error::OutOfRange {
            field: "label",
            value: *bad as f64,
            expected: "labels must be 0..=9",
        });
    }
    let kept: Vec<usize> = (0..labels.len())
        .filter(|&i| D >= CLASSES || (labels[i] as usize) < D)
        .collect();
    if kept.len() < D {
        return Err(Error::ShapeMismatch {
            what: "samples kept for PCA (at least D)".into(),
            expected: D,
            found: kept.len(),
        });
    }
    let n = kept.len();
    let mut x = Mat::from_fn(n, p, |i, j| features[kept[i] * p + j]);
    for j in 0..p {
        let mean = (0..n).map(|i| x[(i, j)]).sum::<f64>() / n as f64;
        (0..n).for_each(|i| x[(i, j)] -= mean);
    }
    let cov = (x.transpose() * &x) * faer::Scale(1.0 / n as f64);
    let eig = cov
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| Error::LinearAlgebra(format!("PCA eigendecomposition failed: {e:?}")))?;
    let (u, s) = (eig.U(), eig.S());
    let mut basis = Mat::<f64>::zeros(p, D);
    for k in 0..D {
        // faer sorts eigenvalues in non-decreasing order: component k is column p−1−k.
        let col = p - 1 - k;
        let var = s[col];
        if var <= 1e-12 * s[p - 1].max(f64::MIN_POSITIVE) {
            return Err(Error::LinearAlgebra(format!(
                "principal component {k} has zero variance: cannot whiten to D = {D}"
            )));
        }
        let pivot = (0..p)
            .max_by(|&a, &b| u[(a, col)].abs().total_cmp(&u[(b, col)].abs()))
            .unwrap_or(0);
        let sign = if u[(pivot, col)] < 0.0 { -1.0 } else { 1.0 };
        for i in 0..p {
            basis[(i, k)] = sign * u[(i, col)] / var.sqrt();
        }
    }
    let z = &x * &basis;
    let inputs = (0..n * D).map(|k| z[(k / D, k % D)]).collect();
    let mut targets = vec![0.0; n * D];
    for (row, &i) in kept.iter().enumerate() {
        targets[row * D + labels[i] as usize] = 1.0;
    }
    Dataset::from_flat(name, inputs, targets)
}
