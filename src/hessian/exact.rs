//! The exact Hessian of the loss for the crate's network family (linear, tanh and ReLU branches; residual and
//! plain), by **forward-over-reverse differentiation**: Pearlmutter's R-operator `R{·} = d/dt (·)(θ + t v)|₀`
//! applied to the forward and the backward pass, so that `R{∇ℓ} = H v` exactly (up to rounding, no step).
//!
//! With `a_t` the input and `z_t = W_t a_t` the pre-activation of weight layer `t`, `δ_t = ∂ℓ/∂z_t`, and a
//! direction `V = (V_t)`:
//!
//! - forward: `R{z_t} = V_t a_t + W_t R{a_t}`, `R{σ(z)} = σ'(z) ⊙ R{z}`, a shortcut adds `R{h_in}`;
//! - at the output: `R{∂ℓ/∂h_L} = R{h_L} / m` for `ℓ = 1/(2m) Σ ‖y − f(x)‖²`;
//! - backward: `R{δ_{t−1}} = σ''(z_{t−1}) ⊙ R{z_{t−1}} ⊙ (W_tᵀ δ_t) + σ'(z_{t−1}) ⊙ (V_tᵀ δ_t + W_tᵀ R{δ_t})`;
//! - `(H v)_t = R{∂ℓ/∂W_t} = R{δ_t} a_tᵀ + δ_t R{a_t}ᵀ`.
//!
//! **Batched.** `K` directions run together: every `R{·}` is a `(K·m) × D` panel (direction-major rows), so each
//! step above is one matrix product for all directions, and the outer products `R{δ_t} a_tᵀ` are one product of
//! the same memory read as `m × (D·K)`.
//!
//! **Dense assembly** ([`ExactHessian::dense`]) takes, for each weight layer `s`, the `D²` unit directions of
//! that layer as one batch. Their `R{·}` vanish before layer `s`, so the forward R-pass starts at `s`, and only
//! the rows of layers `t ≥ s` are computed (the lower block triangle); the upper one is its mirror image. The
//! cost is about `P²·m` multiply-adds per pass, i.e. a sequence of `(D²·m) × D × D` matrix products, and the
//! layers run in parallel, each writing its own column block of the matrix.
//!
//! **ReLU.** The engine uses autodiff's derivatives ([`crate::net::ActivationKind::derivatives`]): relu'(0) = 0 and
//! relu'' = 0, the convention of dfdx's backward pass. At the zero point of a ReLU network it therefore gives
//! the zero matrix, as autodiff does; central differences of the loss see slope ½ instead
//! ([`super::loss_hessian`], THEORY.md "Nonlinear branches").

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, MatRef, Par};
use rayon::prelude::*;

use super::matrix::HessianMatrix;
use super::model::{effective_data, LossModel};
use super::options::{dense_matrix_bytes, HessianOptions};
use crate::data::Dataset;
use crate::error::{ensure_len, Error, Result};
use crate::net::layers::{layer_roles, LayerRole};
use crate::net::FlatParams;

