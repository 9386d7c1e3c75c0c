#!/usr/bin/env bash
# Builds the browser crate (core/, demystify-resnet-core) for WebAssembly and checks what it depends on.
# Installs the wasm32-unknown-unknown target with rustup when it is missing. Run by `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
target=wasm32-unknown-unknown
if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
  echo "wasm_core: installing the $target target (rustup)"
  rustup target add "$target"
fi
# Nothing a browser cannot run, and none of the heavy crates of the notebooks.
deps=$(cargo tree -p demystify-resnet-core -e normal --target "$target" --prefix none --format '{p}' | awk '{print $1}' | sort -u)
for heavy in dfdx polars plotly rayon getrandom; do
  if grep -qx "$heavy" <<<"$deps"; then
    echo "wasm_core: FAIL: demystify-resnet-core depends on $heavy" >&2
    exit 1
  fi
done
started=$(date +%s)
cargo build -p demystify-resnet-core --target "$target" --release
lib="${CARGO_TARGET_DIR:-target}/$target/release/libdemystify_core.rlib"
echo "wasm_core: built for $target in $(( $(date +%s) - started )) s ($(du -h "$lib" | cut -f1) rlib); dependencies: $(tr '\n' ' ' <<<"$deps")"
