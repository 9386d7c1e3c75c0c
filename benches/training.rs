//! Training benchmark (`cargo bench --bench training`; `make peer` runs it next to `benches/jax_train_peer.py`).
//!
//! Full-batch gradient descent with the crate's `train()` (divergence check every step, dfdx's optimiser) on a
//! linear residual network with shortcut 2, at three sizes `(D, L, m)`: (8, 16, 256), (16, 64, 512),
//! (32, 128, 1024), once with each gradient path: the fused pass (`train()`'s default) and dfdx's autodiff
//! (the reference, and what `train()` ran before the fused pass existed). Teacher data and initial weights
//! (`SmallGaussian { std: 0.01 }`, seed 0) are dumped with `DEMYSTIFY_BENCH_DUMP=DIR`
//! (`DIR/train_D_L_m_{x,y,w}.f64`), so the JAX loop starts from the same point on the same data and its final
//! loss can be compared with ours.
//!
//! The machine comes first (CPU model, instruction set, threads). Reported per size: median of 3 runs (after a
//! warm-up) of `STEPS` steps, steps per second and the final loss of each path, and the physical bound: FLOPs
//! per step (forward `2·n·L·D²·m`, backward twice that) over the machine's peak (threads × clock × 32
//! double-precision FLOPs per cycle with AVX-512 FMA, 16 with AVX2+FMA, 8 otherwise).
//!
//! Under `cargo test --all-targets` it only smoke-tests the smallest size with a few steps.

use demystify_resnet::prelude::*;

mod common;
use common::{cpu_model, isa, median_time, write_f64};
use demystify_resnet::train::GradientPath;

const STEPS: usize = 200;
const RATE: f64 = 0.05;

/// Peak double-precision FLOP/s: threads × clock (from /proc/cpuinfo) × FLOPs per cycle per core.
fn peak_flops() -> Option<f64> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let mhz: f64 = info
        .lines()
        .find(|l| l.starts_with("cpu MHz"))?
        .split(':')
        .nth(1)?
        .trim()
        .parse()
        .ok()?;
    let per_cycle = match isa() {
        "AVX-512" => 32.0,
        "AVX2+FMA" => 16.0,
        _ => 8.0,
    };
    Some(rayon::current_num_threads() as f64 * mhz * 1e6 * per_cycle)
}

fn run<const D: usize>(
    depth: usize,
    samples: usize,
    steps: usize,
    dump: Option<&str>,
) -> Result<()> {
    let data = Teacher {
        samples,
        whiten: false,
        ..Default::default()
    }
    .generate::<D>()?
    .data;
    let start = ResNet::<D, 2>::new(depth, &Init::SmallGaussian { std: 0.01 }, 0)?;
    if let Some(dir) = dump {
        let stem = format!("{dir}/train_{D}_{depth}_{samples}");
        write_f64(format!("{stem}_x.f64"), data.inputs().iter().copied())?;
        write_f64(format!("{stem}_y.f64"), data.targets().iter().copied())?;
        write_f64(format!("{stem}_w.f64"), start.params())?;
    }
    let timed = |gradient| {
        let config = TrainConfig {
            learning_rate: RATE,
            steps,
            record_every: steps,
            gradient,
            ..Default::default()
        };
        let (time, history) = median_time(3, || {
            let mut net = start.clone();
            train(&mut net, &data, &config)
        });
        history.map(|h| (time.as_secs_f64(), h))
    };
    let (time, history) = timed(GradientPath::Fused)?;
    let (dfdx_time, dfdx_history) = timed(GradientPath::DfdxAutodiff)?;
    let flops = 6.0 * 2.0 * (depth * D * D * samples) as f64;
    let per_step = time / steps as f64;
    print!(
        "train D={D} L={depth} m={samples} steps={steps} lr={RATE} time={time:.4}s steps_per_s={:.1} final_loss={:.17e} status={:?} dfdx_steps_per_s={:.1} dfdx_final_loss={:.17e} flops_per_step={flops:.3e}",
        1.0 / per_step,
        history.final_loss().unwrap_or(f64::NAN),
        history.status,
        steps as f64 / dfdx_time,
        dfdx_history.final_loss().unwrap_or(f64::NAN),
    );
    match peak_flops() {
        Some(peak) => println!(
            " bound_s_per_step={:.2e} achieved_fraction_of_peak={:.3} dfdx_fraction_of_peak={:.3}",
            flops / peak,
            flops / per_step / peak,
            flops * steps as f64 / dfdx_time / peak
        ),
        None => println!(),
    }
    Ok(())
}

fn main() -> Result<()> {
    let dump = std::env::var("DEMYSTIFY_BENCH_DUMP").ok();
    let dump = dump.as_deref();
    println!(
        "machine: cpu=\"{}\" isa={} threads={}",
        cpu_model(),
        isa(),
        rayon::current_num_threads()
    );
    if std::env::args().any(|a| a == "--bench") {
        run::<8>(16, 256, STEPS, dump)?;
        run::<16>(64, 512, STEPS, dump)?;
        run::<32>(128, 1024, STEPS, dump)?;
    } else {
        run::<8>(4, 32, 5, None)?;
        println!("smoke run; `cargo bench --bench training` runs all sizes");
    }
    Ok(())
}
