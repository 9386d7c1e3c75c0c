//! Helpers shared by the benchmarks.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use demystify_resnet::prelude::*;

/// The median time of `runs` calls of `f` after one warm-up call, and the last result.
pub fn median_time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut last = f(); // warm-up
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t0 = Instant::now();
        last = f();
        times.push(t0.elapsed());
    }
    times.sort();
    (times[runs / 2], last)
}

/// Writes `values` as raw little-endian f64 to `path` (read by the Python peers).
pub fn write_f64(path: String, values: impl IntoIterator<Item = f64>) -> Result<()> {
    let bytes: Vec<u8> = values.into_iter().flat_map(f64::to_le_bytes).collect();
    std::fs::write(&path, bytes).map_err(|e| Error::Io {
        path,
        source: std::sync::Arc::new(e),
    })
}