/// A column-major `rows × cols` array: `cols` columns of `rows` contiguous values. For `K` directions and `m`
/// samples an R-panel has `rows = K·m` (row `k·m + i` is sample `i` of direction `k`) and `cols = D`.
#[derive(Debug, Clone)]
struct Panel {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl Panel {
    fn zeros(rows: usize, cols: usize) -> Self {
        Self {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }
    fn view(&self) -> MatRef<'_, f64> {
        MatRef::from_column_major_slice(&self.data, self.rows, self.cols)
    }
    fn view_mut(&mut self) -> MatMut<'_, f64> {
        MatMut::from_column_major_slice_mut(&mut self.data, self.rows, self.cols)
    }
    fn col(&self, c: usize) -> &[f64] {
        &self.data[c * self.rows..(c + 1) * self.rows]
    }
    fn col_mut(&mut self, c: usize) -> &mut [f64] {
        &mut self.data[c * self.rows..(c + 1) * self.rows]
    }
    /// `self ⊙ s`, with the `m × cols` panel `s` repeated for every direction.
    fn scale_rows_by(&mut self, s: &Panel) {
        for c in 0..self.cols {
            let factor = s.col(c);
            for chunk in self.col_mut(c).chunks_exact_mut(factor.len()) {
                chunk.iter_mut().zip(factor).for_each(|(x, f)| *x *= f);
            }
        }
    }
    /// `self += a ⊙ b ⊙ u`, with `a` and `u` (`m × cols`) repeated for every direction of `b`.
    fn add_product(&mut self, a: &Panel, b: &Panel, u: &Panel) {
        for c in 0..self.cols {
            let (ac, uc) = (a.col(c), u.col(c));
            for (dst, bc) in self
                .col_mut(c)
                .chunks_exact_mut(ac.len())
                .zip(b.col(c).chunks_exact(ac.len()))
            {
                for i in 0..ac.len() {
                    dst[i] += ac[i] * bc[i] * uc[i];
                }
            }
        }
    }
    /// The same memory read as `m × (cols·K)`: column `c·K + k` is column `c` of direction `k`.
    fn regrouped(&self, m: usize) -> MatRef<'_, f64> {
        MatRef::from_column_major_slice(&self.data, m, self.data.len() / m)
    }
    fn add_assign(&mut self, other: &Panel) {
        self.data
            .iter_mut()
            .zip(&other.data)
            .for_each(|(a, b)| *a += b);
    }
}

/// `lhs · rhs`, written into `dst` (`Accum::Replace`) or added to it (`Accum::Add`), on the calling thread.
fn product(dst: MatMut<'_, f64>, accum: Accum, lhs: MatRef<'_, f64>, rhs: MatRef<'_, f64>) {
    matmul(dst, accum, lhs, rhs, 1.0, Par::Seq);
}

/// The directions of one R-pass.
#[derive(Clone, Copy)]
enum Directions<'a> {
    /// Unit vectors of weight layer `layer`: direction `k` perturbs entry `q = first + k` of `W_layer`, i.e.
    /// `(a, b) = (q / D, q % D)`, for `k < count`.
    UnitsOfLayer {
        layer: usize,
        first: usize,
        count: usize,
    },
    /// Arbitrary directions, each of length `P`.
    General(&'a [&'a [f64]]),
}

/// The exact Hessian of `ℓ` at one point: the forward and backward passes cached once, then any number of
/// Hessian-vector products ([`ExactHessian::products`]) or the dense matrix ([`ExactHessian::dense`]).
#[derive(Debug, Clone)]
pub struct ExactHessian<const D: usize> {
    /// `W_t` in layer order, as `D×D` matrices (`w[(i, j)]` = `(W_t)ᵢⱼ`).
    weights: Vec<Mat<f64>>,
    roles: Vec<LayerRole>,
    /// 1 for residual units (identity shortcut), 0 for the plain network.
    shortcut: bool,
    samples: usize,
    /// `a_tᵀ` (`m × D`): the input of layer `t`, one row per sample.
    inputs: Vec<Panel>,
    /// `σ'(z_t)ᵀ` for layers followed by an activation; `None` where σ is the identity or no σ follows.
    slopes: Vec<Option<Panel>>,
    /// `σ''(z_t)ᵀ` where it is not identically zero (tanh).
    curvatures: Vec<Option<Panel>>,
    /// `δ_tᵀ = (∂ℓ/∂z_t)ᵀ`.
    deltas: Vec<Panel>,
    /// `(W_tᵀ δ_t)ᵀ = δ_tᵀ W_t`.
    upstream: Vec<Panel>,
    loss: f64,
    gradient: Vec<f64>,
}

impl<const D: usize> ExactHessian<D> {
    /// Runs and caches the forward and backward passes of `net` on `data` (moment-compressed for linear
    /// networks when `options.moment_compression` allows, as every Hessian path does).
    ///
    /// Errors: invalid options or data of the wrong width; [`Error::NonFinite`] when the loss overflows.
    pub fn new<Net: FlatParams<D>>(
        net: &Net,
        data: &Dataset<D>,
        options: &HessianOptions,
    ) -> Result<Self> {
        Self::of_model(net, data, options)
    }

