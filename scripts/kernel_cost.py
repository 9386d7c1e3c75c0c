#!/usr/bin/env python3
"""Where a student's kernel spends its first seconds (issue 20, item 3), on a classroom build: a new build folder
seeded from PREFIX/seed (as the hub gives each student), a new evcxr kernel in it, and notebook 01's code cells
run in order up to its first table, each timed from the moment the kernel was asked to start.

Usage: python3 scripts/kernel_cost.py [--prefix /var/tmp/demystify-resnet/classroom] [--runs 3] [--json OUT]
                                     [--kernel rust] [--warm | --plain-crate] [--layer DIR]

--warm measures what a student's server gives with warm kernels (deploy/warm_kernels.py, configured by the classroom
build in PREFIX/etc/jupyter): the server's kernel manager warms a kernel up first (timed separately), and the clock
starts when the notebook asks for its kernel. The kernel's build folder is then the one the classroom's kernelspec
gives it (PREFIX/kernels/<user>/<kernel id>).

--plain-crate loads the crate itself instead of its shared-library form (dylib/), as the notebooks did before
2026-12-03: the same cells, each linked against the crate's static libraries.

After the first table each run times one more cell with nothing to compute (`let floor = 1u32;`): evcxr's cost of
a cell (rust-analyzer, cargo, rustc, the link, loading it).

Prints one line per run: the linker evcxr chose (mold, then lld, when installed; else the system's cc), kernel
ready, then each cell's seconds, the total to the first table, the CPU seconds the kernel process (all its threads)
and the cargo and rustc runs it waited for had used by then, how long seeding took, the student's disk beyond the
seed after the run, and the dependencies the kernel compiled (none is the target). Nothing else should run
meanwhile.
"""
import argparse, asyncio, json, os, shutil, subprocess, sys, time
from pathlib import Path

from jupyter_client import KernelManager
from jupyter_core.paths import jupyter_runtime_dir

from process_table import cpu_seconds  # scripts/, this script's folder

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


PLAIN_CRATE_SWAP = ('package = "demystify-resnet-dylib", path = "{prefix}/crate/dylib"',
                    'package = "demystify-resnet", path = "{prefix}/crate"')


# A cell that computes nothing, timed after the first table.
FLOOR_CELL = "let floor = 1u32;"


def ok(reply: dict, code: str) -> None:
    """Stops the measurement at a cell that failed."""
    if reply["content"]["status"] != "ok":
        raise SystemExit(f"cell failed: {code[:60]!r}: {reply['content']}")


def compiled_rlibs(folder: Path, seeded: set[str]) -> list[str]:
    """Dependencies this kernel compiled: .rlib files that were not in the seed, or that are no longer the seed's
    (seeding links each one to the seed's file, and a rebuild replaces the link with a file). Cells build a cdylib,
    not an .rlib, so any such .rlib is a dependency built again."""
    return sorted({p.name for p in folder.rglob("*.rlib") if p.name not in seeded or not p.is_symlink()})


def disk(prefix: Path, folder: Path, layer: Path | None) -> dict:
    """The kernel's disk: its folder beyond the seed (du counts a file linked twice once, under the first folder it
    meets; a symbolic link counts as itself), and, in a container's file system (scripts/container_test.py), all that
    was written to the container's writable layer so far."""
    du = subprocess.run(["du", "-s", "-B1", str(prefix / "seed"), str(folder)], capture_output=True, text=True)
    figures = {"bytes_beyond_seed": int(du.stdout.splitlines()[1].split()[0])}
    if layer is not None:
        du = subprocess.run(["du", "-s", "-B1", str(layer)], capture_output=True, text=True, check=True)
        figures["bytes_in_layer"] = int(du.stdout.split()[0])
    return figures


