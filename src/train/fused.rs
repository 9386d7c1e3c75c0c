//! The fused training pass: the loss `ℓ(θ) = 1/(2m) Σᵢ ‖yᵢ − f(xᵢ)‖²` and its gradient `∇ℓ(θ)` for the crate's
//! networks (residual units of any shortcut depth, the plain network; linear, tanh or ReLU), written for the
//! compiled width `D` on buffers that are allocated once and reused every step.
//!
//! **Why it exists.** dfdx's tape allocates (and zero-fills) a buffer for every intermediate and every gradient
//! of every step, and hands each `D × D` product to a general GEMM that at these sizes spends more time on
//! set-up and thread hand-offs than on arithmetic (the profiles in `docs/performance.md`). Here each product
//! `z = W a` is a loop over samples with `W` held in the L1 cache, the backward pass reuses the forward pass's
//! activations, and the samples are split into fixed chunks that run on rayon's threads.
//!
//! **The same mathematics as dfdx's backward pass** (and as [`crate::hessian::exact`]): with `a_t` the input of
//! weight layer `t`, `z_t = W_t a_t`, `δ_t = ∂ℓ/∂z_t`,
//! `∂ℓ/∂W_t = Σᵢ δ_{t,i} a_{t,i}ᵀ`, `δ_{t−1} = σ'(z_{t−1}) ⊙ W_tᵀ δ_t` inside a segment, and at a segment's first
//! layer `∂ℓ/∂h_in = W_tᵀ δ_t + ∂ℓ/∂h_out` (the identity shortcut; no second term for the plain network).
//! ReLU uses relu'(0) = 0, as dfdx does. dfdx's autodiff stays the reference: `tests/fused_pass.rs` checks loss
//! and gradient against [`crate::net::FlatParams::loss_and_dfdx_gradients`] to rounding for every architecture
//! and activation, and [`super::GradientPath::DfdxAutodiff`] trains with dfdx's gradients instead.
//!
//! **Deterministic.** The chunks depend only on the number of samples (never on the thread count), and their
//! losses and gradients are summed in chunk order, so a run gives the same numbers on any machine with the
//! same instruction set (the FMA kernels round differently from the portable ones; both to rounding of the
//! exact sums).

use rayon::prelude::*;

use crate::data::Dataset;
use crate::error::{ensure_len, Error, Result};
use crate::net::layers::{layer_roles, LayerRole};
use crate::net::{ActivationKind, Architecture, Network};

/// Chunks never hold fewer samples than this (below it, a chunk's work is too small to be worth a thread).
const MIN_CHUNK_ROWS: usize = 32;
/// At most this many chunks per pass.
const MAX_CHUNKS: usize = 8;

/// Samples per chunk for `samples` samples: `max(32, ⌈samples / 8⌉)`; a function of the data size only.
fn chunk_rows(samples: usize) -> usize {
    samples.div_ceil(MAX_CHUNKS).max(MIN_CHUNK_ROWS)
}

/// `x·y + acc`, rounded once (FMA) or twice (portable).
trait MulAdd {
    fn mul_add(x: f64, y: f64, acc: f64) -> f64;
}
struct Portable;
impl MulAdd for Portable {
    #[inline(always)]
    fn mul_add(x: f64, y: f64, acc: f64) -> f64 {
        x * y + acc
    }
}
#[cfg(target_arch = "x86_64")]
struct Fma;
#[cfg(target_arch = "x86_64")]
impl MulAdd for Fma {
    #[inline(always)]
    fn mul_add(x: f64, y: f64, acc: f64) -> f64 {
        x.mul_add(y, acc)
    }
}

/// Row `i` of the output is `Σ_k coefficients[i][k] · rows[k]`: `z = W a` per sample with `rows = Wᵀ` (row `k`
/// is column `k` of `W`), and `u = Wᵀ δ` with `rows = W`. Each output row stays in registers.
#[inline(always)]
fn combine_rows<const D: usize, M: MulAdd>(rows: &[f64], coefficients: &[f64], out: &mut [f64]) {
    let (rows, _) = rows.as_chunks::<D>();
    let (coefficients, _) = coefficients.as_chunks::<D>();
    let (out, _) = out.as_chunks_mut::<D>();
    for (c, o) in coefficients.iter().zip(out.iter_mut()) {
        let mut acc = [0.0; D];
        for (ck, row) in c.iter().zip(rows) {
            for r in 0..D {
                acc[r] = M::mul_add(*ck, row[r], acc[r]);
            }
        }
        *o = acc;
    }
}

