"""What the JAX peers share: the crate's loss for a linear residual network, written in JAX two ways."""
import jax
import jax.numpy as jnp


def residual_loss(x, y, depth, shortcut, width):
    """ℓ(p) = 1/(2m) Σ ‖y − f(x)‖² for `depth` units `h ← h + W_n ⋯ W_1 h` (no activation), with p in the crate's
    parameter order (unit, layer, row-major entries); x and y are m×D arrays, one sample per row. The units are
    unrolled in Python (one traced product per weight)."""
    X, Y = jnp.asarray(x.T), jnp.asarray(y.T)  # D×m, columns are samples
    m = x.shape[0]

    def loss(p):
        W = p.reshape(depth, shortcut, width, width)
        h = X
        for l in range(depth):
            z = h
            for k in range(shortcut):
                z = W[l, k] @ z
            h = h + z
        r = Y - h
        return 0.5 * jnp.sum(r * r) / m

    return loss


def residual_loss_scan(x, y, depth, shortcut, width):
    """The same ℓ(p) with `lax.scan` over the units (one traced unit, its weights sliced per step), the way JAX's
    documentation writes a deep stack of identical layers."""
    X, Y = jnp.asarray(x.T), jnp.asarray(y.T)
    m = x.shape[0]

    def unit(h, w):
        z = h
        for k in range(shortcut):
            z = w[k] @ z
        return h + z, None

    def loss(p):
        W = p.reshape(depth, shortcut, width, width)
        h, _ = jax.lax.scan(unit, X, W)
        r = Y - h
        return 0.5 * jnp.sum(r * r) / m

    return loss