    /// [`ExactHessian::new`] for a network seen as a [`LossModel`] (compiled once per width).
    pub(crate) fn of_model(
        net: &dyn LossModel<D>,
        data: &Dataset<D>,
        options: &HessianOptions,
    ) -> Result<Self> {
        let data = effective_data(net, data, options)?;
        let m = data.len();
        let weights: Vec<Mat<f64>> = net
            .params()
            .chunks_exact(D * D)
            .map(|w| Mat::from_fn(D, D, |i, j| w[i * D + j]))
            .collect();
        let layers = weights.len();
        let (roles, shortcut) = layer_roles(net.architecture(), layers);
        let evaluate = net.activation().evaluator();
        let linear = net.activation() == crate::net::ActivationKind::Linear;

        // Forward pass.
        let mut a = Panel::zeros(m, D);
        for i in 0..m {
            for (c, v) in data.input(i).iter().enumerate() {
                a.data[c * m + i] = *v;
            }
        }
        let mut segment_input = a.clone();
        let (mut inputs, mut slopes, mut curvatures) = (
            Vec::with_capacity(layers),
            Vec::with_capacity(layers),
            Vec::with_capacity(layers),
        );
        for (t, role) in roles.iter().enumerate() {
            if role.first {
                segment_input = a.clone();
            }
            let mut z = Panel::zeros(m, D);
            product(
                z.view_mut(),
                Accum::Replace,
                a.view(),
                weights[t].transpose(),
            );
            inputs.push(a);
            if role.last {
                slopes.push(None);
                curvatures.push(None);
                if shortcut {
                    z.add_assign(&segment_input);
                }
                a = z;
            } else if linear {
                slopes.push(None);
                curvatures.push(None);
                a = z;
            } else {
                let (mut s1, mut s2) = (Panel::zeros(m, D), Panel::zeros(m, D));
                for (idx, zv) in z.data.iter_mut().enumerate() {
                    let (value, d1, d2) = evaluate(*zv);
                    s1.data[idx] = d1;
                    s2.data[idx] = d2;
                    *zv = value;
                }
                slopes.push(Some(s1));
                curvatures.push(s2.data.iter().any(|v| *v != 0.0).then_some(s2));
                a = z;
            }
        }

        // Loss and backward pass.
        let mut g = a;
        for i in 0..m {
            for (c, v) in data.target(i).iter().enumerate() {
                g.data[c * m + i] -= *v;
            }
        }
        let loss = g.data.iter().map(|r| r * r).sum::<f64>() / (2.0 * m as f64);
        if !loss.is_finite() {
            return Err(Error::NonFinite {
                location: "loss in the exact Hessian's forward pass".into(),
            });
        }
        g.data.iter_mut().for_each(|r| *r /= m as f64);
        let mut deltas = vec![Panel::zeros(0, D); layers];
        let mut upstream = vec![Panel::zeros(0, D); layers];
        let mut gradient = vec![0.0; layers * D * D];
        let mut g_out = g.clone();
        let mut delta = g.clone();
        for t in (0..layers).rev() {
            if roles[t].last {
                g_out = g.clone();
                delta = g.clone();
            }
            let mut gw = Mat::<f64>::zeros(D, D);
            product(
                gw.as_mut(),
                Accum::Replace,
                delta.view().transpose(),
                inputs[t].view(),
            );
            for i in 0..D {
                for j in 0..D {
                    gradient[t * D * D + i * D + j] = gw[(i, j)];
                }
            }
            let mut u = Panel::zeros(m, D);
            product(
                u.view_mut(),
                Accum::Replace,
                delta.view(),
                weights[t].as_ref(),
            );
            if !roles[t].first {
                let mut next = u.clone();
                if let Some(s) = &slopes[t - 1] {
                    next.scale_rows_by(s);
                }
                deltas[t] = std::mem::replace(&mut delta, next);
            } else {
                g = u.clone();
                if shortcut {
                    g.add_assign(&g_out);
                }
                deltas[t] = delta.clone();
            }
            upstream[t] = u;
        }
        Ok(Self {
            weights,
            roles,
            shortcut,
            samples: m,
            inputs,
            slopes,
            curvatures,
            deltas,
            upstream,
            loss,
            gradient,
        })
    }

