#!/usr/bin/env bash
# The classroom in one script: what a JupyterHub image needs, and one build folder per kernel.
#
#   scripts/classroom.sh build [PREFIX]        install under PREFIX (default /opt/demystify-resnet): the Jupyter
#                                              packages and the evcxr kernel (scripts/setup.sh), a copy of this
#                                              crate, the students' notebooks pointing at it, the crates vendored
#                                              (kernels never need the network), and a kernel build folder
#                                              pre-built at PREFIX/seed with the kernel's cargo profile
#   scripts/classroom.sh seed DIR [PREFIX]     a kernel's own build folder DIR (its EVCXR_TMPDIR), seeded from
#                                              PREFIX/seed: compiled artifacts as symbolic links into the seed
#                                              (read-only to cargo: rustc and the linker replace outputs, never
#                                              rewrite them), the small files cargo rewrites and build scripts'
#                                              out/ files copied; idempotent
#
# The image recipes (repo2docker's postBuild, deploy/Dockerfile) call `build`; the students' kernel
# (PREFIX/bin/rust-kernel) calls `seed` for each kernel as it starts (docs/classroom.md). Nothing here needs a
# container daemon: the tests run this script.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"

usage() { sed -n '2,17p' "$0" >&2; exit 2; }

# Absolute: the linker's run path and the seed's links name it.
prefix_of() { realpath -m "${1:-/opt/demystify-resnet}"; }

# The files of the crate a kernel compiles (no build outputs, no reports).
copy_crate() {
  local dest="$1"
  mkdir -p "$dest"
  (cd "$REPO" && tar -cf - Cargo.toml Cargo.lock src core web dylib data THEORY.md README.md) | (cd "$dest" && tar -xf -)
}

