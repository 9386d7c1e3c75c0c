//! Each exercise's truth: the numbers its checker compares an answer with, and what its hints quote. The main
//! crate fills them from its computations when the notebook runs; the in-page ones also come from the closed
//! forms here (`closed_form`/`of_*` constructors), which is what a report page runs. Each crosses to the page as
//! a [`Payload`].

use faer::Mat;

use super::payload::{Payload, Reader, Writer};
use crate::error::Result;
use crate::fit::log_log_slope;
use crate::moments::Moments;
use crate::options::dense_spectrum_bytes;
use crate::theory::{closed_form_spectrum, num_params, singular_values};

/// Exercise 1.1: `P = n·L·D²` of `ResNet::<D, n>` with `L` units.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterCount {
    /// Width `D`.
    pub width: usize,
    /// Shortcut depth `n`.
    pub shortcut: usize,
    /// Depth `L`.
    pub depth: usize,
    /// The number of parameters.
    pub params: usize,
}

impl ParameterCount {
    /// `P = n·L·D²` ([`num_params`]).
    pub fn closed_form(width: usize, shortcut: usize, depth: usize) -> Self {
        ParameterCount {
            width,
            shortcut,
            depth,
            params: num_params(shortcut, depth, width),
        }
    }
}

/// Exercise 1.2: the loss at `W = 0`, and the plain network's `½·tr Σ_yy` that a common slip gives.
#[derive(Debug, Clone, PartialEq)]
pub struct LossAtZero {
    /// `ℓ(0) = ½·tr Σ_yy − tr Σ_xy + ½·tr Σ_xx`.
    pub loss: f64,
    /// `½·tr Σ_yy`: the plain network's loss at zero (it outputs 0).
    pub plain_zero: f64,
}

impl LossAtZero {
    /// From the data's moments: `ℓ(0)` is [`Moments::loss_at_zero`] (the identity map's loss, which equals
    /// `½·tr Σ_yy − tr Σ_xy + ½·tr Σ_xx`), and the plain network's is `½·tr Σ_yy`.
    pub fn of_moments(moments: &Moments) -> Self {
        LossAtZero {
            loss: moments.loss_at_zero,
            plain_zero: 0.5 * moments.mean_sq_target,
        }
    }
}

/// Exercise 2.1: the number of negative eigenvalues of `H(0)` (those below `−1e-6·max|λ|`).
#[derive(Debug, Clone, PartialEq)]
pub struct NegativeEigenvalues {
    /// Width `D`.
    pub width: usize,
    /// Depth `L`.
    pub depth: usize,
    /// `P`, the number of eigenvalues.
    pub params: usize,
    /// How many are negative.
    pub negative: usize,
}

/// The cut below which an eigenvalue counts as negative, relative to `max|λ|`.
pub const NEGATIVE_CUTOFF: f64 = 1e-6;

impl NegativeEigenvalues {
    /// Counted in the closed-form spectrum of shortcut depth `shortcut` (THEORY.md: `±σ_i(M)`, each `D·L` times,
    /// for shortcut 2).
    pub fn closed_form(
        shortcut: usize,
        width: usize,
        depth: usize,
        moments: &Moments,
    ) -> Result<Self> {
        let spectrum = closed_form_spectrum(shortcut, depth, moments, 1.0)?;
        Ok(Self::of_eigenvalues(width, depth, &spectrum.eigenvalues()))
    }
    /// Counted in a list of eigenvalues (the main crate passes the exact Hessian's).
    pub fn of_eigenvalues(width: usize, depth: usize, eigenvalues: &[f64]) -> Self {
        let max_abs = eigenvalues.iter().fold(0.0_f64, |m, l| m.max(l.abs()));
        let tol = NEGATIVE_CUTOFF * max_abs;
        NegativeEigenvalues {
            width,
            depth,
            params: eigenvalues.len(),
            negative: eigenvalues.iter().filter(|&&l| l < -tol).count(),
        }
    }
}

/// A single real truth (exercises 2.2, 3.1, 3.2, 6.1): `λ_max`, a condition number, a fitted slope.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Value(pub f64);

/// Exercise 2.2: `λ_max(H(0)) = σ_max(M)` in the closed form of shortcut depth `shortcut` at depth `depth`.
pub fn lambda_max_closed_form(shortcut: usize, depth: usize, moments: &Moments) -> Result<Value> {
    Ok(Value(
        closed_form_spectrum(shortcut, depth, moments, 1.0)?.lambda_max(),
    ))
}