    /// Number of parameters `P`.
    pub fn dim(&self) -> usize {
        self.weights.len() * D * D
    }

    /// Samples the passes ran on (fewer than the data's when moment-compressed).
    pub fn samples_used(&self) -> usize {
        self.samples
    }

    /// The loss `ℓ(θ)` from the cached forward pass.
    pub fn loss(&self) -> f64 {
        self.loss
    }

    /// The gradient `∇ℓ(θ)` from the cached backward pass, in parameter order (equal to dfdx's; tested).
    pub fn gradient(&self) -> &[f64] {
        &self.gradient
    }

    /// `H v` for every `v` in `directions` (each of length `P`), in one batched R-pass.
    ///
    /// Errors: a direction of the wrong length.
    pub fn products(&self, directions: &[&[f64]]) -> Result<Vec<Vec<f64>>> {
        for v in directions {
            ensure_len("direction length", self.dim(), v.len())?;
        }
        let mut out = vec![vec![0.0; self.dim()]; directions.len()];
        if !directions.is_empty() {
            let count = directions.len();
            self.r_pass(0, Directions::General(directions), |t, g1, g2| {
                for (k, column) in out.iter_mut().enumerate() {
                    write_layer::<D>(&mut column[t * D * D..(t + 1) * D * D], g1, g2, count, k);
                }
            });
        }
        Ok(out)
    }

    /// The dense `P×P` Hessian (see the module docs); `asymmetry` compares the two halves of each diagonal
    /// block, the only entries computed twice.
    ///
    /// Errors: a matrix above `options.max_dense_bytes` ([`Error::TooLarge`], nothing allocated); a non-finite
    /// entry.
    pub fn dense(&self, options: &HessianOptions) -> Result<HessianMatrix> {
        let p = self.dim();
        options.ensure_dense_fits("exact Hessian", p, dense_matrix_bytes(p))?;
        let block = D * D;
        let chunk = self.directions_per_pass(p);
        let mut h = parallel_zeros(p);
        h.par_col_chunks_mut(block)
            .enumerate()
            .for_each(|(s, mut columns)| {
                for first in (0..block).step_by(chunk) {
                    let count = chunk.min(block - first);
                    let directions = Directions::UnitsOfLayer {
                        layer: s,
                        first,
                        count,
                    };
                    self.r_pass(s, directions, |t, g1, g2| {
                        for k in 0..count {
                            let column = columns
                                .as_mut()
                                .col_mut(first + k)
                                .try_as_col_major_mut()
                                .expect("a column of a faer matrix is contiguous")
                                .as_slice_mut();
                            write_layer::<D>(
                                &mut column[t * block..(t + 1) * block],
                                g1,
                                g2,
                                count,
                                k,
                            );
                        }
                    });
                }
            });
        let (max_abs, max_asym) = mirror_lower_blocks(&mut h, block)?;
        Ok(HessianMatrix {
            matrix: h,
            asymmetry: if max_abs > 0.0 {
                max_asym / max_abs
            } else {
                0.0
            },
            samples_used: self.samples,
        })
    }

    /// How many unit directions one R-pass of [`ExactHessian::dense`] takes: all `D²` of a layer, unless the
    /// panels the passes keep (about `m·D·(layers)` values per direction and thread) would add more than 10 %
    /// of the `P×P` matrix to the peak memory; then fewer (at least one).
    fn directions_per_pass(&self, p: usize) -> usize {
        let threads = rayon::current_num_threads().max(1);
        let kept = if self.curvatures.iter().any(Option::is_some) {
            3
        } else {
            2
        };
        let per_direction = (self.samples * D * self.weights.len() * kept * threads).max(1);
        let budget = p * p / 10;
        (budget / per_direction).clamp(1, D * D)
    }

