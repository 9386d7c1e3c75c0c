#!/usr/bin/env bash
# Side-by-side timing against the peers a user would reach for, on equal work, in one session (one run after the
# other): our `cargo bench --bench hessian` (exact engine, LAPACK and faer eigensolvers), JAX's jit-compiled
# jax.hessian on the very same data (benches/jax_peer.py, which also checks its Hessians against ours), and
# numpy's eigvalsh on the very Hessians we assembled (benches/numpy_eigvalsh.py). benches/peer_table.py turns
# the three outputs into docs/performance.md's tables (between the peer-results markers), with PASS/FAIL per target.
#
# Usage: benches/peer_compare.sh [PEER_VENV]
#   PEER_VENV: a virtualenv with jax, numpy and threadpoolctl (default: ../peer-venv). Create it once, outside the
#   repo: python3 -m venv ../peer-venv && ../peer-venv/bin/pip install jax numpy threadpoolctl
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-${PEER_VENV:-../peer-venv}}"
[ -x "$venv/bin/python" ] || { echo "no peer virtualenv at $venv (see the header of this script)" >&2; exit 2; }
scripts/ensure-openblas.sh
# A distribution OpenBLAS older than the CPU runs generic kernels unless told the family (see the script).
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
  core="$(scripts/openblas-coretype.sh)"
  [ -n "$core" ] && export OPENBLAS_CORETYPE="$core"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== demystify-resnet (D=8, N=2, 256 samples; dumps data and Hessians for the peers)"
DEMYSTIFY_BENCH_DUMP="$work" cargo bench --features lapack --bench hessian 2>/dev/null | tee "$work/ours.txt"
echo "== JAX peer (same data, same zero point)"
"$venv/bin/python" benches/jax_peer.py "$work" 8 2 16 32 | tee "$work/jax.txt"
echo "== numpy eigvalsh on our Hessians"
"$venv/bin/python" benches/numpy_eigvalsh.py "$work" | tee "$work/numpy.txt"
echo "== training: ours (full-batch GD, 200 steps, rate 0.05; dumps data and initial weights)"
DEMYSTIFY_BENCH_DUMP="$work" cargo bench --bench training 2>/dev/null | tee "$work/train_ours.txt"
echo "== training: JAX (same data, same initial weights, jit-compiled loop)"
# Steps and rate must match benches/training.rs (STEPS, RATE); peer_table.py checks the step counts.
"$venv/bin/python" benches/jax_train_peer.py "$work" 200 0.05 | tee "$work/train_jax.txt"
"$venv/bin/python" benches/peer_table.py "$work" docs/performance.md
