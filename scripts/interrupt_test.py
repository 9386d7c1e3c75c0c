"""An interrupted report build loses nothing and leaves nothing running.

Usage: python3 scripts/interrupt_test.py [--out reports/interrupt-test]

1. Builds notebook 01 in quick mode into OUT: the "earlier reports", whose bytes are recorded.
2. Starts a build of notebooks 01 and 02 into OUT and waits until the first page of the new build is written (in
   the staging folder) and the kernel is running the second notebook. Then it stops the build the hard way:
   SIGKILL to the kernel, SIGTERM to the build.
3. Checks: the build exits (within 60 s) with a failure status; every file of OUT is byte for byte what step 1 wrote;
   no staging folder is left; no process the build's kernels started is alive (found by JPY_PARENT_PID, which
   jupyter_client gives each kernel and its children inherit).
4. Builds again into OUT, which must succeed and publish the new page with its record (mode and commit).

Exits 1 with the failed check named. Part of `make test` (test-notebooks), after the kernel's build is warm.
"""
import argparse, hashlib, json, os, signal, subprocess, sys, time
from pathlib import Path

from process_table import parent_pid
from run_notebooks import started_by  # the processes a build's kernels started, by JPY_PARENT_PID

ROOT = Path(__file__).resolve().parent.parent
BUILD = [sys.executable, str(ROOT / "scripts" / "run_notebooks.py"), "--quick"]


def fail(message: str) -> None:
    print(f"FAIL: {message}", file=sys.stderr)
    raise SystemExit(1)


def snapshot(folder: Path) -> dict:
    """sha256 of every file under `folder`, by relative path."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def kernel_of(build_pid: int) -> int | None:
    """The kernel process itself: started by the build (its parent is the build)."""
    for pid in started_by(build_pid):
        if parent_pid(pid) == build_pid:
            return pid
    return None


def build(out: Path, *notebooks: str) -> None:
    started = time.time()
    subprocess.run(BUILD + ["--out", str(out), *notebooks], check=True)
    print(f"build of {', '.join(notebooks)}: {time.time() - started:.0f} s", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "reports" / "interrupt-test"))
    args = parser.parse_args()
    out = Path(args.out).resolve()
    staging = out.parent / f".{out.name}.staging"

    build(out, "01_residual_blocks")
    before = snapshot(out)
    if "01_residual_blocks.html" not in before:
        fail("the first build wrote no page")

    victim = subprocess.Popen(BUILD + ["--out", str(out), "01_residual_blocks", "02_hessian_at_zero"])
    try:
        deadline = time.time() + 600
        kernel = None
        while time.time() < deadline:
            if victim.poll() is not None:
                fail(f"the build ended (status {victim.returncode}) before it could be interrupted")
            kernel = kernel_of(victim.pid)
            if (staging / "executed" / "01_residual_blocks.json").exists() and kernel:
                break
            time.sleep(0.5)
        else:
            fail("the first page and the kernel were not there within 600 s")
        time.sleep(3)  # let it compile and run its first cells
        print(f"interrupting: SIGKILL to kernel {kernel}, SIGTERM to build {victim.pid}", flush=True)
        os.kill(kernel, signal.SIGKILL)
        victim.send_signal(signal.SIGTERM)
        try:
            status = victim.wait(timeout=60)
        except subprocess.TimeoutExpired:
            fail("the build did not exit within 60 s of SIGTERM")
    finally:
        if victim.poll() is None:
            victim.kill()
        for pid in started_by(victim.pid):  # whatever the build left, so a failed check does not leak it
            try:
                os.killpg(os.getpgid(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass

    if status == 0:
        fail("the interrupted build reported success")
    time.sleep(1)
    left = started_by(victim.pid)
    if left:
        fail(f"processes started by the interrupted build's kernels are still running: {left}")
    if staging.exists():
        fail(f"the staging folder {staging} was left behind")
    after = snapshot(out)
    if after != before:
        changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        fail(f"the earlier reports changed: {changed[:10]}")
    print(f"interrupted build: exit status {status}, {len(before)} earlier files intact, nothing left running",
          flush=True)

    build(out, "01_residual_blocks")
    record = json.loads((out / "executed" / "01_residual_blocks.json").read_text())
    if record.get("mode") != "quick" or not record.get("commit"):
        fail(f"the next build's record lacks its mode or commit: {record}")
    if snapshot(out) == before:
        fail("the next build did not replace the page")
    print("PASS: an interrupted report build lost nothing and left nothing running; the next build succeeded")


if __name__ == "__main__":
    main()