    /// One batched R-pass from layer `start` (directions vanish below it), calling `emit(t, g1, g2)` for every
    /// layer `t ≥ start` with the two halves of `R{∂ℓ/∂W_t}` (see [`write_layer`]).
    fn r_pass(
        &self,
        start: usize,
        directions: Directions<'_>,
        mut emit: impl FnMut(usize, &[f64], Option<&[f64]>),
    ) {
        let m = self.samples;
        let layers = self.weights.len();
        let count = match directions {
            Directions::UnitsOfLayer { count, .. } => count,
            Directions::General(v) => v.len(),
        };
        let rows = count * m;
        // `V_tᵀ` of direction k as a D×D view: the row-major entries of V_t read column-major.
        let v_transposed = |k: usize, t: usize| -> MatRef<'_, f64> {
            match directions {
                Directions::General(v) => {
                    MatRef::from_column_major_slice(&v[k][t * D * D..(t + 1) * D * D], D, D)
                }
                Directions::UnitsOfLayer { .. } => {
                    unreachable!("unit directions are applied by copying")
                }
            }
        };

        // Forward R-pass.
        let mut ra = Panel::zeros(rows, D);
        let mut ra_live = false;
        let mut r_segment_input = Panel::zeros(rows, D);
        let mut saved_ra: Vec<Option<Panel>> = Vec::with_capacity(layers - start);
        let mut saved_rz: Vec<Option<Panel>> = Vec::with_capacity(layers - start);
        for t in start..layers {
            let role = self.roles[t];
            if role.first && self.shortcut {
                r_segment_input = ra.clone();
            }
            let mut rz = Panel::zeros(rows, D);
            if ra_live {
                product(
                    rz.view_mut(),
                    Accum::Replace,
                    ra.view(),
                    self.weights[t].transpose(),
                );
            }
            match directions {
                Directions::UnitsOfLayer { layer, first, .. } if layer == t => {
                    // V = E_ab: R{z} gains E_ab a, i.e. column a of direction (a, b) is a's row b.
                    for k in 0..count {
                        let (a, b) = ((first + k) / D, (first + k) % D);
                        rz.col_mut(a)[k * m..(k + 1) * m].copy_from_slice(self.inputs[t].col(b));
                    }
                }
                Directions::UnitsOfLayer { .. } => {}
                Directions::General(_) => {
                    let mut view = rz.view_mut();
                    for k in 0..count {
                        product(
                            view.as_mut().submatrix_mut(k * m, 0, m, D),
                            Accum::Add,
                            self.inputs[t].view(),
                            v_transposed(k, t),
                        );
                    }
                }
            }
            saved_ra.push(ra_live.then(|| ra.clone()));
            if role.last {
                saved_rz.push(None);
                if self.shortcut {
                    rz.add_assign(&r_segment_input);
                }
                ra = rz;
            } else {
                saved_rz.push(self.curvatures[t].as_ref().map(|_| rz.clone()));
                if let Some(s) = &self.slopes[t] {
                    rz.scale_rows_by(s);
                }
                ra = rz;
            }
            ra_live = true;
        }