/// Exercise 3.1: `κ(H(0))` of the closed form at `depth` (`∞` for a flat spectrum).
pub fn condition_closed_form(shortcut: usize, depth: usize, moments: &Moments) -> Result<Value> {
    Ok(Value(
        closed_form_spectrum(shortcut, depth, moments, 1.0)?
            .condition_number()
            .unwrap_or(f64::INFINITY),
    ))
}

/// Depths of exercise 3.2.
pub const SLOPE_DEPTHS: [usize; 7] = [1, 2, 4, 8, 16, 32, 64];

/// Exercise 3.2: the least-squares slope of `log λ_max` against `log L` over [`SLOPE_DEPTHS`], closed form of
/// shortcut depth `shortcut` (NaN when it cannot be fitted).
pub fn lambda_max_slope_closed_form(shortcut: usize, moments: &Moments) -> Result<Value> {
    let points = SLOPE_DEPTHS
        .iter()
        .map(|&l| {
            Ok((
                l as f64,
                closed_form_spectrum(shortcut, l, moments, 1.0)?.lambda_max(),
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Value(log_log_slope(&points).unwrap_or(f64::NAN)))
}

/// Exercise 6.1: `κ = σ_max(M)/σ_min(M)` of a data set's `M` (`∞` when `M` is singular).
pub fn condition_of_m(m: &Mat<f64>) -> Result<Value> {
    let sigma = singular_values(m)?;
    let (max, min) = (
        sigma.first().copied().unwrap_or(0.0),
        sigma.last().copied().unwrap_or(0.0),
    );
    Ok(Value(if min > 0.0 { max / min } else { f64::INFINITY }))
}

/// The threshold of exercise 3.3.
pub const KAPPA_THRESHOLD: f64 = 1e4;
/// Depths scanned by exercise 3.3.
pub const MAX_SCANNED_DEPTH: usize = 64;

/// Exercise 3.3: the smallest `L ≤` [`MAX_SCANNED_DEPTH`] at which the closed-form condition number exceeds
/// [`KAPPA_THRESHOLD`] (`None` if none does).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FirstDepthAbove(pub Option<usize>);

impl FirstDepthAbove {
    /// Scans `L = 1, 2, …` in the closed form of shortcut depth `shortcut` (κ is not monotone in `L`).
    pub fn closed_form(shortcut: usize, moments: &Moments) -> Result<Self> {
        for l in 1..=MAX_SCANNED_DEPTH {
            let kappa = closed_form_spectrum(shortcut, l, moments, 1.0)?
                .condition_number()
                .unwrap_or(f64::INFINITY);
            if kappa > KAPPA_THRESHOLD {
                return Ok(FirstDepthAbove(Some(l)));
            }
        }
        Ok(FirstDepthAbove(None))
    }
}

/// Exercise 4.1 (recorded): at one depth of the training grid, each shortcut-2 initialisation's label and mean
/// steps to the threshold (`None`: not reached).
#[derive(Debug, Clone, PartialEq)]
pub struct FastestInit {
    /// The depth asked about.
    pub depth: usize,
    /// `(label, mean steps)` per initialisation, in the grid's order.
    pub rows: Vec<(String, Option<f64>)>,
}

/// Exercise 4.2 (recorded): shortcut 1's fitted edge-of-stability exponent and the `(L, η*)` points it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeExponent {
    /// The fitted exponent (`None`: bracketed at fewer than two depths).
    pub exponent: Option<f64>,
    /// `(L, largest stable rate)`.
    pub points: Vec<(f64, f64)>,
    /// How far a prediction may be from the fitted exponent (the depth claims' tolerance).
    pub tolerance: f64,
}

/// Exercises 5.1 and 6.2 (recorded): one measured value (`None`: the run did not produce it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured(pub Option<f64>);

/// Exercise 5.2 (recorded): escape steps at `ε = 10⁻²` and `10⁻³` (`None`: a run did not escape).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EscapePair(pub Option<(f64, f64)>);

/// Exercise 5.3 (recorded): the degree of the first non-zero Taylor coefficient and that coefficient.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeadingTerm(pub Option<(usize, f64)>);

/// Exercise 7.1: `tr H(0)` and the tolerance `1e-9·P·max|λ|` of summing `P` eigenvalues.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TraceAtZero {
    /// The trace.
    pub trace: f64,
    /// The absolute tolerance.
    pub tolerance: f64,
}

impl TraceAtZero {
    /// The sum of the closed-form spectrum.
    pub fn closed_form(shortcut: usize, depth: usize, moments: &Moments) -> Result<Self> {
        let spectrum = closed_form_spectrum(shortcut, depth, moments, 1.0)?;
        Ok(TraceAtZero {
            trace: spectrum.trace(),
            tolerance: 1e-9 * spectrum.dim() as f64 * spectrum.max_abs(),
        })
    }
}

/// Exercise 7.2: the bytes of a dense `P×P` Hessian and its eigensolver's copy (`2·8·P²`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DenseBytes {
    /// `P`.
    pub params: usize,
    /// `16·P²` ([`dense_spectrum_bytes`]).
    pub bytes: f64,
}