/// `g += Σᵢ δᵢ aᵢᵀ` (`g` row-major `D × D`), four samples at a time so that each row of `g` is loaded and stored
/// once per four samples.
#[inline(always)]
fn accumulate_outer<const D: usize, M: MulAdd>(delta: &[f64], a: &[f64], g: &mut [f64]) {
    let (delta, _) = delta.as_chunks::<D>();
    let (a, _) = a.as_chunks::<D>();
    let (g, _) = g.as_chunks_mut::<D>();
    let blocks = delta.len() / 4;
    for b in 0..blocks {
        let (d0, d1, d2, d3) = (
            &delta[4 * b],
            &delta[4 * b + 1],
            &delta[4 * b + 2],
            &delta[4 * b + 3],
        );
        let (a0, a1, a2, a3) = (&a[4 * b], &a[4 * b + 1], &a[4 * b + 2], &a[4 * b + 3]);
        for (r, row) in g.iter_mut().enumerate() {
            let (s0, s1, s2, s3) = (d0[r], d1[r], d2[r], d3[r]);
            for c in 0..D {
                let mut v = row[c];
                v = M::mul_add(s0, a0[c], v);
                v = M::mul_add(s1, a1[c], v);
                v = M::mul_add(s2, a2[c], v);
                v = M::mul_add(s3, a3[c], v);
                row[c] = v;
            }
        }
    }
    for (d, ai) in delta[4 * blocks..].iter().zip(&a[4 * blocks..]) {
        for (r, row) in g.iter_mut().enumerate() {
            for c in 0..D {
                row[c] = M::mul_add(d[r], ai[c], row[c]);
            }
        }
    }
}

/// The instruction set the kernels run with, detected once per pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Isa {
    /// AVX2 with FMA (x86-64).
    #[cfg(target_arch = "x86_64")]
    Fma,
    /// What the target compiles for by default.
    Portable,
}

impl Isa {
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return Isa::Fma;
        }
        Isa::Portable
    }

    fn combine_rows<const D: usize>(self, rows: &[f64], coefficients: &[f64], out: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        fn fma<const D: usize>(rows: &[f64], coefficients: &[f64], out: &mut [f64]) {
            combine_rows::<D, Fma>(rows, coefficients, out)
        }
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Isa::Fma` is only chosen when the CPU reports AVX2 and FMA.
            Isa::Fma => unsafe { fma::<D>(rows, coefficients, out) },
            Isa::Portable => combine_rows::<D, Portable>(rows, coefficients, out),
        }
    }

    fn accumulate_outer<const D: usize>(self, delta: &[f64], a: &[f64], g: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        fn fma<const D: usize>(delta: &[f64], a: &[f64], g: &mut [f64]) {
            accumulate_outer::<D, Fma>(delta, a, g)
        }
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Isa::Fma` is only chosen when the CPU reports AVX2 and FMA.
            Isa::Fma => unsafe { fma::<D>(delta, a, g) },
            Isa::Portable => accumulate_outer::<D, Portable>(delta, a, g),
        }
    }
}

/// The network as the pass sees it: flat weights (row-major `W_t`, the crate's parameter order) and their
/// transposes, the segment roles, and the activation.
struct Layout {
    architecture: Architecture,
    roles: Vec<LayerRole>,
    shortcut: bool,
    activation: ActivationKind,
    weights: Vec<f64>,
    transposed: Vec<f64>,
}