        // Backward R-pass: R{∂ℓ/∂h_L} = R{h_L}/m.
        let mut rg = ra;
        rg.data.iter_mut().for_each(|v| *v /= m as f64);
        let mut rg_out = Panel::zeros(0, D);
        let mut rdelta = Panel::zeros(rows, D);
        let mut g1 = Panel::zeros(D * count, D);
        let mut g2 = Panel::zeros(D * count, D);
        for t in (start..layers).rev() {
            let role = self.roles[t];
            if role.last {
                if self.shortcut {
                    rg_out = rg.clone();
                }
                rdelta = std::mem::replace(&mut rg, Panel::zeros(0, D));
            }
            // R{∂ℓ/∂W_t}[d, e] = Σ_i R{δ}[i, d] a[i, e] + δ[i, d] R{a}[i, e].
            product(
                g1.view_mut(),
                Accum::Replace,
                rdelta.regrouped(m).transpose(),
                self.inputs[t].view(),
            );
            let with_ra = match &saved_ra[t - start] {
                Some(r) => {
                    product(
                        g2.view_mut(),
                        Accum::Replace,
                        r.regrouped(m).transpose(),
                        self.deltas[t].view(),
                    );
                    true
                }
                None => false,
            };
            emit(t, &g1.data, with_ra.then_some(g2.data.as_slice()));
            if t == start {
                break;
            }
            // Propagate to the layer below: W_tᵀ R{δ_t} + V_tᵀ δ_t, in rows.
            let mut back = Panel::zeros(rows, D);
            product(
                back.view_mut(),
                Accum::Replace,
                rdelta.view(),
                self.weights[t].as_ref(),
            );
            if let Directions::General(_) = directions {
                let mut view = back.view_mut();
                for k in 0..count {
                    product(
                        view.as_mut().submatrix_mut(k * m, 0, m, D),
                        Accum::Add,
                        self.deltas[t].view(),
                        v_transposed(k, t).transpose(),
                    );
                }
            }
            if role.first {
                if self.shortcut {
                    back.add_assign(&rg_out);
                }
                rg = back;
            } else {
                if let Some(s) = &self.slopes[t - 1] {
                    back.scale_rows_by(s);
                }
                if let (Some(c), Some(rz)) = (&self.curvatures[t - 1], &saved_rz[t - 1 - start]) {
                    back.add_product(c, rz, &self.upstream[t]);
                }
                rdelta = back;
            }
        }
    }
}

/// A `p×p` zero matrix, zeroed by all threads (first touch of 8p² bytes of fresh pages is most of the cost of
/// `Mat::zeros` at this size, and it splits across threads).
fn parallel_zeros(p: usize) -> Mat<f64> {
    let mut h = Mat::<f64>::with_capacity(p, p);
    // SAFETY: the new entries are written (zeroed) below before anything reads them.
    unsafe { h.set_dims(p, p) };
    h.par_col_chunks_mut(64.min(p.max(1)))
        .for_each(|mut columns| {
            for j in 0..columns.ncols() {
                // SAFETY: column j holds `p` contiguous f64 (row stride 1); all-zero bytes are 0.0.
                unsafe { std::ptr::write_bytes(columns.as_mut().col_mut(j).as_ptr_mut(), 0, p) };
            }
        });
    h
}

/// A pointer to a matrix's storage that column-strip tasks share; each task touches a disjoint set of entries
/// (see [`mirror_lower_blocks`]).
#[derive(Clone, Copy)]
struct SharedEntries {
    ptr: *mut f64,
    col_stride: usize,
}
// SAFETY: only used by `mirror_lower_blocks`, whose tasks access pairwise disjoint entries.
unsafe impl Send for SharedEntries {}
unsafe impl Sync for SharedEntries {}

impl SharedEntries {
    /// The address of entry `(i, j)` (the caller keeps `i, j` inside the matrix).
    fn entry(&self, i: usize, j: usize) -> *mut f64 {
        self.ptr.wrapping_add(i + j * self.col_stride)
    }
}