# The students' notebooks: the course's notebooks with `:dep … path = "../dylib"` pointing at the installed crate's
# shared-library form (dylib/).
copy_notebooks() {
  local crate="$1" dest="$2"
  mkdir -p "$dest"
  for nb in "$REPO"/notebooks/*.ipynb; do
    python3 - "$nb" "$crate" "$dest/$(basename "$nb")" <<'PY'
import json, sys
src, crate, out = sys.argv[1:]
nb = json.load(open(src))
for cell in nb["cells"]:
    text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    if cell["cell_type"] == "code" and text.startswith(":dep demystify_resnet"):
        cell["source"] = text.replace('path = "../dylib"', f'path = "{crate}/dylib"')
json.dump(nb, open(out, "w"), indent=1, ensure_ascii=False)
PY
  done
}

# Warm kernels (deploy/warm_kernels.py): a student's server keeps one Rust kernel whose set-up cells (the course's
# `:dep` cell, its `use` line and a first `let`) have already run, and gives it to the first notebook that asks.
# The configuration is in PREFIX/etc/jupyter, read by the students' servers only (JUPYTER_CONFIG_PATH), so the
# report builder and the other tests on the same machine keep plain kernels.
warm_kernels() {
  local prefix="$1"
  mkdir -p "$prefix/python" "$prefix/etc/jupyter"
  cp "$REPO/deploy/warm_kernels.py" "$prefix/python/demystify_warm_kernels.py"
  python3 - "$prefix" > "$prefix/etc/jupyter/jupyter_server_config.py" <<'PY'
import json, sys
prefix = sys.argv[1]
nb = json.load(open(f"{prefix}/notebooks/01_residual_blocks.ipynb"))
code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
dep = code[0]
assert dep.startswith(":dep demystify_resnet") and f'path = "{prefix}/crate/dylib"' in dep, dep
# The first `let` is what makes rust-analyzer infer a type for the first time; the variable is then moved out, so
# the student's kernel keeps no variable of the warm-up.
# It holds one of the crate's own types: rust-analyzer then also finds, ahead of the student, how to name the crate's
# types through dylib/'s re-exports. Measured by scripts/kernel_cost.py --warm (docs/classroom.md): a student's first
# `let net = ResNet::<4, 2>::zeros(8)?;` took 2.5 and 2.7 s after a warm-up on a `String`, 2.2 and 2.4 s after this one.
# The `println!` of two of its methods, as notebook 01's first `let` has, is rust-analyzer's first format macro and
# method lookup on the crate's types: without it that cell spent about 1 s in rust-analyzer before cargo started.
warm_up = ("use demystify_resnet::prelude::*;\nlet warm_up = ResNet::<2, 2>::zeros(1)?;\n"
           'println!("{}: P = {}", warm_up.describe(), warm_up.num_params());')
cells = [dep, warm_up, "drop(warm_up);"]
print("# Written by scripts/classroom.sh build: the students' servers hand out warm Rust kernels (docs/classroom.md).")
print("import sys")
print(f"sys.path.insert(0, {prefix + '/python'!r})")
print('c.ServerApp.kernel_manager_class = "demystify_warm_kernels.WarmKernelManager"')
print(f"c.WarmKernelManager.warm_up_cells = {json.dumps(cells)}")
PY
}

# The kernels' own cargo home, PREFIX/cargo-home. rust-analyzer inside every kernel loads the standard library's crate
# graph by running `cargo metadata` on the toolchain's library workspace (rust-src), whose lock file names crates from
# crates.io (hashbrown, libc, gimli, ...). Offline and without them in the cargo home (an image deletes the build's
# registry) that command fails, rust-analyzer keeps std's crates without their dependencies, and cannot type what
# std defines: a cell whose `let` uses `?` failed with "the `!` type is experimental" (scripts/container_test.py,
# as a student who does not own the build). Fetched here, once, as rust-analyzer asks for them (the library's lock
# file, locked; RUSTC_BOOTSTRAP for its unstable manifest keys), unless they are there already, then checked offline.
# That check runs the command as this script does; that it covers rust-analyzer's own run is what
# scripts/container_test.py shows. About 100 MB, read-only to students: cargo reads a registry it may not write to.
kernel_cargo_home() {
  local home="$1/cargo-home" library; library="$(rustc --print sysroot)/lib/rustlib/src/rust/library"
  [ -f "$library/Cargo.toml" ] || { echo "classroom: no standard library source at $library (rustup component add rust-src)" >&2; exit 1; }
  mkdir -p "$home"
  metadata() { (cd "$library" && CARGO_HOME="$home" RUSTC_BOOTSTRAP=1 CARGO_NET_OFFLINE="$1" \
                  cargo metadata --quiet --format-version 1 --locked >/dev/null); }
  metadata true 2>/dev/null && return 0
  metadata false || { echo "classroom: could not fetch the standard library's crates into $home (crates.io)" >&2; exit 1; }
  metadata true || { echo "classroom: the standard library's crates are not in $home: rust-analyzer in the kernels would fail offline" >&2; exit 1; }
}

build() {
  local prefix; prefix="$(prefix_of "${1:-}")"
  local started=$SECONDS
  "$REPO/scripts/setup.sh" notebooks
  echo "classroom: installing under $prefix" >&2
  mkdir -p "$prefix"
  copy_crate "$prefix/crate"
  copy_notebooks "$prefix/crate" "$prefix/notebooks"
  # Every crate the kernel can need, vendored: with the source replacement below cargo resolves and builds
  # offline, from these folders only, in the seed and in every student's folder.
  if [ ! -f "$prefix/vendor/.complete" ] || ! cmp -s "$prefix/crate/Cargo.lock" "$prefix/vendor/.complete"; then
    rm -rf "$prefix/vendor"
    cargo vendor --quiet --locked --manifest-path "$prefix/crate/Cargo.toml" "$prefix/vendor" >/dev/null
    cp "$prefix/crate/Cargo.lock" "$prefix/vendor/.complete"
  fi
  # The kernel for every user of the image (a hub gives each student their own HOME, so a per-user kernelspec in
  # the builder's HOME would not be found): evcxr started by PREFIX/bin/rust-kernel, which gives every kernel a
  # build folder of its own. A student with two notebooks open has two kernels, and two kernels in one folder
  # overwrite each other's cell code.
  local kernels; kernels="$(python3 -c 'import sys; print(sys.prefix)')/share/jupyter/kernels"
  mkdir -p "$kernels/rust" "$prefix/bin"
  cp -r "$(python3 -m jupyter kernelspec list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["kernelspecs"]["rust"]["resource_dir"])')"/. "$kernels/rust/"
  cp "$REPO/scripts/classroom.sh" "$prefix/bin/classroom.sh"
  sed -e "s|@PREFIX@|$prefix|" -e "s|@EVCXR@|$(command -v evcxr_jupyter)|" "$REPO/scripts/rust-kernel.in" > "$prefix/bin/rust-kernel"
  chmod +x "$prefix/bin/rust-kernel"
  python3 - "$kernels/rust/kernel.json" "$prefix/bin/rust-kernel" <<'PY'
import json, sys
path, wrapper = sys.argv[1:]
spec = json.load(open(path))
spec["argv"] = [wrapper, "{connection_file}"]
# No transparent huge pages unless the copied kernelspec chose (scripts/setup.sh, kernel_without_huge_pages).
env = spec.get("env") or {}
spec["env"] = {**env, "MIMALLOC_ALLOW_THP": env.get("MIMALLOC_ALLOW_THP") or "0"}
json.dump(spec, open(path, "w"), indent=1)
PY
  # Every kernel folder links its compiled dependencies to the seed's files (`seed` below), and rustc writes a
  # cell's run path relative to where the crate's shared library really lies, the seed: from the cell's folder,
  # `$ORIGIN/../…/seed/…`. evcxr then moves the cell's object up one folder before it loads it, so that
  # path misses. The linker adds the seed's library folder as an absolute run path to everything linked under
  # PREFIX (the prefix is fixed in an image).
  local host; host="$(rustc -vV | sed -n 's/^host: //p')"
  printf '#!/bin/sh\n# Written by scripts/classroom.sh build: the system linker, plus the seed'"'"'s library folder as a run path.\nexec cc "$@" '"'"'-Wl,-rpath,%s'"'"'\n' \
    "$prefix/seed/target/$host/debug/deps" > "$prefix/bin/link-with-seed"
  chmod +x "$prefix/bin/link-with-seed"
  mkdir -p "$prefix/.cargo"
  {
    cat "$REPO/scripts/kernel-profile.toml"
    printf '\n# Vendored by scripts/classroom.sh: kernels build offline.\n'
    printf '[source.crates-io]\nreplace-with = "vendored-sources"\n\n[source.vendored-sources]\ndirectory = "%s"\n\n[net]\noffline = true\n' "$prefix/vendor"
    printf '\n# Cells find the crate'"'"'s shared library in the seed (scripts/classroom.sh build).\n'
    printf '[target.%s]\nlinker = "%s"\n' "$host" "$prefix/bin/link-with-seed"
  } > "$prefix/.cargo/config.toml"
  kernel_cargo_home "$prefix"
  # The seed: a kernel runs the set-up cells once in PREFIX/seed (cargo reads PREFIX/.cargo from folders below it),
  # with the cargo home the students' kernels have.
  mkdir -p "$prefix/seed"
  CARGO_HOME="$prefix/cargo-home" EVCXR_TMPDIR="$prefix/seed" python3 - "$prefix/notebooks/01_residual_blocks.ipynb" <<'PY'
import sys, time
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
set_up = [c for c in nb.cells if c.cell_type == "code"][:1]
nb.cells = set_up + [nbformat.v4.new_code_cell("use demystify_resnet::prelude::*;\nlet warm_up = 1u32;")]
started = time.time()
NotebookClient(nb, kernel_name="rust", timeout=3600, allow_errors=False).execute()
print(f"classroom: seed built in {time.time() - started:.0f} s", file=sys.stderr)
PY
  # What a cell compiled is not part of the seed: only the dependencies and this crate are. (The cells' crate,
  # `ctx`, is rebuilt by every cell: a link to its last output would be written through.)
  find "$prefix/seed/target" \( -name 'libcode_*' -o -name 'libctx*' \) -delete
  warm_kernels "$prefix"
  echo "classroom: built in $((SECONDS - started)) s; seed $(du -sh "$prefix/seed" | cut -f1)" >&2
}

seed() {
  local dir="${1:?usage: classroom.sh seed DIR [PREFIX]}" prefix; prefix="$(prefix_of "${2:-}")"
  local from="$prefix/seed"
  [ -d "$from/target" ] || { echo "classroom: no pre-built seed at $from (run: scripts/classroom.sh build $prefix)" >&2; exit 1; }
  case "$(realpath -m "$dir")/" in
    "$(realpath "$prefix")"/*) ;;
    *) echo "classroom: DIR must lie under $prefix (cargo finds the kernel profile and the vendored crates there)" >&2; exit 1 ;;
  esac
  [ -e "$dir/.seeded" ] && return 0
  mkdir -p "$dir"
  # Copied: the small files cargo rewrites in place (manifest, lock, evcxr's config, cargo's fingerprints, dep-info,
  # build-script records), and what build scripts generated under out/ (29 MB: a build script that runs again, for
  # instance because an environment variable it watches changed, rewrites its files in place, and `ar` updates an
  # archive in place). Linked: what rustc compiled (libraries, build-script programs), as symbolic links to the
  # seed's files by absolute path. cargo and rustc read through them, and rustc and the linker write a new file and
  # rename or unlink the old one, so a rebuild replaces the link and nothing writes into the seed. Not hard links:
  # in a container the seed lies in the image's read-only layer, and overlayfs copies a file up into the
  # container's writable layer before it can link it (1.3 GB per container, measured in docs/classroom.md). The
  # crate's incremental cache (only for rebuilding the crate itself, which never changes in the image) is left out.
  # A seeding cut short is done again: what it left is replaced, never written through.
  (cd "$from" && find . -path ./target -prune -o -type f -print0) | (cd "$from" && xargs -0 -r cp --parents -a --remove-destination -t "$dir")
  (cd "$from" && find target -path '*/incremental' -prune -o -type d -print0) | (cd "$dir" && xargs -0 -r mkdir -p)
  local compiled=( \( \( -name '*.rlib' -o -name '*.rmeta' -o -name '*.so' -o -name '*.a' -o -name 'build-script-build' \
                       -o -name 'build_script_build-*' \) ! -name '*.d' ! -path '*/build/*/out/*' \) )
  from="$(realpath "$from")"
  (cd "$from" && find target -path '*/incremental' -prune -o -type f "${compiled[@]}" -print0) \
    | python3 -c 'import os, sys
for f in filter(None, sys.stdin.read().split("\0")):
    link = os.path.join(sys.argv[2], f)
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(os.path.join(sys.argv[1], f), link)' "$from" "$dir"
  (cd "$from" && find target -path '*/incremental' -prune -o -type f ! "${compiled[@]}" -print0) \
    | (cd "$from" && xargs -0 -r cp --parents -a --remove-destination -t "$dir")
  touch "$dir/.seeded"
}

case "${1:-}" in
  build) shift; build "$@" ;;
  seed) shift; seed "$@" ;;
  *) usage ;;
esac
