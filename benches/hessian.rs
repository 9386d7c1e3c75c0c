//! Hessian benchmark (run with `cargo bench --bench hessian`, add `--features lapack` for the LAPACK path;
//! `make bench` does both and sets `OPENBLAS_CORETYPE`, `make peer` adds JAX and numpy side by side).
//!
//! Setting: D = 8, shortcut N = 2, L ∈ {4, 16, 32} (P = 512, 2048, 4096), a 256-sample teacher problem, the
//! zero point. For each size it reports the median of 3 warm runs (after one warm-up) of:
//!
//! - `exact_all`: the exact engine (R-operator, `hessian::exact`) on **all 256 samples** — the same work as
//!   `jax.hessian` on the same data;
//! - `exact_compressed`: the exact engine on the moment-equivalent dataset (`samples_compressed` rows, same
//!   loss, gradient and Hessian for a linear network): an algorithmic shortcut, reported as its own column;
//! - `fd_compressed`: the finite-difference Hessian of dfdx gradients (the cross-check path), compressed;
//! - the dense eigendecomposition with each backend (`eig_faer`, `eig_lapack-dsyevd`);
//! - `write_bound`: the time to write `P²` f64 once (a fill of a `P×P` buffer): no assembly can beat it;
//! - the largest relative differences between the exact Hessians (all vs compressed samples) and the
//!   finite-difference one.
//!
//! Memory: the peak resident memory one exact assembly adds (Linux `VmHWM`, reset through
//! `/proc/self/clear_refs`), as a multiple of the `P×P` matrix; target ≤ 1.1× at P = 4096.
//!
//! The machine is printed first: CPU model, threads, and the OpenBLAS kernel family in use.
//!
//! `DEMYSTIFY_BENCH_DUMP=DIR` also writes, as raw little-endian f64: the data (`DIR/x_all.f64`,
//! `DIR/y_all.f64`, `DIR/x_compressed.f64`, `DIR/y_compressed.f64`, row-major `m×D`) and each Hessian
//! (`DIR/hessian_P.f64`, column-major), so `benches/jax_peer.py` runs on the very same data and checks its
//! Hessians against ours, and `benches/numpy_eigvalsh.py` times numpy on the very same matrices.
//!
//! Under `cargo test --all-targets` (no `--bench` argument) it only smoke-tests the smallest size.

use demystify_resnet::faer::Mat;
use demystify_resnet::hessian::{
    dense_matrix_bytes, eigen, exact_hessian, finite_difference_hessian, max_abs_difference,
    symmetric_eigenvalues_with, EigenBackend, HessianMethod, HessianOptions,
};
use demystify_resnet::prelude::*;

mod common;
use common::{cpu_model, isa, median_time, write_f64};

const D: usize = 8;

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

/// max |A − B| / max |B|.
fn relative_difference(a: &Mat<f64>, b: &Mat<f64>) -> Result<f64> {
    Ok(max_abs_difference(a.as_ref(), b.as_ref())? / b.as_ref().norm_max().max(f64::MIN_POSITIVE))
}

