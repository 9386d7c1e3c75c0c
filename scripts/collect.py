#!/usr/bin/env python3
"""The teacher's roll-up: every student's notebooks run headless with the student's own answers, and one CSV with
a row per student, notebook and exercise (what nbgrader's autograde gives a Python course).

Usage: scripts/collect.py SUBMISSIONS_DIR [--notebook NAME ...] [--out rollup.csv] [--quick] [--crate PATH] [--course DIR]
                          [--timeout SECONDS]

SUBMISSIONS_DIR holds one folder per student with their saved notebooks (`SUBMISSIONS_DIR/<student>/*.ipynb`, for
example each student's `notebooks/` copied out of their hub home). Each notebook is executed from the top on the
evcxr kernel, one kernel at a time (they share the build folder EVCXR_TMPDIR, which must not be used by two kernels
at once), with `allow_errors`: a failing cell is recorded and the run goes on, as nbgrader does. The notebooks share
a kernel, cleared between them as in the report build (run_notebooks.FolderKernel: each starts with nothing defined,
and only the first waits for the kernel's first analysis of the crate): one kernel for all when every `:dep` path is
absolute (the image's notebooks, or `--crate`), else one per student (a relative path is resolved from the student's
folder). A notebook that killed its kernel, timed out, or ran an evcxr command other than `:dep` (`:clear` keeps
evcxr's configuration, `:opt` and the like) leaves the next notebook a fresh kernel.

Columns:
  student, notebook, exercise   e.g. `ada`, `03_condition_number_vs_depth`, `3.1`
  verdict                       correct | not yet | not attempted (from the checker), or not checked (the checker
                                did not run: the cell failed, was deleted, or the kernel died)
  hint                          what the checker said (its hint for "not yet")
  error                         why a verdict is "not checked"

Which exercises a notebook has comes from the course's notebook of the same name (`--course`, default the
repository's notebooks/): an answer cell is a code cell that binds `answer_<chapter>_<number>`. The verdict is read
from the checker's output as data (MIME type application/vnd.demystify-resnet.feedback+json), not from its HTML.
"""
import argparse, csv, json, os, re, sys, time
from pathlib import Path

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kernel_build
from run_notebooks import FolderKernel, FolderKernels

ROOT = Path(__file__).resolve().parent.parent
FEEDBACK_MIME = "application/vnd.demystify-resnet.feedback+json"
ANSWER = re.compile(r"\blet\s+(?:mut\s+)?answer_(\d+)_(\d+)\b")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
DEP = re.compile(r'(:dep demystify_resnet = \{[^}]*path = ")([^"]*)(")')
COLUMNS = ["student", "notebook", "exercise", "verdict", "hint", "error"]


def exercises_of(nb) -> list[tuple[str, int]]:
    """(exercise id, code-cell index) of every answer cell of a notebook, in order."""
    found, code = [], -1
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        code += 1
        m = ANSWER.search(cell.source)
        if m:
            found.append((f"{m.group(1)}.{m.group(2)}", code))
    return found


def error_text(outputs: list) -> str:
    """The first error a cell showed, one line, without colour codes."""
    for o in outputs:
        if o.get("output_type") == "error":
            said = " ".join([o.get("evalue", "")] + list(o.get("traceback", [])))
            return " ".join(ANSI.sub("", said).split())[:300]
    return ""


def feedback_of(outputs: list) -> dict | None:
    """The checker's verdict `{"verdict", "message"}` among a cell's outputs (its FEEDBACK_MIME entry, which
    Jupyter may carry as a JSON object or as its text), or None."""
    data = next((o["data"][FEEDBACK_MIME] for o in outputs if FEEDBACK_MIME in o.get("data", {})), None)
    return data if data is None or isinstance(data, dict) else json.loads(data)


def verdicts(nb, expected: list[str], failure: str) -> list[dict]:
    """One row per expected exercise, read from the executed notebook `nb`. `failure` says why the run stopped
    early ('' if it ran to the end)."""
    rows, seen = [], {}
    cells = [c for c in nb.cells if c.cell_type == "code"]
    for exercise, index in exercises_of(nb):
        seen.setdefault(exercise, cells[index])
    for exercise in expected:
        cell = seen.get(exercise)
        row = {"exercise": exercise, "verdict": "not checked", "hint": "", "error": ""}
        if cell is None:
            row["error"] = "the answer cell is missing"
        else:
            feedback = feedback_of(cell.get("outputs", []))
            if feedback is not None:
                row["verdict"], row["hint"] = feedback["verdict"], feedback["message"]
            elif cell.get("execution_count") is None:
                row["error"] = f"not run: {failure}" if failure else "not run"
            else:
                row["error"] = error_text(cell.get("outputs", [])) or "the cell showed no verdict"
        rows.append(row)
    return rows


