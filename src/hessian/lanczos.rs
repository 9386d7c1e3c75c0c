//! Matrix-free spectral methods on a [`SymmetricOperator`] (e.g. the finite-difference Hessian-vector
//! product): Lanczos with full reorthogonalisation for extreme eigenvalues, Hutchinson's trace estimator, and
//! stochastic Lanczos quadrature (SLQ) for the spectral density — what PyHessian and hessian-eigenthings
//! offer, here checkable against the dense eigendecomposition.
//!
//! Lanczos sees each *distinct* eigenvalue once: multiplicities are invisible to a Krylov method (the
//! shortcut-2 Hessian at zero has only `2D` distinct eigenvalues, each `D·L` times).

use faer::{Mat, Side};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::operator::SymmetricOperator;
use crate::error::{ensure_positive_size, Error, Result};

/// Settings of the Lanczos iteration. `Default`: at most 300 steps, tolerance 1e-10, seed 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LanczosOptions {
    /// Maximum Krylov dimension (capped at the operator's dimension).
    pub max_steps: usize,
    /// A Ritz value `θ` counts as converged when its residual `β_m |s_m|` ≤ `tol · max|θ|`.
    pub tol: f64,
    /// Seed of the random (Rademacher) start vector.
    pub seed: u64,
}

impl Default for LanczosOptions {
    fn default() -> Self {
        Self {
            max_steps: 300,
            tol: 1e-10,
            seed: 0,
        }
    }
}

/// Which end of the spectrum to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The `k` largest (algebraically), descending.
    Largest,
    /// The `k` smallest (algebraically), ascending.
    Smallest,
}

/// Extreme eigenvalues found by Lanczos.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtremeEigenvalues {
    /// The eigenvalues, ordered as requested by [`Which`] (fewer than `k` if the Krylov space was exhausted).
    pub values: Vec<f64>,
    /// Residual bound `β_m |s_{m,i}|` of each returned value.
    pub residuals: Vec<f64>,
    /// Lanczos steps taken.
    pub steps: usize,
    /// Whether all returned values met the tolerance.
    pub converged: bool,
}

/// A Lanczos run: the tridiagonal `T = tridiag(β, α, β)` and the orthonormal Krylov basis.
#[derive(Debug, Clone)]
pub struct Tridiagonal {
    /// Diagonal `α_1..α_m`.
    pub alpha: Vec<f64>,
    /// Off-diagonal `β_1..β_{m−1}`, and `β_m` (the residual norm after the last step) last.
    pub beta: Vec<f64>,
}

impl Tridiagonal {
    /// Eigen-decomposition of the `m×m` tridiagonal: Ritz values (ascending) and the first and last components
    /// of each normalised eigenvector.
    fn ritz(&self) -> Result<(Vec<f64>, Vec<f64>, Vec<f64>)> {
        let m = self.alpha.len();
        let t = Mat::from_fn(m, m, |i, j| {
            if i == j {
                self.alpha[i]
            } else if i == j + 1 || j == i + 1 {
                self.beta[i.min(j)]
            } else {
                0.0
            }
        });
        let eig = t
            .self_adjoint_eigen(Side::Lower)
            .map_err(|e| Error::LinearAlgebra(format!("Ritz values: {e:?}")))?;
        let (u, s) = (eig.U(), eig.S());
        Ok((
            (0..m).map(|k| s[k]).collect(),
            (0..m).map(|k| u[(0, k)]).collect(),
            (0..m).map(|k| u[(m - 1, k)]).collect(),
        ))
    }
}

