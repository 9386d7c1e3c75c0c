#!/usr/bin/env bash
# Side-by-side timing against the peer a user would reach for: JAX (jax.hessian + numpy eigvalsh) from
# benches/jax_peer.py, our `cargo bench --bench hessian` (LAPACK path), and numpy's eigvalsh on the very
# Hessians we assembled. Everything runs in one session, one after the other: compare ratios, not absolute times.
# The ratio table is written into README.md between the peer-results markers.
#
# Usage: benches/peer_compare.sh [PEER_VENV]
#   PEER_VENV: a virtualenv with jax, numpy and threadpoolctl (default: ../peer-venv). Create it once, outside the
#   repo: python3 -m venv ../peer-venv && ../peer-venv/bin/pip install jax numpy threadpoolctl
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-${PEER_VENV:-../peer-venv}}"
peer="benches/jax_peer.py"
[ -x "$venv/bin/python" ] || { echo "no peer virtualenv at $venv (see the header of this script)" >&2; exit 2; }
[ -f "$peer" ] || { echo "missing $peer" >&2; exit 2; }
scripts/ensure-openblas.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== JAX peer (D=8, N=2, 256 samples)"
for depth in 16 32; do "$venv/bin/python" "$peer" 8 2 "$depth" 256; done | tee "$work/jax.txt"
echo "== demystify-resnet"
DEMYSTIFY_BENCH_DUMP="$work" cargo bench --features lapack --bench hessian 2>/dev/null | tee "$work/ours.txt"
echo "== numpy eigvalsh on our Hessians"
"$venv/bin/python" benches/numpy_eigvalsh.py "$work" | tee "$work/numpy.txt"
"$venv/bin/python" benches/peer_table.py "$work" README.md
