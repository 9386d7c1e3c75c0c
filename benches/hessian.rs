//! Hessian benchmark (run with `cargo bench --bench hessian`, add `--features lapack` for the LAPACK path).
//!
//! For D = 8, shortcut N = 2, L ∈ {4, 16, 32} (P = 512, 2048, 4096), a 256-sample teacher problem and the zero
//! point — the setting of `benches/jax_peer.py` — it reports the median of 3 warm runs of:
//! Hessian assembly (2P dfdx gradients, moment-compressed: the samples actually used are printed), the dense
//! eigendecomposition with each available backend, and the block-diagonal path, plus parameters per second of
//! assembly. It checks the target "at P = 2048 assembly is faster than the dense eigendecomposition".
//!
//! Memory: the peak resident memory that one assembly adds (Linux `VmHWM`, reset through
//! `/proc/self/clear_refs`), as a multiple of the `P×P` matrix; target ≤ 1.1× at P = 4096.
//!
//! Under `cargo test --all-targets` (no `--bench` argument) it only smoke-tests the smallest size.
//!
//! `DEMYSTIFY_BENCH_DUMP=DIR` also writes each Hessian as raw little-endian f64 (`DIR/hessian_P.f64`), so
//! `benches/peer_compare.sh` can time numpy's `eigvalsh` on the very same matrices.

use std::time::{Duration, Instant};

use demystify_resnet::hessian::{
    eigen, numeric_hessian, symmetric_eigenvalues_with, EigenBackend, HessianOptions,
};
use demystify_resnet::prelude::*;

const D: usize = 8;

fn median_time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
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

/// A `kB` field of `/proc/self/status` (Linux), in bytes.
fn proc_status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Runs `f` and returns the peak resident memory it added above the resident memory before it (bytes), or
/// `None` where the kernel does not let the peak be reset.
fn peak_added_memory<T>(f: impl FnOnce() -> T) -> (Option<u64>, T) {
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = proc_status_bytes("VmRSS:");
    let out = f();
    let peak = proc_status_bytes("VmHWM:");
    match (reset, before, peak) {
        (true, Some(b), Some(p)) => (Some(p.saturating_sub(b)), out),
        _ => (None, out),
    }
}

fn main() -> Result<()> {
    let data = Teacher {
        samples: 256,
        whiten: false,
        ..Default::default()
    }
    .generate::<D>()?
    .data;
    let dump = std::env::var("DEMYSTIFY_BENCH_DUMP").ok();
    let backends: Vec<EigenBackend> = if cfg!(feature = "lapack") {
        vec![EigenBackend::Faer, EigenBackend::Lapack]
    } else {
        vec![EigenBackend::Faer]
    };
    println!(
        "threads={} backends={:?}",
        rayon::current_num_threads(),
        backends.iter().map(|b| b.name()).collect::<Vec<_>>()
    );
    let full = std::env::args().any(|a| a == "--bench");
    let depths: &[usize] = if full { &[4, 16, 32] } else { &[4] };
    let mut verdict = None;
    for &depth in depths {
        let net = ResNet::<D, 2>::zeros(depth)?;
        let p = net.num_params();
        let (peak, one) =
            peak_added_memory(|| numeric_hessian(&net, &data, &HessianOptions::default()));
        let samples_used = one?.samples_used;
        let matrix = demystify_resnet::hessian::dense_matrix_bytes(p) as f64;
        match peak {
            Some(bytes) => println!(
                "P={p} peak memory added by one assembly: {:.1} MiB = {:.2}x the {:.1} MiB matrix{}",
                bytes as f64 / 1048576.0,
                bytes as f64 / matrix,
                matrix / 1048576.0,
                if p == 4096 {
                    if (bytes as f64) <= 1.1 * matrix { " (target <= 1.1x: PASS)" } else { " (target <= 1.1x: FAIL)" }
                } else {
                    ""
                }
            ),
            None => println!("P={p} peak memory: not measurable here (no /proc/self/clear_refs)"),
        }
        let (assembly, h) = median_time(3, || {
            numeric_hessian(&net, &data, &HessianOptions::default())
        });
        let h = h?;
        print!(
            "P={p} D={D} N=2 L={depth} samples={} (of {}; moment-compressed) assembly={:.3}s params_per_s={:.0} asymmetry={:.1e}",
            samples_used,
            data.len(),
            assembly.as_secs_f64(),
            p as f64 / assembly.as_secs_f64(),
            h.asymmetry
        );
        let mut best_eig = Duration::MAX;
        for &b in &backends {
            let (t, ev) = median_time(3, || symmetric_eigenvalues_with(h.matrix.as_ref(), b));
            let ev = ev?;
            let a = ev.iter().fold((0.0f64, f64::INFINITY), |(mx, mn), v| {
                (mx.max(v.abs()), mn.min(v.abs()))
            });
            print!(" eig_{}={:.3}s", b.name(), t.as_secs_f64());
            if b == backends[backends.len() - 1] {
                print!(" cond={:.6}", a.0 / a.1);
            }
            best_eig = best_eig.min(t);
        }
        let (t_block, _) = median_time(3, || {
            eigen::block_diagonal_eigenvalues(h.matrix.as_ref(), 2 * D * D)
        });
        println!(" eig_blockdiag={:.4}s", t_block.as_secs_f64());
        if p == 2048 {
            verdict = Some(assembly < best_eig);
        }
        if let Some(dir) = &dump {
            let bytes: Vec<u8> = (0..p)
                .flat_map(|j| (0..p).map(move |i| (i, j)))
                .flat_map(|(i, j)| h.matrix[(i, j)].to_le_bytes())
                .collect();
            let path = format!("{dir}/hessian_{p}.f64");
            std::fs::write(&path, bytes).map_err(|e| Error::Io {
                path,
                source: std::sync::Arc::new(e),
            })?;
        }
    }
    match verdict {
        Some(true) => println!("target P=2048 assembly < dense eigendecomposition: PASS"),
        Some(false) => println!("target P=2048 assembly < dense eigendecomposition: FAIL"),
        None => println!("smoke run (P=512 only); `cargo bench --bench hessian` runs all sizes"),
    }
    Ok(())
}