def run(prefix: Path, folder: Path, kernel: str, plain_crate: bool = False, layer: Path | None = None) -> dict:
    shutil.rmtree(folder, ignore_errors=True)
    t = time.time()
    subprocess.run(["bash", str(ROOT / "scripts" / "classroom.sh"), "seed", str(folder), str(prefix)], check=True)
    seeded = time.time() - t
    rlibs_before = {p.name for p in folder.rglob("*.rlib")}
    cells = cells_to_first_table(prefix / "notebooks" / NOTEBOOK)
    if plain_crate:
        dylib, plain = (text.format(prefix=prefix) for text in PLAIN_CRATE_SWAP)
        assert dylib in cells[0], cells[0]
        cells[0] = cells[0].replace(dylib, plain)
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
            ok(kc.execute_interactive(code, timeout=600, output_hook=lambda m: None), code)
            record["cells"].append({"code": code.splitlines()[0][:50], "seconds": time.time() - t})
        record["first_table"] = time.time() - started
        record["kernel_cpu"] = cpu_seconds(km.provisioner.process.pid)
        t = time.time()
        ok(kc.execute_interactive(FLOOR_CELL, timeout=600, output_hook=lambda m: None), FLOOR_CELL)
        record["floor_cell"] = time.time() - t
        linker = []
        kc.execute_interactive(":linker", timeout=60,
                               output_hook=lambda m: linker.append(m["content"].get("text", "")
                                                                   or m["content"].get("data", {}).get("text/plain", "")))
        record["linker"] = "".join(linker).strip()
        record["seed_seconds"] = seeded
        record["rlibs_compiled"] = compiled_rlibs(folder, rlibs_before)
        record.update(disk(prefix, folder, layer))
        return record
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        shutil.rmtree(folder, ignore_errors=True)


