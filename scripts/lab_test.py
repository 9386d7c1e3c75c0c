"""The JupyterLab path, tested the way people take it (part of `make test`): start JupyterLab on 127.0.0.1, open a
notebook through the lab UI in headless Chromium, choose Run ▸ Run All Cells from the menu bar, wait until every
code cell has run and the kernel is idle, then check what the page shows: as many figures drawn (plotly's
svg.main-svg inside each .js-plotly-plot) and as many tables as the nbclient run of the same notebook produced
(OUT/executed/<name>.ipynb, from scripts/run_notebooks.py; without it: at least one of each), and no error or
stderr output other than progress lines. A screenshot of the first figure goes to OUT/screenshots/lab_<name>.png.

Usage: python3 scripts/lab_test.py [--out reports/test] [--timeout 1200] [--full] [--expect-progress NOTEBOOK]...
                                  [--classroom PREFIX [--restart]] NOTEBOOK...

--classroom PREFIX runs the lab as a student's server on a classroom build (scripts/classroom.sh build): its
jupyter_server configuration (PREFIX/etc/jupyter: warm kernels, deploy/warm_kernels.py), its kernelspec (every
kernel in a build folder of its own under PREFIX/kernels/<user>) and its copy of the notebook (the `:dep` on
PREFIX/crate/dylib). --restart then does what a student does to start over: Kernel ▸ Restart Kernel and Run All
Cells, confirmed in the lab's dialog. The notebook must run to the end again with the same figures and tables, and
the kernel, idle when restarted, must be cleared rather than replaced: the same evcxr process before and after,
running the cells in a new process of its own (what evcxr's `:clear` does).

While the notebook runs, the page is sampled every 2 s for the crate's `progress: …` lines (standard output in a
kernel, shown live under the running cell like printed text); the first sighting is saved as
OUT/screenshots/lab_<name>_progress.png, a notebook named in --expect-progress fails if none was shown, and any
notebook fails if a progress line is drawn as standard error (JupyterLab paints stderr red, so a student would
read progress as an error).

The notebook is copied into a scratch folder (JupyterLab may autosave it; the committed notebook stays
untouched), with its `:dep … path = "../dylib"` pointing at this repository. The lab gets its own settings (every cell
rendered, so hidden cells are counted too; no autosave; no news or update checks: nothing leaves the machine) and
runs in quick mode (DEMYSTIFY_QUICK=1) with the same EVCXR_TMPDIR as scripts/run_notebooks.py, so it reuses that
build. evcxr uses that folder as its workspace, so two live kernels on it break each other (the second one's
cells never run): each notebook's kernel is shut down through the server's REST API, and its process gone, before
the next notebook opens. Run it after, never during, another kernel on that folder (README: one kernel at a time).
Exits non-zero on any failure.
"""
import argparse
import json
import os
import secrets
import signal
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

import kernel_build
from check_reports import chromium_path, expected_figures
from process_table import parent_pid, processes_with

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(scratch: Path, name: str) -> Path:
    """Copies notebooks/<name>.ipynb into scratch/notebooks with its crate dependency made absolute."""
    source = ROOT / "notebooks" / f"{name}.ipynb"
    nb = json.loads(source.read_text())
    for cell in nb["cells"]:
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and text.startswith(":dep") and 'path = "../dylib"' in text:
            cell["source"] = text.replace('path = "../dylib"', f'path = "{ROOT}/dylib"')
    target = scratch / "notebooks" / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(nb, indent=1, ensure_ascii=False))
    return target


def prepare_classroom(scratch: Path, name: str, prefix: Path) -> Path:
    """Copies the classroom's PREFIX/notebooks/<name>.ipynb (its `:dep` already absolute) into scratch/notebooks."""
    target = scratch / "notebooks" / f"{name}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(prefix / "notebooks" / f"{name}.ipynb", target)
    return target


