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

/// The CPU model from `/proc/cpuinfo` ("unknown" elsewhere).
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The widest double-precision vector instruction set the CPU reports: `"AVX-512"`, `"AVX2+FMA"`, or the
/// architecture's baseline.
pub fn isa() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return "AVX-512";
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return "AVX2+FMA";
        }
        "SSE2"
    }
    #[cfg(not(target_arch = "x86_64"))]
    std::env::consts::ARCH
}
