"""The JAX peer of benches/hessian.rs (run by benches/peer_compare.sh): jax.hessian under jit (CPU, float64) of the
same loss, on the very same data, at the same zero point, for a linear residual net with shortcut depth 2.

Usage: python jax_peer.py DUMP_DIR D N DEPTH...
DUMP_DIR holds what `DEMYSTIFY_BENCH_DUMP=DUMP_DIR cargo bench --bench hessian` wrote: the data (x_all, y_all,
x_compressed, y_compressed: row-major m×D float64) and our Hessians (hessian_P.f64, column-major).

For each depth and each dataset (all samples; the moment-compressed ones) it prints one line with the median of 3
warm runs (after one warm-up call that includes the jit compile), the samples used, and the largest relative
difference between JAX's Hessian and ours (all-sample run), so the two sides are checked against each other."""
import os
import platform
import sys
import time

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
import numpy as np

from peer_common import residual_loss

work = sys.argv[1]
D, N = int(sys.argv[2]), int(sys.argv[3])
depths = [int(a) for a in sys.argv[4:]]


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load(name):
    return np.fromfile(os.path.join(work, f"{name}.f64"), dtype="<f8").reshape(-1, D)


datasets = {"all": (load("x_all"), load("y_all")), "compressed": (load("x_compressed"), load("y_compressed"))}
print(f"machine: cpu=\"{cpu_model()}\" jax={jax.__version__} devices={jax.devices()} "
      f"XLA_FLAGS={os.environ.get('XLA_FLAGS', 'unset')}")


def median_time(f, runs=3):
    f()  # warm-up (includes the jit compile on the first call)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return sorted(times)[runs // 2], out


for depth in depths:
    P = depth * N * D * D
    ours_path = os.path.join(work, f"hessian_{P}.f64")
    ours = np.fromfile(ours_path, dtype="<f8").reshape((P, P), order="F") if os.path.exists(ours_path) else None
    for label, (x, y) in datasets.items():
        hess = jax.jit(jax.hessian(residual_loss(x, y, depth, N, D)))
        p0 = jnp.zeros(P)
        t, H = median_time(lambda: hess(p0).block_until_ready())
        H = np.asarray(H)
        diff = "n/a" if ours is None else f"{np.abs(H - ours).max() / np.abs(ours).max():.1e}"
        print(f"P={P} dataset={label} samples={x.shape[0]} jax_hessian={t:.4f}s diff_vs_ours={diff}")