/// One chunk's buffers: every layer's input, the activation slopes, and the backward panels.
#[derive(Default)]
struct Chunk {
    /// `inputs[t]` = `a_t` for this chunk's samples (row-major `rows × D`); `inputs[layers]` is the output.
    inputs: Vec<Vec<f64>>,
    /// `σ'(z_t)` for layers followed by an activation (tanh, ReLU); empty otherwise.
    slopes: Vec<Vec<f64>>,
    delta: Vec<f64>,
    upstream: Vec<f64>,
    g: Vec<f64>,
    g_out: Vec<f64>,
    /// This chunk's share of `∇ℓ` (its samples, already divided by the total sample count).
    gradient: Vec<f64>,
    /// This chunk's `Σᵢ ‖yᵢ − f(xᵢ)‖²`.
    squared_error: f64,
}

/// Makes `v` at least `len` long without shrinking it (so a buffer reused for fewer samples keeps its
/// allocation), and returns its first `len` values.
fn at_least(v: &mut Vec<f64>, len: usize) -> &mut [f64] {
    if v.len() < len {
        v.resize(len, 0.0);
    }
    &mut v[..len]
}

impl Chunk {
    /// The forward pass on samples `first..first + rows` of `data`; with `backward`, also this chunk's gradient
    /// (scaled by `1/m`, `m` the total number of samples).
    fn run<const D: usize>(
        &mut self,
        layout: &Layout,
        isa: Isa,
        data: &Dataset<D>,
        first: usize,
        rows: usize,
        backward: bool,
    ) {
        let layers = layout.roles.len();
        let n = rows * D;
        let block = D * D;
        let evaluate = layout.activation.evaluator();
        let nonlinear = layout.activation != ActivationKind::Linear;
        self.inputs.resize_with(layers + 1, Vec::new);
        self.slopes.resize_with(layers, Vec::new);

        // Forward: a_{t+1} = σ(W_t a_t) inside a segment; a segment's last layer adds the segment input.
        at_least(&mut self.inputs[0], n)
            .copy_from_slice(&data.inputs()[first * D..(first + rows) * D]);
        let mut segment_input = 0;
        for t in 0..layers {
            let role = layout.roles[t];
            if role.first {
                segment_input = t;
            }
            let (done, rest) = self.inputs.split_at_mut(t + 1);
            let z = at_least(&mut rest[0], n);
            isa.combine_rows::<D>(
                &layout.transposed[t * block..(t + 1) * block],
                &done[t][..n],
                z,
            );
            if role.last {
                if layout.shortcut {
                    z.iter_mut()
                        .zip(&done[segment_input][..n])
                        .for_each(|(z, h)| *z += h);
                }
            } else if nonlinear {
                let slope = at_least(&mut self.slopes[t], n);
                for (zv, s) in z.iter_mut().zip(slope.iter_mut()) {
                    let (value, slope, _) = evaluate(*zv);
                    *s = slope;
                    *zv = value;
                }
            }
        }

        // Loss, and ∂ℓ/∂f = (f − y)/m at the output.
        let output = &self.inputs[layers][..n];
        let targets = &data.targets()[first * D..(first + rows) * D];
        let scale = 1.0 / data.len() as f64;
        let g = at_least(&mut self.g, n);
        let mut squared_error = 0.0;
        for ((gv, f), y) in g.iter_mut().zip(output).zip(targets) {
            let r = f - y;
            squared_error += r * r;
            *gv = r * scale;
        }
        self.squared_error = squared_error;
        if !backward {
            return;
        }

        // Backward.
        let gradient = at_least(&mut self.gradient, layers * block);
        gradient.fill(0.0);
        at_least(&mut self.delta, n);
        at_least(&mut self.upstream, n);
        at_least(&mut self.g_out, n);
        for t in (0..layers).rev() {
            let role = layout.roles[t];
            if role.last {
                if layout.shortcut {
                    self.g_out[..n].copy_from_slice(&self.g[..n]);
                }
                std::mem::swap(&mut self.delta, &mut self.g);
            }
            isa.accumulate_outer::<D>(
                &self.delta[..n],
                &self.inputs[t][..n],
                &mut gradient[t * block..(t + 1) * block],
            );
            if t == 0 {
                break;
            }
            isa.combine_rows::<D>(
                &layout.weights[t * block..(t + 1) * block],
                &self.delta[..n],
                &mut self.upstream[..n],
            );
            if role.first {
                // ∂ℓ/∂h_in of this segment = W_tᵀ δ_t (+ ∂ℓ/∂h_out through the shortcut).
                std::mem::swap(&mut self.g, &mut self.upstream);
                if layout.shortcut {
                    self.g[..n]
                        .iter_mut()
                        .zip(&self.g_out[..n])
                        .for_each(|(g, o)| *g += o);
                }
            } else {
                std::mem::swap(&mut self.delta, &mut self.upstream);
                if nonlinear {
                    self.delta[..n]
                        .iter_mut()
                        .zip(&self.slopes[t - 1][..n])
                        .for_each(|(d, s)| *d *= s);
                }
            }
        }
    }
}