def warm_run(prefix: Path, kernel: str, layer: Path | None = None) -> dict:
    """One run with a warm kernel: a WarmKernelManager configured as the students' servers are, its pool filled
    (timed), then a notebook's request for a kernel and notebook 01's cells up to its first table."""
    from traitlets.config.loader import PyFileConfigLoader
    config = PyFileConfigLoader("jupyter_server_config.py", path=str(prefix / "etc" / "jupyter")).load_config()
    from demystify_warm_kernels import WarmKernelManager  # on sys.path through the config file

    user = f"kernel-cost-{os.getpid()}"
    env = {k: v for k, v in os.environ.items() if k != "EVCXR_TMPDIR"}
    os.environ.clear()
    # The classroom's kernelspec (installed in sys.prefix), as a student's server finds it: a student's HOME holds no
    # kernelspec of its own, while this machine's user may have evcxr's plain one in theirs.
    os.environ.update(env, JUPYTERHUB_USER=user, CARGO_NET_OFFLINE="true",
                      JUPYTER_PATH=os.path.join(sys.prefix, "share", "jupyter"))
    cells = cells_to_first_table(prefix / "notebooks" / NOTEBOOK)
    seed_rlibs = {p.name for p in (prefix / "seed").rglob("*.rlib")}

    async def go() -> dict:
        config.WarmKernelManager.warm_kernel_name = kernel
        # Connection files in Jupyter's runtime folder, as jupyter_server gives its kernel manager (without it the
        # manager writes them to the working folder, which a student may not be able to write).
        os.makedirs(jupyter_runtime_dir(), exist_ok=True)
        manager = WarmKernelManager(config=config, root_dir=str(prefix / "notebooks"),
                                    connection_dir=jupyter_runtime_dir())
        t = time.time()
        manager._fill()  # what the server's event loop calls first; filled here, so that no failure is missed
        pool = list(manager._pool)
        if not pool:
            raise SystemExit("kernel_cost: the classroom's configuration has no warm-up cells")
        await asyncio.gather(*pool, return_exceptions=True)
        failed = [f.exception() for f in pool if f.exception() is not None]
        if failed:
            raise SystemExit(f"kernel_cost: the warm-up failed: {failed[0]!r}")
        record = {"warm_up": time.time() - t, "cells": []}
        started = time.time()
        kernel_id = await manager.start_kernel(kernel_name=kernel, path="")
        client = manager.get_kernel(kernel_id).client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=300)
            record["kernel_ready"] = time.time() - started
            for code in cells:
                t = time.time()
                ok(await client.execute_interactive(code, timeout=600, output_hook=lambda m: None), code)
                record["cells"].append({"code": code.splitlines()[0][:50], "seconds": time.time() - t})
            record["first_table"] = time.time() - started
            record["kernel_cpu"] = cpu_seconds(manager.get_kernel(kernel_id).provisioner.process.pid)
            variables = []
            await client.execute_interactive(":vars", timeout=60, output_hook=lambda m: variables.append(
                m["content"].get("data", {}).get("text/plain", "")))
            record["variables"] = "".join(variables).strip()
            t = time.time()
            ok(await client.execute_interactive(FLOOR_CELL, timeout=600, output_hook=lambda m: None), FLOOR_CELL)
            record["floor_cell"] = time.time() - t
        finally:
            client.stop_channels()
            folder = prefix / "kernels" / user / f"kernel-{kernel_id}"
            record["rlibs_compiled"] = compiled_rlibs(folder, seed_rlibs)
            record.update(disk(prefix, folder, layer))
            await manager.shutdown_all(now=True)
            shutil.rmtree(prefix / "kernels" / user, ignore_errors=True)
        return record

    try:
        return asyncio.run(go())
    finally:
        os.environ.clear()
        os.environ.update(env)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prefix", type=Path, default=Path("/var/tmp/demystify-resnet/classroom"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--kernel", default="rust",
                    help="the kernelspec (e.g. one pointing at another evcxr build; give it the course's kernelspec "
                         "env, MIMALLOC_ALLOW_THP=0, or the comparison mixes in huge pages)")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--warm", action="store_true", help="a warm kernel from the students' server's kernel manager")
    mode.add_argument("--plain-crate", action="store_true", help="the crate itself, not its shared library (dylib/)")
    ap.add_argument("--layer", type=Path, help="the writable layer of an overlay mounted over PREFIX: also record "
                    "what was written to it (scripts/container_test.py)")
    args = ap.parse_args()
    if not (args.prefix / "seed" / "target").is_dir():
        print(f"no classroom build at {args.prefix}: run scripts/classroom.sh build {args.prefix}", file=sys.stderr)
        return 1
    records = []
    for i in range(args.runs):
        if args.warm:
            r = warm_run(args.prefix, args.kernel, args.layer)
            head = (f"warm kernel: warmed up in {r['warm_up']:.1f} s; then, from the notebook's request: kernel ready "
                    f"{r['kernel_ready']:.1f} s")
            tail = (f"first table {r['first_table']:.1f} s after the request; variables left by the warm-up and the "
                    f"cells: {r['variables']!r}")
        else:
            r = run(args.prefix, args.prefix / "students" / f"kernel-cost-{i}", args.kernel, args.plain_crate, args.layer)
            head = (f"{'plain crate' if args.plain_crate else 'dylib/'}, {r['linker']}: kernel ready "
                    f"{r['kernel_ready']:.1f} s")
            tail = (f"first table {r['first_table']:.1f} s after the kernel was started; seeded in "
                    f"{r['seed_seconds']:.2f} s")
        tail += (f"; {r['kernel_cpu']:.1f} s of CPU in the kernel and its compiles by then"
                 + (" (the warm-up's included)" if args.warm else "") + f"; then an empty cell {r['floor_cell']:.2f} s")
        records.append(r)
        print("; ".join([head, *(f"{c['code']!r} {c['seconds']:.1f} s" for c in r["cells"]), tail])
              + f"; {r['bytes_beyond_seed'] / 1e6:.0f} MB beyond the seed after the run, "
              f"{len(r['rlibs_compiled'])} dependencies compiled {r['rlibs_compiled'][:5]}"
              + (f"; {r['bytes_in_layer'] / 1e6:.0f} MB written to the writable layer" if args.layer else ""),
              flush=True)
    if args.json:
        args.json.write_text(json.dumps(records, indent=1))
    return 0

if __name__ == "__main__":
    sys.exit(main())
