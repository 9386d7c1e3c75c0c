//! Datasets of `D`-dimensional input/target pairs and their second moments.
//!
//! THEORY.md: for a linear network the loss depends on the data only through `Σ_xx = E[x xᵀ]`,
//! `Σ_xy = E[x yᵀ]` and `E‖y‖²`; the Hessian at the zero point is a function of `M = Σ_xy − Σ_xx`.

pub mod csv;
pub mod digits;
pub mod idx;
pub mod project;
pub mod teacher;

use dfdx::prelude::{Const, Cpu, NoneTape, Tensor, TensorFromVec};
use faer::Mat;

use crate::error::{ensure_len, ensure_positive_size, Error, Result};

/// A batch of `m` row vectors of width `D` (`m` chosen at run time) as dfdx holds it, optionally carrying a
/// gradient tape: what a dataset hands to a network (`crate::net` re-exports it).
pub type Batch<const D: usize, T = NoneTape> = Tensor<(usize, Const<D>), f64, Cpu, T>;

pub use teacher::{GenerateTeacher, Teacher, TeacherData};

/// `m ≥ 1` samples `(x_i, y_i)` with `x_i, y_i ∈ R^D`, all finite, stored row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset<const D: usize> {
    name: String,
    inputs: Vec<f64>,
    targets: Vec<f64>,
}

/// Second moments of a dataset ([`demystify_core::moments`]); all matrices are `D×D`.
pub use demystify_core::Moments;

/// `Err(Error::NonFinite)` naming the first moment of `data` that is not finite (the data overflow it), with the
/// largest value in the message.
fn ensure_finite_moments<const D: usize>(moments: &Moments, data: &Dataset<D>) -> Result<()> {
    if moments.first_non_finite().is_none() {
        return Ok(());
    }
    let largest = data
        .inputs
        .iter()
        .chain(&data.targets)
        .fold(0.0f64, |a, v| a.max(v.abs()));
    Ok(moments.ensure_finite(&format!(
        "dataset `{}` (values up to |{largest:e}|)",
        data.name
    ))?)
}

impl<const D: usize> Dataset<D> {
    /// Builds a dataset from row-major buffers: `inputs[i·D + j]` is coordinate `j` of `x_i`.
    ///
    /// Errors: `D = 0`; empty data; a length that is not a multiple of `D`; different numbers of inputs and
    /// targets; a NaN or infinite value (its sample and coordinate are named); finite values so large that the
    /// second moments (`Σ_xx`, `Σ_xy`, `E‖y‖²`, `ℓ(0)`) overflow.
    pub fn from_flat(name: impl Into<String>, inputs: Vec<f64>, targets: Vec<f64>) -> Result<Self> {
        ensure_positive_size("width D", D)?;
        ensure_positive_size("number of samples", inputs.len() / D)?;
        if inputs.len() % D != 0 {
            return Err(Error::ShapeMismatch {
                what: format!("input buffer length (must be a multiple of D = {D})"),
                expected: (inputs.len() / D + 1) * D,
                found: inputs.len(),
            });
        }
        ensure_len(
            "number of target values (must equal number of input values)",
            inputs.len(),
            targets.len(),
        )?;
        for (label, buf) in [("x", &inputs), ("y", &targets)] {
            if let Some(k) = buf.iter().position(|v| !v.is_finite()) {
                return Err(Error::NonFinite {
                    location: format!("{label}[{}][{}]", k / D, k % D),
                });
            }
        }
        let data = Self {
            name: name.into(),
            inputs,
            targets,
        };
        ensure_finite_moments(&data.moments(), &data)?;
        Ok(data)
    }

    /// Builds a dataset from rows whose length is checked at run time (e.g. parsed from a file).
    pub fn from_rows(
        name: impl Into<String>,
        inputs: &[Vec<f64>],
        targets: &[Vec<f64>],
    ) -> Result<Self> {
        ensure_len("number of target rows", inputs.len(), targets.len())?;
        let mut x = Vec::with_capacity(inputs.len() * D);
        let mut y = Vec::with_capacity(targets.len() * D);
        for (i, (xi, yi)) in inputs.iter().zip(targets).enumerate() {
            ensure_len(format!("input row {i} (width D)"), D, xi.len())?;
            ensure_len(format!("target row {i} (width D)"), D, yi.len())?;
            x.extend_from_slice(xi);
            y.extend_from_slice(yi);
        }
        Self::from_flat(name, x, y)
    }

    /// Builds a dataset from fixed-size rows (shapes checked by the compiler).
    pub fn from_arrays(
        name: impl Into<String>,
        inputs: &[[f64; D]],
        targets: &[[f64; D]],
    ) -> Result<Self> {
        ensure_len("number of target rows", inputs.len(), targets.len())?;
        Self::from_flat(name, inputs.concat(), targets.concat())
    }