/// Copies the lower block triangle of `h` (rows of layers `t > s` in the columns of layer `s`) onto the upper
/// one, and replaces each diagonal `block × block` block by the mean of it and its transpose. Returns
/// `(max |h_ij|, max |h_ij − h_ji| over the diagonal blocks)`; errors on a non-finite entry.
///
/// Parallel over strips of 64 columns: the task of strip `J` reads the entries `(i, j)`, `j ∈ J`, `i ≥ j`, and
/// writes `(j, i)`, `j ∈ J`, `i ≥ j`. Another strip's task reads only entries on or below the diagonal in its
/// own columns and writes only on or above it in its own rows, so no entry is touched by two tasks. Tiles of
/// 64 × 64 keep the transposed writes in cache.
fn mirror_lower_blocks(h: &mut Mat<f64>, block: usize) -> Result<(f64, f64)> {
    const TILE: usize = 64;
    let p = h.nrows();
    let shared = SharedEntries {
        ptr: h.as_ptr_mut(),
        col_stride: h.col_stride() as usize,
    };
    let strips: Vec<(f64, f64, bool)> = (0..p.div_ceil(TILE))
        .into_par_iter()
        .map(|strip| {
            let (mut max_abs, mut max_asym, mut finite) = (0.0f64, 0.0f64, true);
            let jb = strip * TILE;
            for ib in (jb..p).step_by(TILE) {
                for j in jb..(jb + TILE).min(p) {
                    // Rows of j's own diagonal block first (averaged), then the rest (copied).
                    let rows = ib.max(j)..(ib + TILE).min(p);
                    let diagonal_end = ((j / block + 1) * block).clamp(rows.start, rows.end);
                    // SAFETY: i, j < p, inside the matrix; (i, j) with i ≥ j and (j, i) belong to this
                    // strip's task only (see above).
                    unsafe {
                        for i in rows.start..diagonal_end {
                            let (v, w) = (*shared.entry(i, j), *shared.entry(j, i));
                            finite &= v.is_finite();
                            max_abs = max_abs.max(v.abs());
                            max_asym = max_asym.max((v - w).abs());
                            let mean = 0.5 * (v + w);
                            *shared.entry(i, j) = mean;
                            *shared.entry(j, i) = mean;
                        }
                        for i in diagonal_end..rows.end {
                            let v = *shared.entry(i, j);
                            finite &= v.is_finite();
                            max_abs = max_abs.max(v.abs());
                            *shared.entry(j, i) = v;
                        }
                    }
                }
            }
            (max_abs, max_asym, finite)
        })
        .collect();
    if strips.iter().any(|s| !s.2) {
        return Err(Error::NonFinite {
            location: "exact Hessian (an entry overflowed)".into(),
        });
    }
    Ok(strips
        .iter()
        .fold((0.0, 0.0), |(a, b), s| (f64::max(a, s.0), f64::max(b, s.1))))
}

/// Writes direction `k`'s block `R{∂ℓ/∂W_t}` (row-major `D×D`) into `dst` from the two halves an R-pass
/// computes for `count` directions: `g1 = R{δ}ᵀ-regrouped · a` (`(D·count) × D`, row `d·count + k`, column `e`)
/// and `g2 = R{a}ᵀ-regrouped · δ` (row `e·count + k`, column `d`), both column-major.
fn write_layer<const D: usize>(
    dst: &mut [f64],
    g1: &[f64],
    g2: Option<&[f64]>,
    count: usize,
    k: usize,
) {
    let rows = D * count;
    for d in 0..D {
        for e in 0..D {
            dst[d * D + e] = g1[e * rows + d * count + k];
        }
    }
    if let Some(g2) = g2 {
        for e in 0..D {
            for d in 0..D {
                dst[d * D + e] += g2[d * rows + e * count + k];
            }
        }
    }
}

/// The dense Hessian of `ℓ` at `net`'s weights on `data` from the exact engine (see the module docs).
///
/// Errors: as [`ExactHessian::new`] and [`ExactHessian::dense`].
pub fn exact_hessian<const D: usize, Net: FlatParams<D>>(
    net: &Net,
    data: &Dataset<D>,
    options: &HessianOptions,
) -> Result<HessianMatrix> {
    exact_hessian_of(net, data, options)
}

/// [`exact_hessian`] for a network seen as a [`LossModel`] (compiled once per width).
pub(crate) fn exact_hessian_of<const D: usize>(
    net: &dyn LossModel<D>,
    data: &Dataset<D>,
    options: &HessianOptions,
) -> Result<HessianMatrix> {
    let p = net.num_params();
    options.ensure_dense_fits("exact Hessian", p, dense_matrix_bytes(p))?;
    ExactHessian::of_model(net, data, options)?.dense(options)
}
