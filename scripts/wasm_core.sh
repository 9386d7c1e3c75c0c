#!/usr/bin/env bash
# Builds what the report pages run for WebAssembly: the browser crate (core/, demystify-resnet-core) and its C ABI
# (web/, demystify-resnet-web, a cdylib), and checks that neither depends on anything a page cannot run.
# Installs the wasm32-unknown-unknown target with rustup when it is missing. Run by `make test` and, through
# scripts/run_notebooks.py, by `make reports`; prints the path of the .wasm module on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
target=wasm32-unknown-unknown
if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
  echo "wasm_core: installing the $target target (rustup)" >&2
  rustup target add "$target" >&2
fi
# Nothing a browser cannot run, and none of the heavy crates of the notebooks.
for crate in demystify-resnet-core demystify-resnet-web; do
  deps=$(cargo tree -p "$crate" -e normal --target "$target" --prefix none --format '{p}' | awk '{print $1}' | sort -u)
  for heavy in dfdx polars plotly rayon getrandom; do
    if grep -qx "$heavy" <<<"$deps"; then
      echo "wasm_core: FAIL: $crate depends on $heavy" >&2
      exit 1
    fi
  done
done
started=$(date +%s)
# The wasm profile (Cargo.toml): size-optimised, LTO, one codegen unit.
# Scalar WebAssembly, no simd128: with it the dense shortcut-1 spectrum at P = 1024 took 374 ms instead of 513 ms
# under node, but its rounding moved κ near 1e6 by 2e-12 relative from the native value (the pages must agree
# with the native crate to 1e-12; scalar code did, to 7e-13).
cargo build -p demystify-resnet-core -p demystify-resnet-web --target "$target" --profile wasm >&2
module="${CARGO_TARGET_DIR:-$PWD/target}/$target/wasm/demystify_web.wasm"
echo "wasm_core: built for $target in $(( $(date +%s) - started )) s: $(du -h "$module" | cut -f1) module; dependencies for the page: $(tr '\n' ' ' <<<"$deps")" >&2
echo "$module"