/// A Rademacher vector (entries ±1) from `rng`.
fn rademacher(n: usize, rng: &mut StdRng) -> Vec<f64> {
    (0..n)
        .map(|_| if rng.gen::<bool>() { 1.0 } else { -1.0 })
        .collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Runs up to `steps` Lanczos steps from `start`, with full reorthogonalisation (twice, classical Gram–Schmidt)
/// against the whole basis. Stops early when the Krylov space is invariant (`β < 1e-12·‖T‖`). `on_step` is
/// called after each step with the tridiagonal so far; returning `true` stops.
fn lanczos_run(
    op: &dyn SymmetricOperator,
    start: &[f64],
    steps: usize,
    mut on_step: impl FnMut(&Tridiagonal) -> Result<bool>,
) -> Result<Tridiagonal> {
    let n = op.dim();
    let norm = dot(start, start).sqrt();
    if norm == 0.0 {
        return Err(Error::OutOfRange {
            field: "start vector",
            value: 0.0,
            expected: "must be non-zero",
        });
    }
    let mut basis: Vec<Vec<f64>> = vec![start.iter().map(|x| x / norm).collect()];
    let mut t = Tridiagonal {
        alpha: Vec::new(),
        beta: Vec::new(),
    };
    let mut scale = 0.0f64;
    for _ in 0..steps.min(n) {
        let q = basis.last().expect("basis is never empty");
        let mut w = op.apply(q)?;
        if w.iter().any(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                location: "operator output in Lanczos".into(),
            });
        }
        let alpha = dot(&w, q);
        for _ in 0..2 {
            for b in &basis {
                let c = dot(&w, b);
                w.iter_mut().zip(b).for_each(|(x, y)| *x -= c * y);
            }
        }
        let beta = dot(&w, &w).sqrt();
        t.alpha.push(alpha);
        t.beta.push(beta);
        scale = scale.max(alpha.abs()).max(beta);
        if on_step(&t)? || beta <= 1e-12 * scale.max(f64::MIN_POSITIVE) || basis.len() == n {
            break;
        }
        basis.push(w.iter().map(|x| x / beta).collect());
    }
    Ok(t)
}

/// The `k` extreme eigenvalues of `op` at the requested end, by Lanczos with full reorthogonalisation from a
/// seeded Rademacher start vector. Convergence is checked every 5 steps.
pub fn extreme_eigenvalues(
    op: &dyn SymmetricOperator,
    k: usize,
    which: Which,
    options: &LanczosOptions,
) -> Result<ExtremeEigenvalues> {
    ensure_positive_size("k", k)?;
    ensure_positive_size("max_steps", options.max_steps)?;
    let mut rng = StdRng::seed_from_u64(options.seed);
    let start = rademacher(op.dim(), &mut rng);
    let pick = |t: &Tridiagonal| -> Result<(Vec<f64>, Vec<f64>, bool)> {
        let (theta, _, last) = t.ritz()?;
        let beta_m = *t.beta.last().unwrap_or(&0.0);
        let mut idx: Vec<usize> = (0..theta.len()).collect();
        if which == Which::Largest {
            idx.reverse();
        }
        idx.truncate(k);
        let max_abs = theta.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let values: Vec<f64> = idx.iter().map(|&i| theta[i]).collect();
        let residuals: Vec<f64> = idx.iter().map(|&i| (beta_m * last[i]).abs()).collect();
        let converged = residuals
            .iter()
            .all(|&r| r <= options.tol * max_abs.max(f64::MIN_POSITIVE));
        Ok((values, residuals, converged))
    };
    let t = lanczos_run(op, &start, options.max_steps, |t| {
        let m = t.alpha.len();
        Ok(m >= k && m % 5 == 0 && pick(t)?.2)
    })?;
    let (values, residuals, converged) = pick(&t)?;
    Ok(ExtremeEigenvalues {
        converged: converged || t.alpha.len() == op.dim(),
        values,
        residuals,
        steps: t.alpha.len(),
    })
}

/// A Hutchinson estimate of `tr(A)` and its statistical error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TraceEstimate {
    /// `(1/s) Σ_k z_kᵀ A z_k` over `s` Rademacher vectors (unbiased).
    pub estimate: f64,
    /// Standard error of the estimate: sample standard deviation of `zᵀAz` divided by `√s`.
    pub std_error: f64,
    /// Number of probe vectors `s`.
    pub samples: usize,
}

