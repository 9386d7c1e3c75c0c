"""The student's edit–run loop, measured: in a warm kernel, change the depth list of notebook 03's sweep cell and
re-run that cell; the time until the cell has finished and its new figure is in the output.

Usage: python3 scripts/edit_loop.py   (quick mode; uses the same EVCXR_TMPDIR as scripts/run_notebooks.py, so run
it after, never during, another kernel on that folder)

Runs notebook 03's cells up to and including the sweep once (set-up: the kernel loads the crate and compiles the
sweep cell for the first time), then replaces the sweep cell's depth list three times and times each re-run.
Prints one line per step and fails if a re-run does not show exactly one figure.
"""
import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

import kernel_build

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "03_condition_number_vs_depth.ipynb"
EDITS = ["vec![1, 2, 4, 8]", "vec![1, 3, 9, 27]", "vec![2, 4, 6, 8, 10]"]


def figures(cell) -> int:
    return sum(1 for o in cell.outputs if "application/vnd.plotly.v1+json" in o.get("data", {}))


def main():
    os.environ["DEMYSTIFY_QUICK"] = "1"
    kernel_build.prepare()
    nb = nbformat.read(NOTEBOOK, as_version=4)
    sweep_index = next(i for i, c in enumerate(nb.cells)
                       if c.cell_type == "code" and "condition_vs_depth(&cfg)" in c.source)
    sweep = nb.cells[sweep_index]
    assert "let cfg =" in sweep.source, "the sweep cell changed: update EDITS' template"
    client = NotebookClient(nb, kernel_name="rust", timeout=1800,
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    with client.setup_kernel():
        start = time.time()
        for i in range(sweep_index):
            if nb.cells[i].cell_type == "code":
                client.execute_cell(nb.cells[i], i)
        set_up = time.time() - start
        start = time.time()
        client.execute_cell(sweep, sweep_index)
        print(f"set-up cells (kernel loads the crate): {set_up:.1f} s; first run of the sweep cell: "
              f"{time.time() - start:.1f} s", flush=True)
        original = sweep.source
        for depths in EDITS:
            # What a student types: make the config mutable and set its depths before the sweep.
            sweep.source = original.replace("let cfg =", "let mut cfg =", 1) \
                .replace("let cond =", f"cfg.depths = {depths};\nlet cond =", 1)
            start = time.time()
            client.execute_cell(sweep, sweep_index)
            elapsed = time.time() - start
            if figures(sweep) != 1:
                raise SystemExit(f"after editing the depths to {depths} the cell shows {figures(sweep)} figures")
            print(f"edited the depths to {depths}: re-run until the new figure is shown {elapsed:.1f} s", flush=True)


if __name__ == "__main__":
    main()