def start_lab(scratch: Path, port: int, token: str, quick: bool = True, classroom: Path | None = None,
              user: str = "") -> subprocess.Popen:
    settings = scratch / "lab-settings"
    for rel, value in SETTINGS.items():
        path = settings / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(scratch / "lab-workspaces"))
    if quick:
        env["DEMYSTIFY_QUICK"] = "1"
    else:
        env.pop("DEMYSTIFY_QUICK", None)
    if classroom is None:
        env["EVCXR_TMPDIR"] = str(kernel_build.prepare())
    else:
        # A student's server: the classroom's configuration and kernelspec (ahead of this machine user's own), and the
        # kernels' build folders under PREFIX/kernels/<user>.
        env.pop("EVCXR_TMPDIR", None)
        env.update(JUPYTER_CONFIG_PATH=str(classroom / "etc" / "jupyter"), JUPYTERHUB_USER=user,
                   JUPYTER_PATH=os.path.join(sys.prefix, "share", "jupyter"), CARGO_NET_OFFLINE="true")
    log = open(scratch / "lab.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--ServerApp.token={token}", f"--ServerApp.root_dir={scratch}", "--ServerApp.open_browser=False",
         "--LabApp.news_url="] + (["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        cwd=scratch, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"JupyterLab exited early; see {scratch / 'lab.log'}:\n{(scratch / 'lab.log').read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("JupyterLab did not start within 120 s")


def expected_tables(executed: Path) -> int:
    """Number of <table> elements in the HTML outputs of the nbclient run (the lab renders the same HTML)."""
    nb = json.loads(executed.read_text())
    return sum("".join(o["data"]["text/html"]).count("<table") for c in nb["cells"] if c["cell_type"] == "code"
               for o in c.get("outputs", []) if "text/html" in o.get("data", {}))


def api(port: int, token: str, path: str, method: str = "GET"):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                     headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=120) as response:
        body = response.read()
    return json.loads(body) if body else None


def kernel_pids() -> set[int]:
    return set(processes_with("evcxr_jupyter"))


def kernel_processes() -> tuple[set[int], set[int]]:
    """(the evcxr kernels' own processes, the processes they run their cells in): evcxr runs a kernel's cells in a
    child process of the same binary, and `:clear` replaces that child only."""
    pids = kernel_pids()
    kernels = {p for p in pids if parent_pid(p) not in pids}
    return kernels, pids - kernels


def shut_down_kernels(port: int, token: str, before: set[int]) -> None:
    """Shuts every kernel of the lab down and waits until their evcxr processes are gone (one workspace, one kernel)."""
    for session in api(port, token, "/api/sessions"):
        api(port, token, f"/api/sessions/{session['id']}", "DELETE")
    for kernel in api(port, token, "/api/kernels"):
        api(port, token, f"/api/kernels/{kernel['id']}", "DELETE")
    deadline = time.time() + 60
    while kernel_pids() - before:
        if time.time() > deadline:
            raise SystemExit(f"evcxr kernels still running 60 s after shut-down: {sorted(kernel_pids() - before)}")
        time.sleep(0.5)


def stop_lab(lab: subprocess.Popen) -> None:
    """Stops the server and everything it started: a server left running restarts its kernels when they die."""
    lab.terminate()
    try:
        lab.wait(60)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(lab.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


PROGRESS = """() => {
  const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')]
    .map(p => p.textContent.trim());
  const lines = mime => [...document.querySelectorAll(`.jp-Notebook .jp-OutputArea-output[data-mime-type="${mime}"]`)]
    .flatMap(o => o.innerText.split('\\n')).filter(l => l.startsWith('progress: '));
  return {prompts, progress: lines('application/vnd.jupyter.stdout'), as_error: lines('application/vnd.jupyter.stderr'),
          busy: !!document.querySelector('.jp-Notebook [data-status="busy"], .jp-mod-busy')};
}"""

OUTPUTS = """() => {
  const outs = [...document.querySelectorAll('.jp-Notebook .jp-OutputArea-output')];
  const plots = [...document.querySelectorAll('.jp-Notebook .js-plotly-plot')];
  return {
    plots: plots.length,
    drawn: plots.filter(p => p.querySelector('svg.main-svg')).length,
    tables: document.querySelectorAll('.jp-Notebook .jp-OutputArea-output table').length,
    stderr: outs.filter(o => o.getAttribute('data-mime-type') === 'application/vnd.jupyter.stderr')
                .map(o => o.innerText.trim()).filter(t => t && !t.split('\\n').every(l => l.startsWith('progress: '))),
    errors: document.querySelectorAll('.jp-Notebook .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]').length,
  };
}"""


def wait_until_run(page, timeout: int, name: str, shots: Path, progress_seen: list, progress_as_error: list) -> str | None:
    """Waits until every code cell shows an execution count and nothing is busy, sampling progress lines; returns
    a problem, or None."""
    start = time.time()
    while True:
        state = page.evaluate(PROGRESS)
        done = state["prompts"] and all(p.startswith("[") and p.endswith("]:") and p[1:-2].isdigit()
                                        for p in state["prompts"])
        if done and not state["busy"]:
            return None
        new_lines = [l for l in state["progress"] if l not in progress_seen]
        if new_lines and not progress_seen:
            page.evaluate("""() => { const o = [...document.querySelectorAll('.jp-Notebook .jp-OutputArea-output')]
                .find(e => e.innerText.includes('progress: ')); if (o) o.scrollIntoView({block: 'center'}); }""")
            page.wait_for_timeout(300)
            page.screenshot(path=str(shots / f"lab_{name}_progress.png"))
        progress_seen += new_lines
        progress_as_error += [l for l in state["as_error"] if l not in progress_as_error]
        if time.time() - start > timeout:
            page.screenshot(path=str(shots / f"lab_{name}_timeout.png"))
            return f"not finished after {timeout} s: prompts {state['prompts'][:8]}…; screenshot lab_{name}_timeout.png"
        time.sleep(2)


def restart_and_run_all(page, timeout: int, name: str, shots: Path, before: dict) -> tuple[list[str], float]:
    """Kernel ▸ Restart Kernel and Run All Cells, confirmed; the notebook must run to the end again with the outputs
    of the first run (`before`), on the same evcxr process (an idle kernel is cleared, not replaced)."""
    kernels, cell_processes = kernel_processes()
    page.click(".lm-MenuBar-item:has-text('Kernel')")
    page.click(".lm-Menu-item:has-text('Restart Kernel and Run All Cells')")
    page.wait_for_selector(".jp-Dialog .jp-mod-accept", timeout=30_000)
    page.screenshot(path=str(shots / f"lab_{name}_restart_dialog.png"))
    start = time.time()
    page.click(".jp-Dialog .jp-mod-accept")
    # The run has begun once a cell waits or runs again ([*]); the counts of the first run are numbers too.
    page.wait_for_function("() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')]"
                           ".some(p => p.textContent.includes('*'))", timeout=120_000)
    problem = wait_until_run(page, timeout, f"{name}_restart", shots, [], [])
    elapsed = time.time() - start
    if problem:
        return [f"after Restart Kernel and Run All Cells: {problem}"], elapsed
    page.wait_for_timeout(2000)  # let plotly finish drawing
    after = page.evaluate(OUTPUTS)
    page.screenshot(path=str(shots / f"lab_{name}_restarted.png"))
    problems = []
    if (after["plots"], after["drawn"], after["tables"]) != (before["plots"], before["drawn"], before["tables"]):
        problems.append(f"after the restart: {after['drawn']} of {after['plots']} figures drawn and {after['tables']} "
                        f"tables, against {before['drawn']} of {before['plots']} and {before['tables']} before")
    if after["errors"] or after["stderr"]:
        problems.append(f"after the restart: {after['errors']} error outputs; stderr: {after['stderr'][:3]}")
    kernels_after, cell_processes_after = kernel_processes()
    if kernels_after != kernels or cell_processes_after & cell_processes:
        problems.append(f"the restart did not clear the kernel: evcxr kernel processes {sorted(kernels)} before, "
                        f"{sorted(kernels_after)} after (must be the same), the processes running their cells "
                        f"{sorted(cell_processes)} before, {sorted(cell_processes_after)} after (must be new)")
    return problems, elapsed


def run_in_lab(browser, port: int, token: str, name: str, timeout: int, out_dir: Path,
               quick: bool = True, expect_progress: bool = False, restart: bool = False) -> list[str]:
    shots = out_dir / "screenshots"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    external = []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        (f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}", "data:", "blob:")) else (external.append(route.request.url), route.abort()))
    # A workspace of its own per notebook: the default one would reopen (and start kernels for) earlier notebooks.
    page.goto(f"http://127.0.0.1:{port}/lab/workspaces/lab-test-{name}/tree/notebooks/{name}.ipynb?token={token}",
              timeout=120_000)
    page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=120_000)
    # Run All only once the kernel is connected and idle (status bar "Rust | Idle"): clicked earlier, the lab
    # asks which kernel to start and nothing runs.
    page.wait_for_function("() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]"
                           ".some(e => /^\\s*Rust\\s*\\|\\s*Idle\\s*$/.test(e.textContent))", timeout=300_000)
    dialog = page.query_selector(".jp-Dialog")
    if dialog:
        page.screenshot(path=str(shots / f"lab_{name}_dialog.png"))
        return [f"a dialog is open before Run All: {dialog.inner_text()[:200]!r}"]
    page.click(".lm-MenuBar-item:has-text('Run')")
    page.click(".lm-Menu-item:has-text('Run All Cells')")
    start = time.time()
    progress_seen = []  # progress lines shown while a cell was still running
    progress_as_error = []  # progress lines the lab drew as standard error (red): must stay empty
    problem = wait_until_run(page, timeout, name, shots, progress_seen, progress_as_error)
    if problem:
        return [problem]
    elapsed = time.time() - start
    code_cells = len(page.evaluate(PROGRESS)["prompts"])
    page.wait_for_timeout(2000)  # let plotly finish drawing
    out = page.evaluate(OUTPUTS)
    executed = out_dir / "executed" / f"{name}.ipynb"
    # The nbclient run of `make test` is in quick mode: its counts are the reference for quick runs only (a full
    # run has longer tables, some behind a "show all rows" toggle, i.e. more <table> elements).
    want_figures, want_tables = (expected_figures(executed), expected_tables(executed)) \
        if executed.exists() and quick else (None, None)
    problems = []
    if out["drawn"] != out["plots"] or (want_figures is None and out["plots"] == 0) or \
            (want_figures is not None and out["plots"] != want_figures):
        problems.append(f"{out['drawn']} of {out['plots']} figures drawn; the nbclient run made {want_figures}")
    if (want_tables is None and out["tables"] == 0) or (want_tables is not None and out["tables"] != want_tables):
        problems.append(f"{out['tables']} tables shown; the nbclient run made {want_tables}")
    if out["errors"] or out["stderr"]:
        problems.append(f"{out['errors']} error outputs; stderr: {out['stderr'][:3]}")
    if external:
        problems.append(f"requests left the machine: {external[:3]}")
    if expect_progress and not progress_seen:
        problems.append("no progress line was shown while the notebook ran")
    if progress_as_error:
        problems.append(f"{len(progress_as_error)} progress lines were drawn as standard error (red), e.g. "
                        f"{progress_as_error[0]!r}")
    first_plot = page.query_selector(".jp-Notebook .js-plotly-plot")
    if first_plot:
        first_plot.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
    shot = shots / f"lab_{name}.png"
    page.screenshot(path=str(shot))
    print(f"{name}: Run All in JupyterLab took {elapsed:.0f} s; {code_cells} code cells, {out['drawn']} of "
          f"{out['plots']} figures drawn (nbclient run: {want_figures}), {out['tables']} tables (nbclient run: "
          f"{want_tables}), {out['errors']} errors, {len(progress_seen)} progress lines shown while running"
          f"{f' (first: {progress_seen[0]!r}, screenshot lab_{name}_progress.png)' if progress_seen else ''}; "
          f"screenshot {shot}", flush=True)
    if restart and not problems:
        restart_problems, restarted = restart_and_run_all(page, timeout, name, shots, out)
        problems += restart_problems
        print(f"{name}: Restart Kernel and Run All Cells took {restarted:.0f} s from the dialog's confirmation; "
              f"screenshot {shots / f'lab_{name}_restarted.png'}", flush=True)
    page.close()
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+")
    parser.add_argument("--out", default="reports/test")
    parser.add_argument("--timeout", type=int, default=1200)
    parser.add_argument("--full", action="store_true",
                        help="run the analyses in full (default: quick mode, DEMYSTIFY_QUICK=1)")
    parser.add_argument("--expect-progress", action="append", default=[], metavar="NOTEBOOK",
                        help="this notebook must show at least one progress line while it runs (repeatable)")
    parser.add_argument("--classroom", type=Path, metavar="PREFIX",
                        help="run as a student's server on this classroom build (warm kernels, its kernelspec and notebooks)")
    parser.add_argument("--restart", action="store_true",
                        help="then Restart Kernel and Run All Cells; the idle kernel must be cleared, not replaced")
    args = parser.parse_args()
    if args.restart and not args.classroom:
        parser.error("--restart tests the classroom's kernel manager: give --classroom PREFIX")
    classroom = args.classroom.resolve() if args.classroom else None
    user = f"lab-test-{os.getpid()}"
    # A timeout or Ctrl-C still runs the clean-up below (no server or kernel left behind).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    out_dir = ROOT / args.out
    shots = out_dir / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    before = kernel_pids()
    failures = 0
    with tempfile.TemporaryDirectory(prefix="demystify-lab-") as tmp:
        scratch = Path(tmp)
        names = [n.removesuffix(".ipynb") for n in args.notebooks]
        for name in names:
            prepare(scratch, name) if classroom is None else prepare_classroom(scratch, name, classroom)
        port, token = free_port(), secrets.token_hex(16)
        lab = start_lab(scratch, port, token, quick=not args.full, classroom=classroom, user=user)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium_path(), headless=True,
                                            args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                                                  "--disable-background-networking", "--disable-component-update"])
                for name in names:
                    problems = run_in_lab(browser, port, token, name, args.timeout, out_dir, not args.full,
                                          name in {n.removesuffix(".ipynb") for n in args.expect_progress},
                                          restart=args.restart)
                    shut_down_kernels(port, token, before)
                    for problem in problems:
                        print(f"FAILED {name} in JupyterLab: {problem}", file=sys.stderr)
                    failures += bool(problems)
                browser.close()
        finally:
            stop_lab(lab)
            shutil.copy(scratch / "lab.log", shots / ("lab.log" if classroom is None else "lab_classroom.log"))
            if classroom is not None:
                shutil.rmtree(classroom / "kernels" / user, ignore_errors=True)
    print(f"JupyterLab: {len(args.notebooks) - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
