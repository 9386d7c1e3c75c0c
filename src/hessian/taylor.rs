//! Taylor coefficients of the loss along a line through the zero point, exactly, by truncated-polynomial
//! (Taylor-mode, "jet") arithmetic through the network's forward pass.
//!
//! Along `θ(t) = t·V` (all weights of a residual network, in the parameter order of THEORY.md §1), every weight
//! matrix is `t·V_{l,k}`, so every hidden state is a polynomial in `t`. Carrying each quantity as its
//! coefficients up to degree `K` (a *jet*) and multiplying jets as polynomials truncated at `K` gives the
//! coefficients `c_0, …, c_K` of
//!
//! ```text
//! ℓ(tV) = Σ_k c_k t^k + O(t^{K+1}),        φ(t) = ℓ(tV) − ℓ(0) = Σ_{k≥1} c_k t^k + O(t^{K+1}),
//! ```
//!
//! without fitting and without truncation error in the coefficients themselves: each `c_k` is a finite sum of
//! products of weights and data, evaluated in f64 (rounding only). For σ = tanh the jet of `tanh(u)` follows
//! from `y' = (1 − y²)·u'`: `k·y_k = Σ_{j=1..k} j·u_j·s_{k−j}` with `s = 1 − y²`. ReLU has no Taylor expansion at
//! its kink, so it is refused.
//!
//! By THEORY.md §1 and §4, for σ = identity (and for tanh, since σ'(0) = 1 and σ''(0) = 0) the lowest non-zero
//! coefficient of `φ` has degree `n`, the shortcut depth, and equals `−Σ_l tr(V_{l,n}⋯V_{l,1} M)`
//! ([`leading_coefficient_closed_form`]).

use faer::Mat;

use crate::error::{ensure_len, ensure_positive_size, Error, Result};
use crate::net::ActivationKind;

/// A residual network's shape for the line expansion: width `D`, shortcut depth `n`, `L` units, activation σ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineShape {
    /// Width `D`.
    pub width: usize,
    /// Shortcut depth `n` (weight layers per unit).
    pub shortcut: usize,
    /// Number of units `L`.
    pub depth: usize,
    /// σ between the layers of a unit (linear or tanh).
    pub activation: ActivationKind,
}

impl LineShape {
    /// Number of weights `P = n·L·D²`.
    pub fn num_params(&self) -> usize {
        self.shortcut * self.depth * self.width * self.width
    }

    fn validate(&self) -> Result<()> {
        ensure_positive_size("width", self.width)?;
        ensure_positive_size("shortcut depth", self.shortcut)?;
        ensure_positive_size("depth", self.depth)?;
        if self.activation == ActivationKind::Relu {
            return Err(Error::Unsupported(
                "ReLU has no Taylor expansion at its kink (0): the loss along a line through W = 0 is not a \
                 polynomial there; use linear or tanh"
                    .into(),
            ));
        }
        Ok(())
    }
}

/// `a·b` truncated at the length of `out` (`out[k] = Σ_{i+j=k} a_i b_j`).
fn product_into(a: &[f64], b: &[f64], out: &mut [f64]) {
    for (k, o) in out.iter_mut().enumerate() {
        *o = (0..=k).map(|i| a[i] * b[k - i]).sum();
    }
}

/// The jet of `tanh(u)` from the jet `u` (same length).
fn tanh_jet(u: &[f64]) -> Vec<f64> {
    let k_max = u.len();
    let mut y = vec![0.0; k_max];
    let mut s = vec![0.0; k_max]; // s = 1 − y²
    y[0] = u[0].tanh();
    s[0] = 1.0 - y[0] * y[0];
    for k in 1..k_max {
        y[k] = (1..=k).map(|j| j as f64 * u[j] * s[k - j]).sum::<f64>() / k as f64;
        s[k] = -(0..=k).map(|j| y[j] * y[k - j]).sum::<f64>();
    }
    y
}

