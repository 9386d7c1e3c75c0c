//! Seeded initialisers for the weight matrices of any [`Network`].
//!
//! One `StdRng` (rand 0.8, the generator dfdx uses) is seeded with the given seed and draws the matrices in
//! parameter order, so the same `(init, seed, architecture, depth)` always gives the same weights.

use faer::Mat;
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::params::FlatParams;
use super::Network;
use crate::error::{ensure_non_negative, Result};
use crate::random::gaussian;

/// How to choose the initial weights (each `D×D` matrix independently).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Init {
    /// All weights 0: the paper's "zero initial point". For shortcut depth `N ≥ 2` this is a stationary
    /// point, so exact zero is a fixed point of gradient descent (training never moves): use
    /// [`Init::SmallGaussian`] to start *near* zero.
    Zero,
    /// Entries i.i.d. `N(0, std²)`: the paper's "small initialisation" when `std` is small (e.g. 1e-3).
    SmallGaussian {
        /// Standard deviation ε ≥ 0.
        std: f64,
    },
    /// Xavier/Glorot normal: entries i.i.d. `N(0, 2/(fan_in + fan_out)) = N(0, 1/D)` for square layers.
    XavierNormal,
    /// Haar-random orthogonal matrices: QR of a Gaussian matrix with the signs of `diag(R)` folded into `Q`
    /// (Mezzadri 2007), so `WᵀW = I` exactly.
    Orthogonal,
    /// Every matrix the identity. The natural starting point of a plain network (`f(x) = x`).
    Identity,
}

impl Init {
    /// Checks the settings (`std` finite and ≥ 0).
    pub fn validate(&self) -> Result<()> {
        match self {
            Init::SmallGaussian { std } => ensure_non_negative("init std (epsilon)", *std),
            _ => Ok(()),
        }
    }

    /// A short label for tables: `"zero"`, `"small(1e-3)"`, `"xavier"`, `"orthogonal"`, `"identity"`.
    pub fn label(&self) -> String {
        match self {
            Init::Zero => "zero".into(),
            Init::SmallGaussian { std } => format!("small({std:e})"),
            Init::XavierNormal => "xavier".into(),
            Init::Orthogonal => "orthogonal".into(),
            Init::Identity => "identity".into(),
        }
    }

    /// Draws one `d×d` matrix, row-major, from `rng`.
    pub fn sample_matrix(&self, d: usize, rng: &mut StdRng) -> Vec<f64> {
        match *self {
            Init::Zero => vec![0.0; d * d],
            Init::SmallGaussian { std } => gaussian(d * d, std, rng),
            Init::XavierNormal => gaussian(d * d, (2.0 / (2 * d) as f64).sqrt(), rng),
            Init::Orthogonal => haar_orthogonal(d, rng),
            Init::Identity => {
                let mut m = vec![0.0; d * d];
                (0..d).for_each(|i| m[i * d + i] = 1.0);
                m
            }
        }
    }

    /// Sets every weight matrix of `net` (in parameter order) from one RNG seeded with `seed`.
    pub fn apply<const D: usize, Net: Network<D>>(&self, net: &mut Net, seed: u64) -> Result<()> {
        self.validate()?;
        let mut rng = StdRng::seed_from_u64(seed);
        let mut flat = Vec::with_capacity(net.num_params());
        for _ in 0..net.num_params() / (D * D) {
            flat.extend(self.sample_matrix(D, &mut rng));
        }
        net.set_params(&flat)
    }
}

/// A Haar-distributed `d×d` orthogonal matrix, row-major: `Q · diag(sign(diag R))` from the QR of a
/// standard Gaussian matrix.
pub(crate) fn haar_orthogonal(d: usize, rng: &mut StdRng) -> Vec<f64> {
    let g = gaussian(d * d, 1.0, rng);
    let g = Mat::from_fn(d, d, |i, j| g[i * d + j]);
    let qr = g.qr();
    let q = qr.compute_Q();
    let r = qr.R();
    let mut out = vec![0.0; d * d];
    for j in 0..d {
        let s = if r[(j, j)] < 0.0 { -1.0 } else { 1.0 };
        for i in 0..d {
            out[i * d + j] = s * q[(i, j)];
        }
    }
    out
}
