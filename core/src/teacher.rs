//! The linear teacher problem: `x ~ N(0, I)`, `y = A x (+ noise)` with `A = I + s·G/√D`, `G` standard Gaussian.
//! With exact whitening (`(1/m) Σ x xᵀ = I`) and no noise, `M = (A − I)ᵀ` and the shortcut-2 condition number
//! at zero is `cond(A − I)` (THEORY.md).

use faer::Mat;
use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::error::{ensure_non_negative, ensure_positive_size, Error, Result};
use crate::moments::Moments;
use crate::random::gaussian;

/// Settings of a teacher problem. `Default`: 256 samples, `s = 0.5`, no noise, whitened, seed 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Teacher {
    /// Number of samples `m ≥ 1` (`m ≥ D` when whitening).
    pub samples: usize,
    /// Teacher distance from the identity, `s ≥ 0` in `A = I + s·G/√D`.
    pub scale: f64,
    /// Standard deviation of Gaussian noise added to `y` (≥ 0).
    pub noise_std: f64,
    /// Whiten the inputs exactly so that `(1/m) Σ x xᵀ = I` (via the Cholesky factor of the sample moment).
    pub whiten: bool,
    /// Seed of the one RNG that draws `x`, then `G`, then the noise.
    pub seed: u64,
}

impl Default for Teacher {
    fn default() -> Self {
        Self {
            samples: 256,
            scale: 0.5,
            noise_std: 0.0,
            whiten: true,
            seed: 0,
        }
    }
}

/// A drawn teacher problem as plain arrays: the samples row-major (`inputs[i·d + j]`), and the teacher matrix.
#[derive(Debug, Clone)]
pub struct TeacherSamples {
    /// Name shown in tables, e.g. `teacher(s=0.5, m=256)`.
    pub name: String,
    /// Width `d`.
    pub width: usize,
    /// The inputs `x_i`, row-major, `m·d` values.
    pub inputs: Vec<f64>,
    /// The targets `y_i`, row-major, `m·d` values.
    pub targets: Vec<f64>,
    /// The teacher matrix `A` (`d×d`).
    pub teacher: Mat<f64>,
}

impl Teacher {
    /// Checks the settings; `d` is needed for the whitening rule `m ≥ d`.
    pub fn validate(&self, d: usize) -> Result<()> {
        ensure_positive_size("samples", self.samples)?;
        ensure_non_negative("scale", self.scale)?;
        ensure_non_negative("noise_std", self.noise_std)?;
        if self.whiten && self.samples < d {
            return Err(Error::OutOfRange {
                field: "samples",
                value: self.samples as f64,
                expected: "whitening needs at least D samples",
            });
        }
        Ok(())
    }

    /// Draws the problem for width `d` (the same numbers for the same settings, natively and in the browser).
    pub fn samples(&self, d: usize) -> Result<TeacherSamples> {
        ensure_positive_size("width D", d)?;
        self.validate(d)?;
        let m = self.samples;
        let mut rng = StdRng::seed_from_u64(self.seed);
        let raw = gaussian(m * d, 1.0, &mut rng);
        let mut x = Mat::from_fn(m, d, |i, j| raw[i * d + j]);
        if self.whiten {
            x = whiten_rows(&x)?;
        }
        let g = gaussian(d * d, 1.0, &mut rng);
        let a = Mat::from_fn(d, d, |i, j| {
            (if i == j { 1.0 } else { 0.0 }) + self.scale * g[i * d + j] / (d as f64).sqrt()
        });
        // Rows are samples: y_iᵀ = x_iᵀ Aᵀ.
        let y = &x * a.transpose();
        let noise = gaussian(m * d, self.noise_std, &mut rng);
        Ok(TeacherSamples {
            name: format!("teacher(s={}, m={m})", self.scale),
            width: d,
            inputs: (0..m * d).map(|k| x[(k / d, k % d)]).collect(),
            targets: (0..m * d).map(|k| y[(k / d, k % d)] + noise[k]).collect(),
            teacher: a,
        })
    }
}

impl Teacher {
    /// The second moments of the problem at width `d` ([`Teacher::samples`], then [`Moments::of_samples`]),
    /// checked finite: the same numbers as the notebooks' `DataSpec::Teacher`, natively and in a page.
    pub fn moments(&self, d: usize) -> Result<Moments> {
        let samples = self.samples(d)?;
        let moments = Moments::of_samples(&samples.inputs, &samples.targets, d)?;
        moments.ensure_finite(&samples.name)?;
        Ok(moments)
    }
}

/// Whitens the rows of `x` (`m×d`, samples as rows) so that `xᵀx/m = I` exactly: with `xᵀx/m = L Lᵀ`
/// (Cholesky), returns `x L⁻ᵀ`.
pub fn whiten_rows(x: &Mat<f64>) -> Result<Mat<f64>> {
    let m = x.nrows() as f64;
    let c = (x.transpose() * x) * faer::Scale(1.0 / m);
    let llt = c.llt(faer::Side::Lower).map_err(|e| {
        Error::LinearAlgebra(format!(
            "whitening: second moment not positive definite ({e:?})"
        ))
    })?;
    // Solve L z_i = x_i for every sample (column of xᵀ).
    let mut xt = x.transpose().to_owned();
    faer::linalg::triangular_solve::solve_lower_triangular_in_place(
        llt.L(),
        xt.as_mut(),
        faer::Par::Seq,
    );
    Ok(xt.transpose().to_owned())
}