    /// Name shown in tables (e.g. `"teacher(s=0.5)"`, `"digits"`).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Number of samples `m`.
    pub fn len(&self) -> usize {
        self.inputs.len() / D
    }
    /// Always `false`: a dataset has at least one sample.
    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }
    /// Row-major inputs, `m·D` values.
    pub fn inputs(&self) -> &[f64] {
        &self.inputs
    }
    /// Row-major targets, `m·D` values.
    pub fn targets(&self) -> &[f64] {
        &self.targets
    }
    /// Input `x_i`.
    pub fn input(&self, i: usize) -> &[f64] {
        &self.inputs[i * D..(i + 1) * D]
    }
    /// Target `y_i`.
    pub fn target(&self, i: usize) -> &[f64] {
        &self.targets[i * D..(i + 1) * D]
    }

    /// The samples with the given indices, in that order (used for minibatches).
    ///
    /// Errors: an empty index list, or an index `≥ m`.
    pub fn subset(&self, indices: &[usize]) -> Result<Self> {
        ensure_positive_size("minibatch size", indices.len())?;
        let mut x = Vec::with_capacity(indices.len() * D);
        let mut y = Vec::with_capacity(indices.len() * D);
        for &i in indices {
            if i >= self.len() {
                return Err(Error::ShapeMismatch {
                    what: "sample index".into(),
                    expected: self.len(),
                    found: i,
                });
            }
            x.extend_from_slice(self.input(i));
            y.extend_from_slice(self.target(i));
        }
        Ok(Self {
            name: self.name.clone(),
            inputs: x,
            targets: y,
        })
    }

    /// Inputs as a dfdx batch `(m, D)` on `device`.
    pub fn input_batch(&self, device: &Cpu) -> Batch<D> {
        device.tensor_from_vec(self.inputs.clone(), (self.len(), Const::<D>))
    }
    /// Targets as a dfdx batch `(m, D)` on `device`.
    pub fn target_batch(&self, device: &Cpu) -> Batch<D> {
        device.tensor_from_vec(self.targets.clone(), (self.len(), Const::<D>))
    }

    /// `Σ_xx`, `Σ_xy`, `M = Σ_xy − Σ_xx`, `E‖y‖²` and `ℓ(0)` ([`Moments::of_samples`]).
    pub fn moments(&self) -> Moments {
        Moments::of_samples(&self.inputs, &self.targets, D)
            .expect("a dataset has D ≥ 1 and m ≥ 1 samples of D values (checked when it was built)")
    }
}

impl<const D: usize> Dataset<D> {
    /// A dataset of at most `2D` samples with exactly the same second moments `Σ_xx`, `Σ_xy`, `Σ_yy` (up to
    /// rounding): rows `√(r λ_k) u_kᵀ` from the eigendecomposition `(1/m) Σ_i z_i z_iᵀ = Σ_k λ_k u_k u_kᵀ` of
    /// the joint vectors `z_i = (x_i, y_i)`, keeping the `r` eigenvalues above `1e-15 · λ_max`.
    ///
    /// THEORY.md: the loss of a *linear* network depends on the data only through these moments, so its loss,
    /// gradient and Hessian are the same on both datasets, at a cost independent of `m`. For a nonlinear network
    /// they differ: use the original data.
    pub fn moment_equivalent(&self) -> Result<Self> {
        let m = self.len();
        let z = Mat::from_fn(m, 2 * D, |i, j| {
            if j < D {
                self.inputs[i * D + j]
            } else {
                self.targets[i * D + j - D]
            }
        });
        let c = (z.transpose() * &z) * faer::Scale(1.0 / m as f64);
        let eig = c
            .self_adjoint_eigen(faer::Side::Lower)
            .map_err(|e| Error::LinearAlgebra(format!("moment eigendecomposition: {e:?}")))?;
        let (u, s) = (eig.U(), eig.S());
        let lmax = (0..2 * D).map(|k| s[k]).fold(0.0, f64::max);
        let kept: Vec<usize> = (0..2 * D).filter(|&k| s[k] > 1e-15 * lmax).collect();
        if kept.is_empty() {
            // All data are zero: one zero sample has the same (zero) moments.
            return Self::from_flat(
                format!("{} (moment-equivalent)", self.name),
                vec![0.0; D],
                vec![0.0; D],
            );
        }
        let r = kept.len() as f64;
        let mut x = Vec::with_capacity(kept.len() * D);
        let mut y = Vec::with_capacity(kept.len() * D);
        for &k in &kept {
            let scale = (r * s[k]).sqrt();
            x.extend((0..D).map(|j| scale * u[(j, k)]));
            y.extend((0..D).map(|j| scale * u[(D + j, k)]));
        }
        Self::from_flat(format!("{} (moment-equivalent)", self.name), x, y)
    }
}
