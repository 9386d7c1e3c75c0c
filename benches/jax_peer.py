"""Peer timing: JAX (CPU, float64) Hessian + eigvalsh of a linear residual net at the zero point, the reference a
user would reach for instead of this crate (used by benches/peer_compare.sh).
Usage: python jax_peer.py D N L BATCH"""
import sys, time
import jax
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
import numpy as np

D, N, L, B = (int(a) for a in sys.argv[1:5])
rng = np.random.default_rng(0)
X = rng.standard_normal((D, B))
A = np.eye(D) + 0.5 * rng.standard_normal((D, D)) / np.sqrt(D)
Y = A @ X

def loss(p):
    W = p.reshape(L, N, D, D)
    h = X
    for l in range(L):
        z = h
        for k in range(N):
            z = W[l, k] @ z
        h = h + z
    r = Y - h
    return 0.5 * jnp.sum(r * r) / B

P = L * N * D * D
hess = jax.jit(jax.hessian(loss))
p0 = jnp.zeros(P)
t0 = time.perf_counter(); H = hess(p0).block_until_ready(); t1 = time.perf_counter()
H = hess(p0).block_until_ready(); t2 = time.perf_counter()
ev = np.linalg.eigvalsh(np.asarray(H)); t3 = time.perf_counter()
a = np.abs(ev)
print(f"P={P} first(hessian incl. jit)={t1-t0:.3f}s hessian(warm)={t2-t1:.3f}s eigvalsh={t3-t2:.3f}s cond={a.max()/a.min():.6f}")
