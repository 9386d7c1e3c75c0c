#!/usr/bin/env bash
# The course's Jupyter kernel: evcxr_jupyter 0.22.0 from the Rust registry, built against evcxr 0.22.0 with one patch,
# analysis.patch (next to this script), to evcxr's use of rust-analyzer (src/rust_analyzer.rs). Two changes:
# - evcxr's rust-analyzer analyses the crate graph of a `:dep` lazily, on one thread, when the first variable's type
#   is inferred; with the patch the kernel primes rust-analyzer's caches in dependency order on every core it may use,
#   whenever the crate graph changes: at its first cell (the standard library) and at a `:dep`. EVCXR_ANALYSIS_THREADS
#   sets the threads (at most the cores; 0 for upstream's lazy analysis, also the way out should rust-analyzer ever
#   fail on a crate a student adds).
# - evcxr puts every file (the cells' crate, the standard library, the dependencies) into one local source root, so
#   after each cell's edit rust-analyzer re-validates all it computed from every crate; with the patch only the
#   kernel's own folder is local and the rest is a library root, which rust-analyzer treats as rarely changing (and
#   whose private items completion no longer offers: a cell cannot use them).
# What each gains is measured in docs/classroom.md ("The kernel analyses a new crate graph on every core" and "Less
# analysis per cell").
#
#   scripts/evcxr/install.sh            build and install it into cargo's bin folder (unless it is there already)
#   scripts/evcxr/install.sh --check    exit 0 when this build (this patch and recipe) is the installed evcxr_jupyter
#
# The sources are unpacked and patched in a folder named after a hash of the patch and of this script,
# $EVCXR_SOURCE_DIR/demystify-resnet-evcxr-0.22.0-<hash> (EVCXR_SOURCE_DIR: /var/tmp unless set), which `cargo install
# --list` then names: a changed patch or recipe is a new install. The folder is kept (the patched sources, about 5
# MB); the build happens in a temporary folder that is removed. Everything but evcxr stays as evcxr_jupyter's own
# Cargo.lock pins it (`--locked`). The kernel's own code speed hardly matters (cells are compiled by rustc), so it is
# built at opt-level 1 with parallel code generation and no LTO (docs/setup-costs.md).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version=0.22.0
patch="$here/analysis.patch"
hash="$(cat "$patch" "$here/install.sh" | sha256sum | cut -c1-12)"
# Outside /var/tmp/demystify-resnet, whose .cargo/config.toml (the notebooks' kernel profile) cargo would read here.
src="${EVCXR_SOURCE_DIR:-/var/tmp}/demystify-resnet-evcxr-$version-$hash"

installed() {
  # `grep >/dev/null`, not `grep -q`: under pipefail an early exit of grep can fail the pipeline (SIGPIPE).
  cargo install --list | grep -F "evcxr_jupyter v$version ($src/evcxr_jupyter):" >/dev/null
}

if [ "${1:-}" = "--check" ]; then installed; exit; fi
if installed; then exit 0; fi

# The two packages' sources, as cargo unpacks them from the registry: a throwaway package that depends on
# evcxr_jupyter, which pins evcxr to the same version.
fetch="$(mktemp -d)"
trap 'rm -rf "$fetch"' EXIT
mkdir -p "$fetch/src"
: > "$fetch/src/lib.rs"
cat > "$fetch/Cargo.toml" <<TOML
[package]
name = "fetch-evcxr"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
evcxr_jupyter = "=$version"
TOML
(cd "$fetch" && cargo fetch --quiet)
manifest() {
  (cd "$fetch" && cargo metadata --format-version 1) | python3 -c '
import json, sys
name, version = sys.argv[1], sys.argv[2]
packages = json.load(sys.stdin)["packages"]
print(next(p["manifest_path"] for p in packages if p["name"] == name and p["version"] == version))' "$1" "$version"
}
evcxr_src="$(dirname "$(manifest evcxr)")"
jupyter_src="$(dirname "$(manifest evcxr_jupyter)")"

rm -rf "$src"
mkdir -p "$src"
cp -a "$evcxr_src" "$src/evcxr"
cp -a "$jupyter_src" "$src/evcxr_jupyter"
chmod -R u+w "$src"
# `patch` comes with build-essential (dpkg-dev), which the image recipes install for the kernel's linker.
patch --quiet --forward --directory="$src/evcxr" -p1 < "$patch"
grep -F 'fn prime_caches' "$src/evcxr/src/rust_analyzer.rs" >/dev/null \
  || { echo "evcxr/install.sh: analysis.patch's first change (the priming) is missing from $src" >&2; exit 1; }
grep -F 'SourceRoot::new_library' "$src/evcxr/src/rust_analyzer.rs" >/dev/null \
  || { echo "evcxr/install.sh: analysis.patch's second change (the library source root) is missing from $src" >&2; exit 1; }
cat >> "$src/evcxr_jupyter/Cargo.toml" <<'TOML'

# demystify-resnet: evcxr with scripts/evcxr/analysis.patch applied.
[patch.crates-io]
evcxr = { path = "../evcxr" }
TOML
# Only the patched package's entry may change in the lock file: its source and checksum go (it is a path now).
cp "$src/evcxr_jupyter/Cargo.lock" "$src/Cargo.lock.registry"
(cd "$src/evcxr_jupyter" && cargo update --workspace --quiet)
changed="$(diff "$src/Cargo.lock.registry" "$src/evcxr_jupyter/Cargo.lock" | grep '^[<>]' || true)"
if [ "$(printf '%s\n' "$changed" | grep -c '^< \(source\|checksum\) = ')" != 2 ] || [ "$(printf '%s\n' "$changed" | wc -l)" != 2 ]; then
  echo "evcxr/install.sh: patching evcxr changed more of evcxr_jupyter's Cargo.lock than evcxr's source:" >&2
  printf '%s\n' "$changed" >&2
  exit 1
fi

echo "installing evcxr_jupyter $version with scripts/evcxr/analysis.patch (about 8 minutes on 2 cores with nothing else running) ..." >&2
CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_LTO=false \
  CARGO_PROFILE_RELEASE_DEBUG=false cargo install --locked --force --target-dir "$fetch/target" --path "$src/evcxr_jupyter"
installed || { echo "evcxr/install.sh: cargo does not list evcxr_jupyter $version from $src after the install" >&2; exit 1; }