impl DenseBytes {
    /// For `P` parameters.
    pub fn of_params(params: usize) -> Self {
        DenseBytes {
            params,
            bytes: dense_spectrum_bytes(params) as f64,
        }
    }
}

// ---- the page's byte form of each truth ----

impl Payload for ParameterCount {
    fn write(&self, w: &mut Writer) {
        w.u64(self.width as u64)
            .u64(self.shortcut as u64)
            .u64(self.depth as u64)
            .u64(self.params as u64);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(ParameterCount {
            width: r.usize()?,
            shortcut: r.usize()?,
            depth: r.usize()?,
            params: r.usize()?,
        })
    }
}

impl Payload for LossAtZero {
    fn write(&self, w: &mut Writer) {
        w.f64(self.loss).f64(self.plain_zero);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(LossAtZero {
            loss: r.f64()?,
            plain_zero: r.f64()?,
        })
    }
}

impl Payload for NegativeEigenvalues {
    fn write(&self, w: &mut Writer) {
        w.u64(self.width as u64)
            .u64(self.depth as u64)
            .u64(self.params as u64)
            .u64(self.negative as u64);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(NegativeEigenvalues {
            width: r.usize()?,
            depth: r.usize()?,
            params: r.usize()?,
            negative: r.usize()?,
        })
    }
}

impl Payload for Value {
    fn write(&self, w: &mut Writer) {
        w.f64(self.0);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Value(r.f64()?))
    }
}

impl Payload for FirstDepthAbove {
    fn write(&self, w: &mut Writer) {
        w.u64(self.0.map_or(0, |l| l as u64));
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let l = r.usize()?;
        Ok(FirstDepthAbove((l > 0).then_some(l)))
    }
}

impl Payload for FastestInit {
    fn write(&self, w: &mut Writer) {
        w.u64(self.depth as u64).u64(self.rows.len() as u64);
        for (label, steps) in &self.rows {
            w.str(label).opt_f64(*steps);
        }
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let depth = r.usize()?;
        let n = r.usize()?;
        let rows = (0..n.min(1024))
            .map(|_| Ok((r.str()?, r.opt_f64()?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(FastestInit { depth, rows })
    }
}

impl Payload for EdgeExponent {
    fn write(&self, w: &mut Writer) {
        w.opt_f64(self.exponent)
            .f64(self.tolerance)
            .u64(self.points.len() as u64);
        for &(l, e) in &self.points {
            w.f64(l).f64(e);
        }
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let exponent = r.opt_f64()?;
        let tolerance = r.f64()?;
        let n = r.usize()?;
        let points = (0..n.min(4096))
            .map(|_| Ok((r.f64()?, r.f64()?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(EdgeExponent {
            exponent,
            points,
            tolerance,
        })
    }
}

impl Payload for Measured {
    fn write(&self, w: &mut Writer) {
        w.opt_f64(self.0);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Measured(r.opt_f64()?))
    }
}

impl Payload for EscapePair {
    fn write(&self, w: &mut Writer) {
        w.opt_f64(self.0.map(|p| p.0)).opt_f64(self.0.map(|p| p.1));
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(EscapePair(r.opt_f64()?.zip(r.opt_f64()?)))
    }
}

impl Payload for LeadingTerm {
    fn write(&self, w: &mut Writer) {
        w.u64(self.0.map_or(u64::MAX, |t| t.0 as u64))
            .f64(self.0.map_or(f64::NAN, |t| t.1));
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let degree = r.u64()?;
        let coefficient = r.f64()?;
        Ok(LeadingTerm(
            (degree != u64::MAX).then_some((degree as usize, coefficient)),
        ))
    }
}

impl Payload for TraceAtZero {
    fn write(&self, w: &mut Writer) {
        w.f64(self.trace).f64(self.tolerance);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(TraceAtZero {
            trace: r.f64()?,
            tolerance: r.f64()?,
        })
    }
}

impl Payload for DenseBytes {
    fn write(&self, w: &mut Writer) {
        w.u64(self.params as u64).f64(self.bytes);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(DenseBytes {
            params: r.usize()?,
            bytes: r.f64()?,
        })
    }
}
