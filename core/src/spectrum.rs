//! Spectra of symmetric matrices and the summaries the paper talks about: extreme eigenvalues, condition
//! number, fraction of negative eigenvalues, flatness. Definitions are written once, here.
//!
//! A spectrum is stored as distinct values with multiplicities, so the closed form at zero for shortcut depth 2
//! (`±σ_i(M)`, each `D·L` times) costs `O(D)` memory at any depth.

/// Eigenvalues below this absolute size count as zero when deciding whether a Hessian is *flat*
/// (identically zero, as for shortcut depth ≥ 3 at the zero point). Finite-difference Hessians of a zero
/// matrix come out at ~1e-12.
pub const DEFAULT_FLAT_TOLERANCE: f64 = 1e-9;

/// Relative tolerance used by [`Spectrum::negative_fraction`] and [`Spectrum::effective_condition_number`]:
/// eigenvalues with `|λ| ≤ tol · max|λ|` count as zero.
pub const DEFAULT_RELATIVE_TOLERANCE: f64 = 1e-9;

/// The eigenvalues of a symmetric `P×P` matrix, ascending, each with its multiplicity.
#[derive(Debug, Clone, PartialEq)]
pub struct Spectrum {
    /// `(λ, multiplicity)` with `λ` strictly ascending; multiplicities sum to `P`.
    values: Vec<(f64, usize)>,
    flat_tolerance: f64,
}

impl Spectrum {
    /// A spectrum from eigenvalues listed one by one (any order; equal values are merged).
    pub fn from_eigenvalues(eigenvalues: Vec<f64>) -> Self {
        Self::from_multiplicities(eigenvalues.into_iter().map(|v| (v, 1)).collect())
    }

    /// A spectrum from `(λ, multiplicity)` pairs (any order; zero multiplicities dropped).
    pub fn from_multiplicities(pairs: Vec<(f64, usize)>) -> Self {
        let mut pairs: Vec<(f64, usize)> = pairs.into_iter().filter(|p| p.1 > 0).collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut values: Vec<(f64, usize)> = Vec::new();
        for (v, m) in pairs {
            match values.last_mut() {
                Some((last, count)) if *last == v => *count += m,
                _ => values.push((v, m)),
            }
        }
        Self {
            values,
            flat_tolerance: DEFAULT_FLAT_TOLERANCE,
        }
    }

    /// The same spectrum with another absolute flatness tolerance (see [`Spectrum::is_flat`]).
    pub fn with_flat_tolerance(mut self, tol: f64) -> Self {
        self.flat_tolerance = tol;
        self
    }