/// Loss and gradient of a network on a dataset, computed by the fused pass on buffers kept between calls (one
/// per training run). See the module docs for the formulas and for how it is checked against dfdx.
pub struct FusedPass<const D: usize> {
    layout: Layout,
    isa: Isa,
    chunks: Vec<Chunk>,
    gradient: Vec<f64>,
}

impl<const D: usize> FusedPass<D> {
    /// A pass for networks shaped like `net` (architecture, depth, activation); the weights are read on every
    /// call.
    pub fn new<Net: Network<D>>(net: &Net) -> Self {
        let layers = net.depth() * net.layers_per_block();
        let (roles, shortcut) = layer_roles(net.architecture(), layers);
        Self {
            layout: Layout {
                architecture: net.architecture(),
                roles,
                shortcut,
                activation: net.activation(),
                weights: vec![0.0; layers * D * D],
                transposed: vec![0.0; layers * D * D],
            },
            isa: Isa::detect(),
            chunks: Vec::new(),
            gradient: vec![0.0; layers * D * D],
        }
    }

    /// Copies the weights of `net` (which must have this pass's shape) into the pass.
    fn read_weights<Net: Network<D>>(&mut self, net: &Net) -> Result<()> {
        let block = D * D;
        if (net.architecture(), net.activation())
            != (self.layout.architecture, self.layout.activation)
        {
            return Err(Error::Unsupported(format!(
                "a fused pass made for {} ({}) was given {}",
                self.layout.architecture.label(),
                self.layout.activation.name(),
                net.describe()
            )));
        }
        let weights = net.weights();
        ensure_len("weight layers", self.layout.roles.len(), weights.len())?;
        for (t, w) in weights.into_iter().enumerate() {
            let dst = &mut self.layout.weights[t * block..(t + 1) * block];
            w.copy_into(dst);
            for r in 0..D {
                for c in 0..D {
                    self.layout.transposed[t * block + c * D + r] = dst[r * D + c];
                }
            }
        }
        Ok(())
    }

    /// Runs every chunk (in parallel) and returns the summed squared error, in chunk order.
    fn run(&mut self, data: &Dataset<D>, backward: bool) -> f64 {
        let m = data.len();
        let rows = chunk_rows(m);
        let count = m.div_ceil(rows);
        if self.chunks.len() < count {
            self.chunks.resize_with(count, Chunk::default);
        }
        let (layout, isa) = (&self.layout, self.isa);
        self.chunks[..count]
            .par_iter_mut()
            .enumerate()
            .for_each(|(k, chunk)| {
                let first = k * rows;
                chunk.run::<D>(layout, isa, data, first, rows.min(m - first), backward);
            });
        self.chunks[..count].iter().map(|c| c.squared_error).sum()
    }

    /// `ℓ(θ)` of `net` on `data` (forward pass only).
    ///
    /// Errors: a network of another shape than the one this pass was made for.
    pub fn loss<Net: Network<D>>(&mut self, net: &Net, data: &Dataset<D>) -> Result<f64> {
        self.read_weights(net)?;
        Ok(self.run(data, false) / (2.0 * data.len() as f64))
    }