/// Hutchinson's estimator of `tr(A)` with `samples ≥ 2` seeded Rademacher probes. For Rademacher probes the
/// variance of one probe is `2 Σ_{i≠j} A_ij²`, so the error is small when `A` is nearly diagonal.
pub fn hutchinson_trace(
    op: &dyn SymmetricOperator,
    samples: usize,
    seed: u64,
) -> Result<TraceEstimate> {
    if samples < 2 {
        return Err(Error::OutOfRange {
            field: "samples",
            value: samples as f64,
            expected: "need at least 2 probes",
        });
    }
    let mut rng = StdRng::seed_from_u64(seed);
    // Probes in blocks (one batched product per block where the operator batches).
    let mut values = Vec::with_capacity(samples);
    for block in (0..samples).collect::<Vec<_>>().chunks(64) {
        let probes: Vec<Vec<f64>> = block
            .iter()
            .map(|_| rademacher(op.dim(), &mut rng))
            .collect();
        let refs: Vec<&[f64]> = probes.iter().map(Vec::as_slice).collect();
        let products = op.apply_many(&refs)?;
        values.extend(probes.iter().zip(&products).map(|(z, az)| dot(z, az)));
    }
    let s = samples as f64;
    let mean = values.iter().sum::<f64>() / s;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (s - 1.0);
    Ok(TraceEstimate {
        estimate: mean,
        std_error: (var / s).sqrt(),
        samples,
    })
}

/// A spectral density estimate from stochastic Lanczos quadrature: `φ(λ) ≈ Σ_k w_k δ(λ − θ_k)`, with the
/// weights summing to 1 (the eigenvalue *distribution*: multiply by `P` for counts).
#[derive(Debug, Clone, PartialEq)]
pub struct SpectralDensity {
    /// Quadrature nodes `θ_k` (Ritz values of every probe), ascending.
    pub nodes: Vec<f64>,
    /// Quadrature weights `w_k = τ_k / (number of probes)`, `τ_k` = squared first component of the Ritz vector.
    pub weights: Vec<f64>,
}

impl SpectralDensity {
    /// The density smoothed by a Gaussian kernel of width `sigma`, evaluated at `grid` (integrates to ≈ 1).
    pub fn smoothed(&self, grid: &[f64], sigma: f64) -> Vec<f64> {
        let norm = 1.0 / (sigma * (2.0 * std::f64::consts::PI).sqrt());
        grid.iter()
            .map(|&x| {
                self.nodes
                    .iter()
                    .zip(&self.weights)
                    .map(|(&t, &w)| w * norm * (-0.5 * ((x - t) / sigma).powi(2)).exp())
                    .sum()
            })
            .collect()
    }
    /// `∫ λ^p dφ = Σ_k w_k θ_k^p`: estimates `(1/P) tr(A^p)`; exact for one probe `v` as `v̂ᵀ A^p v̂` when
    /// `p < 2m` (Gauss quadrature with `m` Lanczos steps).
    pub fn moment(&self, p: i32) -> f64 {
        self.nodes
            .iter()
            .zip(&self.weights)
            .map(|(t, w)| w * t.powi(p))
            .sum()
    }
}

/// Stochastic Lanczos quadrature (Ubaru, Chen & Saad 2017; PyHessian's density): `probes` seeded Rademacher
/// vectors, `steps` Lanczos steps each.
pub fn spectral_density(
    op: &dyn SymmetricOperator,
    probes: usize,
    steps: usize,
    seed: u64,
) -> Result<SpectralDensity> {
    ensure_positive_size("probes", probes)?;
    ensure_positive_size("steps", steps)?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut pairs: Vec<(f64, f64)> = Vec::new();
    for _ in 0..probes {
        let v = rademacher(op.dim(), &mut rng);
        let t = lanczos_run(op, &v, steps, |_| Ok(false))?;
        let (theta, first, _) = t.ritz()?;
        pairs.extend(
            theta
                .iter()
                .zip(&first)
                .map(|(&t, &f)| (t, f * f / probes as f64)),
        );
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(SpectralDensity {
        nodes: pairs.iter().map(|p| p.0).collect(),
        weights: pairs.iter().map(|p| p.1).collect(),
    })
}