    /// Matrix size `P` (eigenvalues counted with multiplicity).
    pub fn dim(&self) -> usize {
        self.values.iter().map(|v| v.1).sum()
    }
    /// Distinct eigenvalues with multiplicities, ascending.
    pub fn distinct(&self) -> &[(f64, usize)] {
        &self.values
    }
    /// All eigenvalues, ascending, each repeated by its multiplicity.
    pub fn eigenvalues(&self) -> Vec<f64> {
        self.values
            .iter()
            .flat_map(|&(v, m)| std::iter::repeat_n(v, m))
            .collect()
    }
    /// Eigenvalues merged when they agree within `rel_tol · max|λ|`: `(mean value, multiplicity)`. Use it to
    /// read multiplicities off a numerically computed spectrum.
    pub fn clustered(&self, rel_tol: f64) -> Vec<(f64, usize)> {
        let tol = rel_tol * self.max_abs();
        let mut out: Vec<(f64, usize, f64)> = Vec::new(); // (first value, count, sum)
        for &(v, m) in &self.values {
            match out.last_mut() {
                Some((first, count, sum)) if (v - *first).abs() <= tol => {
                    *count += m;
                    *sum += v * m as f64;
                }
                _ => out.push((v, m, v * m as f64)),
            }
        }
        out.into_iter().map(|(_, c, s)| (s / c as f64, c)).collect()
    }
    /// Largest eigenvalue `λ_max`.
    pub fn lambda_max(&self) -> f64 {
        self.values.last().map_or(0.0, |v| v.0)
    }
    /// Smallest (most negative) eigenvalue `λ_min`.
    pub fn lambda_min(&self) -> f64 {
        self.values.first().map_or(0.0, |v| v.0)
    }
    /// `max|λ|`.
    pub fn max_abs(&self) -> f64 {
        self.lambda_max().abs().max(self.lambda_min().abs())
    }
    /// `min|λ|`.
    pub fn min_abs(&self) -> f64 {
        self.values
            .iter()
            .map(|v| v.0.abs())
            .fold(f64::INFINITY, f64::min)
    }
    /// `true` when every eigenvalue is below the flatness tolerance in absolute value: the matrix is zero for
    /// all practical purposes (shortcut depth ≥ 3 at the zero point). A flat spectrum has no condition number.
    pub fn is_flat(&self) -> bool {
        self.max_abs() <= self.flat_tolerance
    }
    /// Condition number `max|λ| / min|λ|` (the paper's definition for an indefinite Hessian).
    /// `None` for a flat spectrum; `+∞` when some but not all eigenvalues are exactly zero.
    pub fn condition_number(&self) -> Option<f64> {
        if self.is_flat() {
            return None;
        }
        let min = self.min_abs();
        Some(if min == 0.0 {
            f64::INFINITY
        } else {
            self.max_abs() / min
        })
    }
    /// Condition number over the eigenvalues with `|λ| > rel_tol · max|λ|` only (zero and numerically-zero
    /// eigenvalues dropped): `max|λ| / min{|λ| : |λ| > rel_tol·max|λ|}`. `None` for a flat spectrum.
    pub fn effective_condition_number(&self, rel_tol: f64) -> Option<f64> {
        if self.is_flat() {
            return None;
        }
        let max = self.max_abs();
        let min = self
            .values
            .iter()
            .map(|v| v.0.abs())
            .filter(|&a| a > rel_tol * max)
            .fold(f64::INFINITY, f64::min);
        Some(max / min)
    }
    /// Fraction of eigenvalues `λ < −tol·max|λ|` (with [`DEFAULT_RELATIVE_TOLERANCE`]): 1/2 for the strict
    /// saddle of shortcut depth 2 at zero; 0 for a flat spectrum.
    pub fn negative_fraction(&self) -> f64 {
        if self.is_flat() {
            return 0.0;
        }
        let tol = DEFAULT_RELATIVE_TOLERANCE * self.max_abs();
        let neg: usize = self.values.iter().filter(|v| v.0 < -tol).map(|v| v.1).sum();
        neg as f64 / self.dim() as f64
    }
    /// The `k` largest eigenvalues, descending.
    pub fn top(&self, k: usize) -> Vec<f64> {
        let mut all = self.eigenvalues();
        all.reverse();
        all.truncate(k);
        all
    }
    /// `tr = Σ λ`.
    pub fn trace(&self) -> f64 {
        self.values.iter().map(|&(v, m)| v * m as f64).sum()
    }
}

/// The numbers a table row reports about a spectrum (see [`Spectrum::summary`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpectrumSummary {
    /// `λ_max`.
    pub lambda_max: f64,
    /// `λ_min`.
    pub lambda_min: f64,
    /// `min|λ|`.
    pub min_abs: f64,
    /// `max|λ| / min|λ|` (`None` when flat).
    pub condition_number: Option<f64>,
    /// The same over `|λ| > rel_tol·max|λ|` (`None` when flat).
    pub effective_condition_number: Option<f64>,
    /// Fraction of negative eigenvalues.
    pub negative_fraction: f64,
    /// All eigenvalues below the flatness tolerance.
    pub flat: bool,
}

impl Spectrum {
    /// All summary numbers at once; `rel_tol` is used for the effective condition number.
    pub fn summary(&self, rel_tol: f64) -> SpectrumSummary {
        SpectrumSummary {
            lambda_max: self.lambda_max(),
            lambda_min: self.lambda_min(),
            min_abs: self.min_abs(),
            condition_number: self.condition_number(),
            effective_condition_number: self.effective_condition_number(rel_tol),
            negative_fraction: self.negative_fraction(),
            flat: self.is_flat(),
        }
    }
}
