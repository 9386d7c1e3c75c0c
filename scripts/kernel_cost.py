#!/usr/bin/env python3
"""Where a student's kernel spends its first seconds (issue 20, item 3), on a classroom build: a new build folder
seeded from PREFIX/seed (as the hub gives each student), a new evcxr kernel in it, and notebook 01's code cells
run in order up to its first table, each timed from the moment the kernel was asked to start.

Usage: python3 scripts/kernel_cost.py [--prefix /var/tmp/demystify-resnet/classroom] [--runs 3] [--json OUT]
                                     [--kernel rust]

Prints one line per run: the linker evcxr chose (mold, then lld, when installed; else the system's cc), kernel
ready, then each cell's seconds, the total to the first table, how long seeding took, the student's disk beyond the
seed after the run, and the dependencies the kernel compiled (none is the target). Nothing else should run
meanwhile.
"""
import argparse, json, os, shutil, subprocess, sys, time
from pathlib import Path

from jupyter_client import KernelManager

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "01_residual_blocks.ipynb"


def cells_to_first_table(notebook: Path) -> list[str]:
    """The code cells of the notebook up to and including the first one that shows a Table."""
    nb = json.loads(notebook.read_text())
    cells = []
    for c in nb["cells"]:
        if c["cell_type"] != "code":
            continue
        src = c["source"] if isinstance(c["source"], str) else "".join(c["source"])
        cells.append(src)
        if "Table::new" in src:
            return cells
    raise SystemExit(f"{notebook.name}: no cell shows a Table")


def run(prefix: Path, folder: Path, kernel: str) -> dict:
    shutil.rmtree(folder, ignore_errors=True)
    t = time.time()
    subprocess.run(["bash", str(ROOT / "scripts" / "classroom.sh"), "seed", str(folder), str(prefix)], check=True)
    seeded = time.time() - t
    rlibs_before = {p.name for p in folder.rglob("*.rlib")}
    cells = cells_to_first_table(prefix / "notebooks" / NOTEBOOK)
    km = KernelManager(kernel_name=kernel)
    started = time.time()
    km.start_kernel(env=dict(os.environ, EVCXR_TMPDIR=str(folder), CARGO_NET_OFFLINE="true"),
                     cwd=str(prefix / "notebooks"))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=300)
        record = {"kernel_ready": time.time() - started, "cells": []}
        for code in cells:
            t = time.time()
            reply = kc.execute_interactive(code, timeout=600, output_hook=lambda m: None)
            if reply["content"]["status"] != "ok":
                raise SystemExit(f"cell failed: {code[:60]!r}: {reply['content']}")
            record["cells"].append({"code": code.splitlines()[0][:50], "seconds": time.time() - t})
        record["first_table"] = time.time() - started
        linker = []
        kc.execute_interactive(":linker", timeout=60,
                               output_hook=lambda m: linker.append(m["content"].get("text", "")
                                                                   or m["content"].get("data", {}).get("text/plain", "")))
        record["linker"] = "".join(linker).strip()
        record["seed_seconds"] = seeded
        # Dependencies compiled by this kernel: .rlib files that were not in the seed (cells build a cdylib, not
        # an .rlib, so any new .rlib is a dependency rebuilt).
        record["rlibs_compiled"] = sorted({p.name for p in folder.rglob("*.rlib")} - rlibs_before)
        # Disk beyond the seed: du counts a hard-linked file once, under the first folder it meets.
        du = subprocess.run(["du", "-s", "-B1", str(prefix / "seed"), str(folder)], capture_output=True, text=True)
        record["bytes_beyond_seed"] = int(du.stdout.splitlines()[1].split()[0])
        return record
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prefix", type=Path, default=Path("/var/tmp/demystify-resnet/classroom"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--kernel", default="rust", help="the kernelspec (e.g. one pointing at another evcxr build)")
    args = ap.parse_args()
    if not (args.prefix / "seed" / "target").is_dir():
        print(f"no classroom build at {args.prefix}: run scripts/classroom.sh build {args.prefix}", file=sys.stderr)
        return 1
    records = []
    for i in range(args.runs):
        r = run(args.prefix, args.prefix / "students" / f"kernel-cost-{i}", args.kernel)
        records.append(r)
        print(f"linker {r['linker']}: kernel ready {r['kernel_ready']:.1f} s; "
              + "; ".join(f"{c['code']!r} {c['seconds']:.1f} s" for c in r["cells"])
              + f"; first table {r['first_table']:.1f} s after the kernel was started; seeded in "
              f"{r['seed_seconds']:.2f} s, {r['bytes_beyond_seed'] / 1e6:.0f} MB beyond the seed after the run, "
              f"{len(r['rlibs_compiled'])} dependencies compiled {r['rlibs_compiled'][:5]}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(records, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
