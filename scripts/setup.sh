#!/usr/bin/env bash
# Idempotent set-up for the notebooks and their tests; skips whatever is already there.
#   scripts/setup.sh notebooks   Python side (pip part of environment.yml), evcxr kernel 0.22.0 (patched: scripts/evcxr), rust-src
#   scripts/setup.sh browser     Debian's Chromium (for the offline-report checks)
#   scripts/setup.sh hub         JupyterHub and configurable-http-proxy (for the classroom test)
#   scripts/setup.sh recipes     repo2docker and dockerfile-parse in a venv of their own (for scripts/recipe_test.py)
set -euo pipefail
cd "$(dirname "$0")/.."
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

python_side() {
  if python3 -c "import jupyterlab, nbconvert, nbclient, nbformat, playwright" 2>/dev/null; then return; fi
  if command -v conda >/dev/null 2>&1 && [ -n "${CONDA_PREFIX:-}" ]; then
    echo "conda environment active: run 'conda env update -f environment.yml' to add the Jupyter packages" >&2
  fi
  # The pip-installable part of environment.yml: the entries under `- pip:`.
  mapfile -t pkgs < <(python3 - <<'PY'
import re
lines = open("environment.yml").read().splitlines()
inside = False
for line in lines:
    if re.match(r"\s*-\s*pip:\s*$", line):
        inside = True
        continue
    if inside:
        if re.match(r"\s*#", line) or not line.strip():
            continue
        m = re.match(r"\s+-\s+(.+?)\s*$", line)
        if not m:
            break
        print(m.group(1))
PY
)
  echo "installing Python packages: ${pkgs[*]}" >&2
  local started=$SECONDS
  python3 -m pip install --quiet "${pkgs[@]}"
  python3 scripts/stage_costs.py record python_packages $((SECONDS - started))
}

# The kernelspec starts evcxr with MIMALLOC_ALLOW_THP=0. evcxr's allocator, mimalloc, asks for transparent huge pages
# (madvise), and rust-analyzer inside the kernel fills about 1.5 GB within seconds. On a virtual machine that hands
# freed memory back to its host (free page reporting, as on the machines measured here), a huge page costs far more
# to fault in than the 4 KB pages it holds: through the classroom's warm-up the kernel's process spent 3.1-7.6 s of
# CPU in the operating system with huge pages and 0.9-1.0 s without (docs/classroom.md, "Huge pages off"). mimalloc
# then disables them for the kernel's process (prctl), and its children (cargo, rustc, the cells' process) inherit
# that. Added once: a value already set, for instance "1" to keep huge pages, is left alone (the kernelspec's env
# overrides the environment a kernel is started with, so kernel.json is where to change it). The classroom build
# copies this kernelspec, and sets the same default in its copy.
kernel_without_huge_pages() {
  python3 - <<'PY'
import json, os, subprocess, sys
# The kernelspec that kernels started here get: the first "rust" on Jupyter's path.
specs = json.loads(subprocess.run([sys.executable, "-m", "jupyter", "kernelspec", "list", "--json"],
                                  capture_output=True, text=True, check=True).stdout)["kernelspecs"]
path = os.path.join(specs["rust"]["resource_dir"], "kernel.json")
with open(path) as f:
    spec = json.load(f)
env = spec.get("env") or {}
if env.get("MIMALLOC_ALLOW_THP"):  # an empty value is mimalloc's default (huge pages on), so not a choice
    sys.exit(0)
spec["env"] = {**env, "MIMALLOC_ALLOW_THP": "0"}
try:
    with open(path + ".new", "w") as f:
        json.dump(spec, f, indent=1)
    os.replace(path + ".new", path)
except OSError as error:
    print(f"setup: could not add MIMALLOC_ALLOW_THP=0 to {path} ({error}); kernels started from it use huge pages",
          file=sys.stderr)
PY
}

kernel() {
  if ! scripts/evcxr/install.sh --check; then
    local started=$SECONDS
    # evcxr_jupyter 0.22.0 with scripts/evcxr/analysis.patch (the script says why).
    scripts/evcxr/install.sh
    python3 scripts/stage_costs.py record kernel_install $((SECONDS - started))
  fi
  if ! python3 -m jupyter kernelspec list 2>/dev/null | grep '^ *rust ' >/dev/null; then
    evcxr_jupyter --install
  fi
  kernel_without_huge_pages
  if ! rustup component list --installed 2>/dev/null | grep '^rust-src' >/dev/null; then
    rustup component add rust-src
  fi
  python3 scripts/kernel_build.py
}

browser() {
  if [ -x /usr/bin/chromium ]; then return; fi
  echo "installing Debian's chromium ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq >/dev/null
  as_root apt-get install -y -qq chromium >/dev/null
}

# JupyterHub (Python registry) and configurable-http-proxy (npm registry), for the classroom test; the proxy goes
# to /var/tmp/demystify-resnet/hub/node_modules, where scripts/hub_test.py looks for it.
hub() {
  if ! python3 -c "import jupyterhub" 2>/dev/null; then
    echo "installing jupyterhub ..." >&2
    python3 -m pip install --quiet "jupyterhub==6.1.1"
  fi
  local dir=/var/tmp/demystify-resnet/hub
  if [ ! -x "$dir/node_modules/.bin/configurable-http-proxy" ]; then
    command -v npm >/dev/null 2>&1 || { echo "npm not found: install Node.js (Debian: nodejs npm)" >&2; exit 1; }
    echo "installing configurable-http-proxy ..." >&2
    mkdir -p "$dir"
    npm install --silent --no-audit --no-fund --prefix "$dir" configurable-http-proxy@5 >/dev/null
  fi
}

# repo2docker (it only writes the Dockerfile it would build: no container daemon here) and dockerfile-parse, in a
# venv of their own so that their pins never move the Jupyter packages.
recipes() {
  local dir=/var/tmp/demystify-resnet/recipes
  if [ -x "$dir/bin/repo2docker" ] && "$dir/bin/python" -c "import dockerfile_parse" 2>/dev/null; then return; fi
  echo "installing repo2docker ..." >&2
  python3 -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet "jupyter-repo2docker==2026.4.0" "dockerfile-parse==2.0.1"
}

case "${1:-notebooks}" in
  notebooks) python_side; kernel ;;
  browser) browser ;;
  hub) hub ;;
  recipes) recipes ;;
  *) echo "usage: $0 [notebooks|browser|hub|recipes]" >&2; exit 2 ;;
esac