/// The coefficients `c_0 … c_degree` of `ℓ(tV) = 1/(2m) Σ_i ‖y_i − f_{tV}(x_i)‖²` (see the module docs).
/// `direction` has `P = n·L·D²` entries in parameter order; `inputs` and `targets` hold `m` samples row by row
/// (`m·D` each).
///
/// Errors: a zero size, wrong lengths, ReLU ([`Error::Unsupported`]), or a non-finite input or coefficient.
pub fn loss_along_line(
    shape: LineShape,
    direction: &[f64],
    inputs: &[f64],
    targets: &[f64],
    degree: usize,
) -> Result<Vec<f64>> {
    shape.validate()?;
    let d = shape.width;
    ensure_len("direction", shape.num_params(), direction.len())?;
    ensure_len("targets", inputs.len(), targets.len())?;
    if inputs.is_empty() || inputs.len() % d != 0 {
        return Err(Error::ShapeMismatch {
            what: "inputs (m rows of the width)".into(),
            expected: d * (inputs.len() / d).max(1),
            found: inputs.len(),
        });
    }
    if let Some(i) = direction
        .iter()
        .chain(inputs)
        .chain(targets)
        .position(|v| !v.is_finite())
    {
        return Err(Error::NonFinite {
            location: format!(
                "input {i} of the line expansion (direction, then inputs, then targets)"
            ),
        });
    }
    let len = degree + 1;
    let m = inputs.len() / d;
    let layer = d * d;
    let mut coefficients = vec![0.0; len];
    let mut square = vec![0.0; len];
    for (x, y) in inputs.chunks_exact(d).zip(targets.chunks_exact(d)) {
        // h[i] is the jet of the i-th entry of the hidden state.
        let mut h: Vec<Vec<f64>> = x
            .iter()
            .map(|&v| {
                let mut jet = vec![0.0; len];
                jet[0] = v;
                jet
            })
            .collect();
        for unit in 0..shape.depth {
            let mut z = h.clone();
            for k in 0..shape.shortcut {
                if k > 0 && shape.activation == ActivationKind::Tanh {
                    z = z.iter().map(|u| tanh_jet(u)).collect();
                }
                let w = &direction[(unit * shape.shortcut + k) * layer..][..layer];
                // (t·V) z: row r of V times z, shifted up one degree by the factor t.
                z = (0..d)
                    .map(|r| {
                        let mut out = vec![0.0; len];
                        for (c, zc) in z.iter().enumerate() {
                            let v = w[r * d + c];
                            if v != 0.0 {
                                for deg in 1..len {
                                    out[deg] += v * zc[deg - 1];
                                }
                            }
                        }
                        out
                    })
                    .collect();
            }
            for (hi, zi) in h.iter_mut().zip(&z) {
                for (a, b) in hi.iter_mut().zip(zi) {
                    *a += b;
                }
            }
        }
        for (hi, &yi) in h.iter().zip(y) {
            let mut r: Vec<f64> = hi.iter().map(|v| -v).collect();
            r[0] += yi;
            product_into(&r, &r, &mut square);
            for (c, s) in coefficients.iter_mut().zip(&square) {
                *c += s;
            }
        }
    }
    for (k, c) in coefficients.iter_mut().enumerate() {
        *c /= 2.0 * m as f64;
        if !c.is_finite() {
            return Err(Error::NonFinite {
                location: format!("coefficient of t^{k} of the loss along the line"),
            });
        }
    }
    Ok(coefficients)
}

/// The closed form of the lowest coefficient of `φ(t) = ℓ(tV) − ℓ(0)`, of degree `n` (THEORY.md §4):
/// `−Σ_l tr(V_{l,n} ⋯ V_{l,1} M)` with `M = E[x (y − x)ᵀ]`, i.e. `−E[rᵀ (Σ_l V_{l,n}⋯V_{l,1}) x]` with the residual
/// at zero `r = y − x`. The same for σ = identity and σ = tanh (σ'(0) = 1).
///
/// Errors: a zero size, a direction of the wrong length, or `M` not `D×D`.
pub fn leading_coefficient_closed_form(
    shape: LineShape,
    direction: &[f64],
    m: &Mat<f64>,
) -> Result<f64> {
    shape.validate()?;
    let d = shape.width;
    ensure_len("direction", shape.num_params(), direction.len())?;
    ensure_len("rows of M", d, m.nrows())?;
    ensure_len("columns of M", d, m.ncols())?;
    let mut sum = Mat::<f64>::zeros(d, d);
    for unit in 0..shape.depth {
        let mut product = Mat::<f64>::identity(d, d);
        for k in 0..shape.shortcut {
            let w = &direction[(unit * shape.shortcut + k) * d * d..][..d * d];
            let v = Mat::from_fn(d, d, |r, c| w[r * d + c]);
            product = &v * &product;
        }
        sum += &product;
    }
    let product = &sum * m;
    Ok(-(0..d).map(|i| product[(i, i)]).sum::<f64>())
}