    /// `ℓ(θ)` and `∇ℓ(θ)` (in the crate's parameter order) of `net` on `data`. The gradient is the sum of the
    /// chunks' gradients in chunk order.
    ///
    /// Errors: a network of another shape than the one this pass was made for.
    pub fn loss_and_gradient<Net: Network<D>>(
        &mut self,
        net: &Net,
        data: &Dataset<D>,
    ) -> Result<(f64, &[f64])> {
        self.read_weights(net)?;
        let squared_error = self.run(data, true);
        let count = data.len().div_ceil(chunk_rows(data.len()));
        let gradient = &mut self.gradient;
        let len = gradient.len();
        gradient.copy_from_slice(&self.chunks[0].gradient[..len]);
        for chunk in &self.chunks[1..count] {
            gradient
                .iter_mut()
                .zip(&chunk.gradient)
                .for_each(|(g, c)| *g += c);
        }
        Ok((squared_error / (2.0 * data.len() as f64), &self.gradient))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_depend_on_the_sample_count_only() {
        assert_eq!(chunk_rows(10), 32);
        assert_eq!(chunk_rows(256), 32);
        assert_eq!(chunk_rows(1024), 128);
        assert_eq!(chunk_rows(1000), 125);
    }

    /// The whole pass on the portable kernels (what a CPU without AVX2+FMA runs) equals dfdx's loss and
    /// gradient to rounding, as the detected kernels do (`tests/fused_pass.rs`).
    #[test]
    fn the_portable_pass_equals_dfdx() {
        use crate::data::{GenerateTeacher, Teacher};
        use crate::net::{FlatParams, Init, PlainNet, ReLU, ResNet, Tanh};
        fn check<const D: usize, Net: Network<D>>(net: &Net, data: &Dataset<D>) {
            let (loss, gradient) = net.loss_and_gradient(data).unwrap();
            let mut pass = FusedPass::new(net);
            pass.isa = Isa::Portable;
            let (fused_loss, fused_gradient) = pass.loss_and_gradient(net, data).unwrap();
            assert!(
                (fused_loss - loss).abs() <= 1e-13 * loss,
                "{}",
                net.describe()
            );
            let scale = gradient.iter().fold(0.0f64, |m, g| m.max(g.abs()));
            let err = fused_gradient
                .iter()
                .zip(&gradient)
                .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            assert!(err <= 1e-12 * scale, "{}: {err:e}", net.describe());
        }
        let data = |samples| {
            Teacher {
                samples,
                whiten: false,
                ..Default::default()
            }
            .generate::<5>()
            .unwrap()
            .data
        };
        let init = Init::SmallGaussian { std: 0.4 };
        for samples in [3, 77, 300] {
            let d = data(samples);
            check(&ResNet::<5, 2, Tanh>::new(3, &init, 1).unwrap(), &d);
            check(&ResNet::<5, 3, ReLU>::new(2, &init, 2).unwrap(), &d);
            check(&ResNet::<5, 1>::new(4, &init, 3).unwrap(), &d);
            check(&PlainNet::<5, Tanh>::new(3, &init, 4).unwrap(), &d);
        }
    }

    #[test]
    fn kernels_agree_with_the_definitions() {
        const D: usize = 3;
        let w: Vec<f64> = (0..9).map(|v| v as f64 - 4.0).collect();
        let a: Vec<f64> = (0..15).map(|v| (v as f64 * 0.37).sin()).collect();
        let mut out = vec![0.0; 15];
        for isa in [Isa::detect(), Isa::Portable] {
            isa.combine_rows::<D>(&w, &a, &mut out);
            for i in 0..5 {
                for r in 0..D {
                    let want: f64 = (0..D).map(|k| a[i * D + k] * w[k * D + r]).sum();
                    assert!((out[i * D + r] - want).abs() < 1e-13);
                }
            }
            let mut g = vec![1.0; 9];
            isa.accumulate_outer::<D>(&a, &out, &mut g);
            for r in 0..D {
                for c in 0..D {
                    let want: f64 =
                        1.0 + (0..5).map(|i| a[i * D + r] * out[i * D + c]).sum::<f64>();
                    assert!((g[r * D + c] - want).abs() < 1e-12);
                }
            }
        }
    }
}
