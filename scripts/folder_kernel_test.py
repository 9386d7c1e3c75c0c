"""The notebooks of a report build share one kernel per folder (run_notebooks.FolderKernel), and none sees another's.

Usage: python3 scripts/folder_kernel_test.py

Two small notebooks in a temporary folder, run one after the other on one FolderKernel: the first defines a
variable, a function and a `use`; the second must find none of them (each cell must fail with evcxr's "cannot find"
error), on the same kernel process. Then a notebook runs cleanly there; one kills the kernel (DeadKernelError), and
the next must get a fresh kernel and run. Exits 1 with the failed check named.
Part of `make test` (check-test-reports); needs the evcxr kernel (scripts/setup.sh notebooks), not the crate.
"""
import sys, tempfile
from pathlib import Path

import nbformat
from nbclient.exceptions import CellExecutionError, DeadKernelError

from run_notebooks import FolderKernel

FIRST = ["let leftover = 41u32;", "fn helper() -> u32 { 1 }", "use std::collections::BTreeMap as Leftover;"]
LEFT_OVER = ["leftover", "helper()", "Leftover::<u32, u32>::new().len()"]
# The cells run in a child process of the kernel (evcxr_jupyter): this one kills its parent.
KILL_THE_KERNEL = """let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
let parent = stat.rsplit(')').next().unwrap().split_whitespace().nth(1).unwrap().to_string();
std::process::Command::new("kill").args(["-9", &parent]).status().unwrap();"""


def notebook(*cells: str):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])


def fail(message: str) -> None:
    print(f"FAIL: {message}", file=sys.stderr)
    raise SystemExit(1)


def main():
    with tempfile.TemporaryDirectory(prefix="folder-kernel-") as folder:
        kernel = FolderKernel(Path(folder), timeout=600)
        try:
            kernel.execute(notebook(*FIRST))
            pid = kernel.km.provisioner.process.pid
            for code in LEFT_OVER:
                nb = notebook(code)
                try:
                    kernel.execute(nb)
                    fail(f"`{code}` ran in the next notebook: the previous notebook's definitions were still there")
                except CellExecutionError:
                    # evcxr's error is in the cell's output (nbclient's exception carries an empty evalue)
                    evalue = " ".join(o.get("evalue", "") for o in nb.cells[0].outputs)
                    if "cannot find" not in evalue:
                        fail(f"`{code}` failed, but not for want of the definition: {evalue!r}")
            if kernel.km.provisioner.process.pid != pid:
                fail("the notebooks did not run on one kernel process")
            nb = notebook("let fresh = 2u32;", "fresh + 1")
            kernel.execute(nb)
            result = nb.cells[1].outputs[0]["data"]["text/plain"]
            if result != "3":
                fail(f"a notebook after the cleared ones computed {result!r}, not 3")
            try:
                kernel.execute(notebook(KILL_THE_KERNEL))
                fail("a notebook that killed its kernel was not reported as such")
            except DeadKernelError:
                pass
            nb = notebook("let fresh = 2u32;", "fresh + 1")
            kernel.execute(nb)
            if kernel.km.provisioner.process.pid == pid or nb.cells[1].outputs[0]["data"]["text/plain"] != "3":
                fail("the notebook after a dead kernel did not get a fresh kernel that works")
        finally:
            kernel.shutdown()
    print(f"PASS: notebooks on one kernel (pid {pid}) saw none of the first one's variable, function or `use`; "
          f"after a notebook killed it, the next got a fresh kernel")


if __name__ == "__main__":
    main()
