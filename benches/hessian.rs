//! Hessian benchmark (run with `cargo bench --bench hessian`, add `--features lapack` for the LAPACK path).
//!
//! For D = 8, shortcut N = 2, L ∈ {4, 16, 32} (P = 512, 2048, 4096), a 256-sample teacher problem and the zero
//! point — the setting of `../shared/bench/jax_peer.py` — it reports the median of 3 warm runs of:
//! Hessian assembly (2P dfdx gradients, moment-compressed), the dense eigendecomposition with each available
//! backend, and the block-diagonal path, plus parameters per second of assembly. It checks the target
//! "at P = 2048 assembly is faster than the dense eigendecomposition".
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
        let (assembly, h) = median_time(3, || {
            numeric_hessian(&net, &data, &HessianOptions::default())
        });
        let h = h?;
        print!(
            "P={p} D={D} N=2 L={depth} samples=256 assembly={:.3}s params_per_s={:.0} asymmetry={:.1e}",
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
                message: e.to_string(),
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
