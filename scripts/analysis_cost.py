"""What rust-analyzer's first analysis costs per dependency of the crate (docs/classroom.md, "The per-kernel cost").

evcxr keeps variables between cells by asking rust-analyzer, inside the kernel, for their types. For the first type it
infers, rust-analyzer collects the items of every crate the kernel's crate depends on, transitively: trait solving
looks for impls in all of them (`TraitImpls::for_crate_and_deps` in ra_ap_hir_ty). So the first analysis costs in
proportion to the dependency graph, whatever the cell computes.

This builds one small crate per dependency of demystify-resnet that dominates the graph (the dependency as
Cargo.toml declares it, versions from Cargo.lock), plus one with no dependency (the sysroot alone) and one with the
notebooks' `:dep` (`dylib/`), and runs `rust-analyzer analysis-stats` on each as evcxr loads a crate: no build
scripts, no proc-macro expansion, no type inference of the dependencies' bodies. Printed per crate: lines of
dependency code, and the seconds of loading, item-tree collection (parsing), item collection (name resolution and
macro expansion), and in all, on one core.

The rust-analyzer here is the toolchain's (`rustup component add rust-analyzer`), not the ra_ap crates built into
evcxr_jupyter 0.22: the two differ by version, so the seconds compare with each other, not with the kernel's.

Usage: python3 scripts/analysis_cost.py [--runs 1]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from measured_on import machine

ROOT = Path(__file__).resolve().parent.parent
WORK = Path("/var/tmp/demystify-resnet/analysis-cost")
HEAVY = ["polars", "plotly", "faer", "dfdx"]
PHASES = {"load": r"Database loaded:\s+([\d.]+)(ms|s)", "item trees": r"Item Tree Collection:\s+([\d.]+)(ms|s)",
          "items": r"Item Collection:\s+([\d.]+)(ms|s)", "total": r"Total:\s+([\d.]+)(ms|s)"}


def toml_value(value) -> str:
    """A Cargo.toml dependency value (a version string or an inline table) written back as TOML."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"


def variants() -> list[tuple[str, str]]:
    """(label, the [dependencies] line) per crate analysed; the declarations are the crate's own."""
    deps = tomllib.loads((ROOT / "Cargo.toml").read_text())["dependencies"]
    out = [("none (the sysroot alone)", "")]
    out += [(name, f"{name} = {toml_value(deps[name])}") for name in HEAVY]
    out.append(("`dylib/` (the notebooks' `:dep`)",
                f'demystify_resnet = {{ package = "demystify-resnet-dylib", path = "{ROOT / "dylib"}" }}'))
    return out


def analyse(folder: Path, dependency: str) -> dict:
    """Writes the crate, runs analysis-stats once; the phases' seconds and the dependencies' lines of code."""
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "src").mkdir(parents=True)
    (folder / "Cargo.toml").write_text(f'[package]\nname = "ctx"\nversion = "1.0.0"\nedition = "2024"\n\n'
                                       f'[workspace]\n\n[dependencies]\n{dependency}\n')
    shutil.copy(ROOT / "Cargo.lock", folder / "Cargo.lock")
    (folder / "src" / "lib.rs").write_text("pub fn evcxr_analysis_wrapper() { let a = 1u32; }\n")
    started = time.time()
    done = subprocess.run(["rust-analyzer", "analysis-stats", "--disable-build-scripts", "--disable-proc-macros",
                           "--skip-inference", "--skip-mir-stats", "--skip-data-layout", "--skip-const-eval", "."],
                          cwd=folder, capture_output=True, text=True, env=dict(os.environ, CARGO_NET_OFFLINE="true"))
    text = (done.stdout + done.stderr).replace("\r", "\n")
    if done.returncode != 0:
        raise RuntimeError(f"rust-analyzer analysis-stats failed in {folder}:\n{text[-2000:]}")
    row = {"wall": time.time() - started}
    for phase, pattern in PHASES.items():
        found = re.search(pattern, text)
        if found is None:
            raise RuntimeError(f"no '{phase}' line in rust-analyzer's output:\n{text[-2000:]}")
        row[phase] = float(found.group(1)) / (1000 if found.group(2) == "ms" else 1)
    lines = re.search(r"dependency lines of code:\s+([\d_]+)", text)
    row["lines"] = int(lines.group(1).replace("_", "")) if lines else None
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1, help="runs per crate (each row is one run)")
    args = ap.parse_args()
    if shutil.which("rust-analyzer") is None:
        print("rust-analyzer not found: rustup component add rust-analyzer", file=sys.stderr)
        return 1
    version = subprocess.run(["rust-analyzer", "--version"], capture_output=True, text=True).stdout.strip()
    print(f"{version} on {machine()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; seconds, one core\n")
    print("| the crate depends on | lines of code behind it (sysroot included) | load | item trees | items | total |\n|---|---|---|---|---|---|")
    for n, (label, dependency) in enumerate(variants()):
        for _ in range(args.runs):
            row = analyse(WORK / f"crate{n}", dependency)
            print(f"| {label} | {row['lines']:,} | {row['load']:.1f} | {row['item trees']:.1f} | {row['items']:.1f} | "
                  f"{row['total']:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