fn main() -> Result<()> {
    let data = Teacher {
        samples: 256,
        whiten: false,
        ..Default::default()
    }
    .generate::<D>()?
    .data;
    let compressed = data.moment_equivalent()?;
    let dump = std::env::var("DEMYSTIFY_BENCH_DUMP").ok();
    if let Some(dir) = &dump {
        write_f64(format!("{dir}/x_all.f64"), data.inputs().iter().copied())?;
        write_f64(format!("{dir}/y_all.f64"), data.targets().iter().copied())?;
        write_f64(
            format!("{dir}/x_compressed.f64"),
            compressed.inputs().iter().copied(),
        )?;
        write_f64(
            format!("{dir}/y_compressed.f64"),
            compressed.targets().iter().copied(),
        )?;
    }
    let backends: Vec<EigenBackend> = if cfg!(feature = "lapack") {
        vec![EigenBackend::Faer, EigenBackend::Lapack]
    } else {
        vec![EigenBackend::Faer]
    };
    println!(
        "machine: cpu=\"{}\" isa={} threads={} blas_kernel={} OPENBLAS_CORETYPE={} backends={:?}",
        cpu_model(),
        isa(),
        rayon::current_num_threads(),
        eigen::blas_kernel().unwrap_or_else(|| "none (no lapack feature)".into()),
        std::env::var("OPENBLAS_CORETYPE").unwrap_or_else(|_| "unset".into()),
        backends.iter().map(|b| b.name()).collect::<Vec<_>>()
    );
    if let Some(core) = eigen::suggested_openblas_coretype() {
        println!(
            "note: OpenBLAS runs its generic Prescott kernels on this CPU; OPENBLAS_CORETYPE={core} selects the tuned ones"
        );
    }
    let all_samples = HessianOptions {
        moment_compression: false,
        ..Default::default()
    };
    let fd = HessianOptions {
        method: HessianMethod::FiniteDifference,
        ..Default::default()
    };
    let full = std::env::args().any(|a| a == "--bench");
    let depths: &[usize] = if full { &[4, 16, 32] } else { &[4] };
    for &depth in depths {
        let net = ResNet::<D, 2>::zeros(depth)?;
        let p = net.num_params();
        let matrix = dense_matrix_bytes(p) as f64;
        let (peak, one) = peak_added_memory(|| exact_hessian(&net, &data, &all_samples));
        one?;
        match peak {
            Some(bytes) => println!(
                "P={p} peak memory added by one exact assembly: {:.1} MiB = {:.2}x the {:.1} MiB matrix{}",
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
        let (t_all, h_all) = median_time(3, || exact_hessian(&net, &data, &all_samples));
        let h_all = h_all?;
        let (t_comp, h_comp) =
            median_time(3, || exact_hessian(&net, &data, &HessianOptions::default()));
        let h_comp = h_comp?;
        let (t_fd, h_fd) = median_time(3, || finite_difference_hessian(&net, &data, &fd));
        let h_fd = h_fd?;
        let (t_write, _) = median_time(3, || {
            let mut buffer = vec![0.0f64; p * p];
            buffer.fill(1.0);
            std::hint::black_box(buffer)
        });
        print!(
            "P={p} D={D} N=2 L={depth} samples_all={} samples_compressed={} exact_all={:.4}s exact_compressed={:.4}s \
             fd_compressed={:.4}s write_bound={:.4}s diff_all_vs_compressed={:.1e} diff_exact_vs_fd={:.1e}",
            h_all.samples_used,
            h_comp.samples_used,
            t_all.as_secs_f64(),
            t_comp.as_secs_f64(),
            t_fd.as_secs_f64(),
            t_write.as_secs_f64(),
            relative_difference(&h_comp.matrix, &h_all.matrix)?,
            relative_difference(&h_fd.matrix, &h_all.matrix)?,
        );
        for &b in &backends {
            let (t, ev) = median_time(3, || symmetric_eigenvalues_with(h_all.matrix.as_ref(), b));
            let ev = ev?;
            let a = ev.iter().fold((0.0f64, f64::INFINITY), |(mx, mn), v| {
                (mx.max(v.abs()), mn.min(v.abs()))
            });
            print!(" eig_{}={:.3}s", b.name(), t.as_secs_f64());
            if b == backends[backends.len() - 1] {
                print!(" cond={:.6}", a.0 / a.1);
            }
        }
        println!();
        if let Some(dir) = &dump {
            write_f64(
                format!("{dir}/hessian_{p}.f64"),
                (0..p)
                    .flat_map(|j| (0..p).map(move |i| (i, j)))
                    .map(|(i, j)| h_all.matrix[(i, j)]),
            )?;
        }
    }
    if !full {
        println!("smoke run (P=512 only); `cargo bench --bench hessian` runs all sizes");
    }
    Ok(())
}
