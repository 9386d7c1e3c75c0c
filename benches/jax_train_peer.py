"""The JAX peer of benches/training.rs (run by benches/peer_compare.sh): full-batch gradient descent on the same
linear residual network (shortcut 2), from the same initial weights, on the same data, as a jit-compiled loop
(`lax.fori_loop` over the steps, one compiled program), CPU, float64, in two variants of the loss: the units
unrolled in Python (`unrolled`), and `lax.scan` over the units (`scan`, JAX's idiomatic form for a deep stack).

Usage: python jax_train_peer.py DUMP_DIR STEPS RATE   (DUMP_DIR holds train_D_L_m_{x,y,w}.f64 from the Rust side)
Prints per size and variant: median of 3 warm runs (after a warm-up that includes the compile), steps/s and the final loss,
to be compared with ours (same arithmetic: the two final losses should agree closely)."""
import glob
import os
import re
import sys
import time

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
import numpy as np

from peer_common import residual_loss, residual_loss_scan

work, steps, rate = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
N = 2
for w_path in sorted(glob.glob(os.path.join(work, "train_*_w.f64")), key=lambda p: [int(v) for v in re.findall(r"\d+", os.path.basename(p))]):
    D, L, m = (int(v) for v in re.findall(r"train_(\d+)_(\d+)_(\d+)_w", w_path)[0])
    stem = w_path[:-len("_w.f64")]
    x = np.fromfile(stem + "_x.f64", dtype="<f8").reshape(m, D)
    y = np.fromfile(stem + "_y.f64", dtype="<f8").reshape(m, D)
    w0 = jnp.asarray(np.fromfile(w_path, dtype="<f8"))
    for variant, make_loss in (("unrolled", residual_loss), ("scan", residual_loss_scan)):
        loss = make_loss(x, y, L, N, D)
        grad = jax.grad(loss)
        run = jax.jit(lambda p: jax.lax.fori_loop(0, steps, lambda i, q: q - rate * grad(q), p))
        run(w0).block_until_ready()  # compile + warm-up
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            w = run(w0).block_until_ready()
            times.append(time.perf_counter() - t0)
        t = sorted(times)[1]
        print(f"train D={D} L={L} m={m} variant={variant} steps={steps} jax_time={t:.4f}s "
              f"jax_steps_per_s={steps / t:.1f} jax_final_loss={float(loss(w)):.17e}", flush=True)
