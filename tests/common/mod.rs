//! Shared fixtures for the integration tests.
#![allow(dead_code)]

use demystify_resnet::prelude::*;

/// THEORY.md's worked example: d = 2, m = 4, X Xᵀ/m = I, A = [[2, 1], [0, 1.5]], Y = A X.
pub fn worked_example() -> Dataset<2> {
    let xs = [[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]];
    let a = [[2.0, 1.0], [0.0, 1.5]];
    let ys: Vec<[f64; 2]> = xs
        .iter()
        .map(|x| {
            [
                a[0][0] * x[0] + a[0][1] * x[1],
                a[1][0] * x[0] + a[1][1] * x[1],
            ]
        })
        .collect();
    Dataset::from_arrays("worked example", &xs, &ys).expect("valid data")
}

/// A whitened teacher problem of width D.
pub fn teacher<const D: usize>(samples: usize, seed: u64) -> Dataset<D> {
    Teacher {
        samples,
        seed,
        ..Default::default()
    }
    .generate::<D>()
    .expect("valid teacher")
    .data
}

/// A teacher problem of width D without whitening (inputs keep their sample covariance).
pub fn unwhitened_teacher<const D: usize>(seed: u64, samples: usize) -> Dataset<D> {
    Teacher {
        samples,
        seed,
        whiten: false,
        ..Default::default()
    }
    .generate::<D>()
    .expect("valid teacher")
    .data
}

/// `max |a − b| / max |b|` (the absolute difference when `b` is zero).
pub fn rel_vec_error(a: &[f64], b: &[f64]) -> f64 {
    let num = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    let den = b.iter().map(|y| y.abs()).fold(0.0, f64::max);
    if den == 0.0 {
        num
    } else {
        num / den
    }
}

/// Central finite-difference gradient of the loss, step h.
pub fn fd_gradient<const D: usize, Net: FlatParams<D>>(
    net: &Net,
    data: &Dataset<D>,
    h: f64,
) -> Vec<f64> {
    let p0 = net.params();
    let mut probe = net.clone();
    (0..p0.len())
        .map(|j| {
            let mut p = p0.clone();
            p[j] = p0[j] + h;
            probe.set_params(&p).unwrap();
            let up = probe.loss(data).unwrap();
            p[j] = p0[j] - h;
            probe.set_params(&p).unwrap();
            let down = probe.loss(data).unwrap();
            (up - down) / (2.0 * h)
        })
        .collect()
}

/// Largest absolute difference between two vectors.
pub fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// A numeric column as `f64` (u64 converted; nulls and other types → `None`).
pub fn f64s(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    let c = df.column(name).unwrap();
    (0..df.height())
        .map(|i| match c.get(i).unwrap() {
            demystify_resnet::polars::prelude::AnyValue::Float64(x) => Some(x),
            demystify_resnet::polars::prelude::AnyValue::UInt64(x) => Some(x as f64),
            _ => None,
        })
        .collect()
}

/// `max_ij |a_ij − b_ij| / max_ij |b_ij|` (the absolute difference when `b` is zero).
pub fn rel_matrix_error(
    a: &demystify_resnet::faer::Mat<f64>,
    b: &demystify_resnet::faer::Mat<f64>,
) -> f64 {
    let (mut num, mut den) = (0.0f64, 0.0f64);
    for j in 0..b.ncols() {
        for i in 0..b.nrows() {
            num = num.max((a[(i, j)] - b[(i, j)]).abs());
            den = den.max(b[(i, j)].abs());
        }
    }
    if den == 0.0 {
        num
    } else {
        num / den
    }
}

/// `f` run inside a fresh rayon pool of `threads` threads (for thread-count invariance tests).
pub fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}