def with_crate(nb, crate: str | None):
    """`nb` with its `:dep` cells loading PATH/dylib, when `--crate PATH` is given."""
    if crate:
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.source = DEP.sub(lambda m: m.group(1) + crate.rstrip("/") + "/dylib" + m.group(3), cell.source)
    return nb


def kernel_folder(nb, student: Path, submissions: Path) -> Path:
    """Where the notebook's kernel starts: the submissions folder (one kernel for all) when every `:dep` path in it
    is absolute, else the student's folder, from which a relative path is resolved."""
    paths = [m.group(2) for cell in nb.cells if cell.cell_type == "code" for m in DEP.finditer(cell.source)]
    return submissions if paths and all(Path(p).is_absolute() for p in paths) else student


def configures_the_kernel(nb) -> bool:
    """Whether a cell runs an evcxr command other than `:dep` (`:opt`, `:timing`, ...): `:clear` keeps those."""
    return any(line.lstrip().startswith(":") and not line.lstrip().startswith(":dep ")
               for cell in nb.cells if cell.cell_type == "code" for line in cell.source.splitlines())


def grade(nb, expected: list[str], kernel: FolderKernel) -> list[dict]:
    """Runs one student's notebook from the top on `kernel` and returns its rows (without the student and notebook)."""
    failure = ""
    try:
        kernel.execute(nb, allow_errors=True)
    except DeadKernelError:
        failure = "the kernel died"
    except CellTimeoutError:
        failure = f"a cell ran longer than {kernel.timeout} s"
    except Exception as e:  # a notebook that cannot start (no kernel, unreadable) is recorded, not fatal
        failure = f"{type(e).__name__}: {e}"
    if failure or configures_the_kernel(nb):
        kernel.discard()
    return verdicts(nb, expected, failure)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("submissions", type=Path)
    ap.add_argument("--out", type=Path, default=Path("rollup.csv"))
    ap.add_argument("--course", type=Path, default=ROOT / "notebooks", help="the course's notebooks (exercise list)")
    ap.add_argument("--notebook", action="append", default=[],
                    help="grade only this notebook (its name without .ipynb; repeatable); default every course notebook")
    ap.add_argument("--crate",
                    help="the crate's folder (a copy of this repository): every notebook's :dep cell loads PATH/dylib")
    ap.add_argument("--quick", action="store_true", help="run each analysis in its small version (DEMYSTIFY_QUICK)")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    args = ap.parse_args()
    kernel_build.prepare()
    if args.quick:
        os.environ["DEMYSTIFY_QUICK"] = "1"  # the kernels inherit it
    students = sorted(p for p in args.submissions.iterdir() if p.is_dir())
    if not students:
        print(f"no student folders in {args.submissions}", file=sys.stderr)
        return 1
    rows = []
    kernels = FolderKernels(args.timeout)
    for student in students:
        for path in sorted(student.glob("*.ipynb")):
            course = args.course / path.name
            if args.notebook and path.stem not in args.notebook:
                continue
            if not course.exists():
                continue  # a notebook of the student's own, not one of the course's
            expected = [e for e, _ in exercises_of(nbformat.read(course, as_version=4))]
            if not expected:
                continue
            started = time.time()
            nb = with_crate(nbformat.read(path, as_version=4), args.crate)
            found = grade(nb, expected, kernels.of(kernel_folder(nb, student, args.submissions)))
            rows += [{"student": student.name, "notebook": path.stem} | r for r in found]
            counts = {v: sum(r["verdict"] == v for r in found) for v in ("correct", "not yet", "not attempted",
                                                                         "not checked")}
            print(f"{student.name} {path.stem}: {time.time() - started:.1f} s, "
                  + ", ".join(f"{n} {v}" for v, n in counts.items() if n), flush=True)
        kernels.shutdown(keep=args.submissions)  # a student's own kernel is done with
    kernels.shutdown()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    print(f"{len(rows)} rows for {len(students)} students: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
