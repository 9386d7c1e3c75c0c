#!/usr/bin/env python3
"""The course's kernel primes rust-analyzer's caches on every core it may use (scripts/evcxr/analysis.patch).

On a classroom build, a student's kernel (the classroom's kernelspec, a build folder seeded for it) runs notebook 01's
code cells up to its first table, three times:

1. as installed: while the cells run, the kernel process has the patch's worker threads, named PrimeCaches#0 to
   PrimeCaches#<n-1>, n the cores this process may use as Rust counts them (CPU affinity, then a cgroup's CPU quota)
   (rust-analyzer names them; the patch starts them when a new crate graph is loaded);
2. with EVCXR_ANALYSIS_THREADS=1: PrimeCaches#0 alone;
3. with EVCXR_ANALYSIS_THREADS=0 (upstream evcxr's lazy analysis): no such thread at any time.

Each time every cell succeeds, a variable defined in one cell is used in the next (evcxr keeps it by its type,
which rust-analyzer infers: the patch must leave the inference right), and completing a method of that variable (a
student's Tab) offers the crate's method (the patch's other change moves the dependencies' files into a library
source root of rust-analyzer's; upstream evcxr passes this check too, which guards the completion, not the change).
Each time the kernel's process runs without transparent huge pages (`THP_enabled: 0` in /proc/PID/status: the
kernelspec's MIMALLOC_ALLOW_THP=0, scripts/setup.sh), while this test's own process runs with them (`1`: the flag is
inherited, so a 0 here would make the kernel's prove nothing).
Prints each run's seconds and the kernel's CPU seconds to the first table, for information only (timings are the
benchmarks' job: scripts/kernel_cost.py). Exits 1 with the failed checks.

Usage: python3 scripts/prime_test.py [--prefix /var/tmp/demystify-resnet/classroom]
"""
import argparse, os, shutil, sys, time
from pathlib import Path

from jupyter_client import KernelManager

from checklist import Checklist
from kernel_cost import NOTEBOOK, cells_to_first_table, ok  # scripts/, this script's folder
from process_table import ThreadNamesSeen, cpu_seconds, status_field

# A later cell that needs the variable notebook 01's first `let` defined, with the type evcxr recorded for it.
USE_CELL = 'println!("{}", net.num_params());'
# What a student's Tab asks for on that variable: rust-analyzer's completion of a method the crate defines (its files
# lie in the patch's library source root, outside the kernel's own folder).
COMPLETE_CODE, COMPLETE_EXPECTED = "net.num_p", "num_params"  # offered as `num_params()`


def run(prefix: Path, threads: str | None) -> dict:
    """Notebook 01's cells to its first table, then USE_CELL, then a completion request for COMPLETE_CODE, in a new
    student kernel; the kernel's THP_enabled flag, the thread names seen, what USE_CELL printed, the completions
    offered (none when the request failed or got no reply) and the reply's status (with the error's name, if any)."""
    user = f"prime-test-{os.getpid()}"
    # Not passed on: MIMALLOC_ALLOW_THP must come from the kernelspec, not from whoever runs the test.
    env = {k: v for k, v in os.environ.items()
           if k not in ("EVCXR_TMPDIR", "EVCXR_ANALYSIS_THREADS", "MIMALLOC_ALLOW_THP")}
    env.update(JUPYTERHUB_USER=user, CARGO_NET_OFFLINE="true")
    if threads is not None:
        env["EVCXR_ANALYSIS_THREADS"] = threads
    km = KernelManager(kernel_name="rust")
    started = time.time()
    km.start_kernel(env=env, cwd=str(prefix / "notebooks"))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=300)
        pid = km.provisioner.process.pid
        thp_enabled = status_field(pid, "THP_enabled") or "not reported (process gone or Linux < 5.0)"
        cells = cells_to_first_table(prefix / "notebooks" / NOTEBOOK)
        printed = []
        with ThreadNamesSeen(pid) as seen:
            for code in cells:
                ok(kc.execute_interactive(code, timeout=600, output_hook=lambda m: None), code)
            first_table = time.time() - started
            cpu = cpu_seconds(pid)
            ok(kc.execute_interactive(USE_CELL, timeout=600, output_hook=lambda m: printed.append(
                m["content"].get("text", ""))), USE_CELL)
        try:
            completion = kc.complete(COMPLETE_CODE, len(COMPLETE_CODE), reply=True, timeout=60)["content"]
        except TimeoutError:
            completion = {"status": "no reply within 60 s"}
        return {"first_table": first_table, "thp_enabled": thp_enabled, "cpu": cpu, "names": seen.names,
                "printed": "".join(printed).strip(),
                "completions": completion.get("matches", []) if completion["status"] == "ok" else [],
                "completion_status": " ".join(filter(None, (completion["status"], completion.get("ename"))))}
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        shutil.rmtree(prefix / "kernels" / user, ignore_errors=True)


def cores_rust_sees() -> int:
    """The cores Rust's `available_parallelism` reports for a process here: the CPU affinity, capped by a cgroup v2
    CPU quota (quota / period, at least 1) when one is set."""
    cores = len(os.sched_getaffinity(0))
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if quota != "max":
            cores = min(cores, max(1, int(quota) // int(period)))
    except (OSError, ValueError):
        pass
    return cores


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--prefix", type=Path, default=Path("/var/tmp/demystify-resnet/classroom"))
    args = ap.parse_args()
    if not (args.prefix / "seed" / "target").is_dir():
        print(f"no classroom build at {args.prefix}: run scripts/classroom.sh build {args.prefix}", file=sys.stderr)
        return 1
    # The JUPYTER_PATH of a student's server: the classroom's kernelspec, not this user's own.
    os.environ["JUPYTER_PATH"] = os.path.join(sys.prefix, "share", "jupyter")
    cores = cores_rust_sees()
    own_thp = status_field(os.getpid(), "THP_enabled")
    check = Checklist("prime_test")

    for threads, expected in ((None, {f"PrimeCaches#{i}" for i in range(cores)}), ("1", {"PrimeCaches#0"}),
                              ("0", set())):
        label = "as installed" if threads is None else f"EVCXR_ANALYSIS_THREADS={threads}"
        r = run(args.prefix, threads)
        primers = {n for n in r["names"] if n.startswith("PrimeCaches")}
        print(f"{label}: first table {r['first_table']:.1f} s after the kernel was started, "
              f"{r['cpu']:.1f} s of CPU in the kernel and its compiles; threads seen: {sorted(primers) or 'none'}",
              flush=True)
        check(primers == expected, f"{label}: the priming threads are {sorted(expected) or 'none'}")
        check(r["printed"].isdigit() and int(r["printed"]) > 0,
              f"{label}: the next cell uses the first cell's variable (printed {r['printed']!r})")
        check(any(m.startswith(COMPLETE_EXPECTED) for m in r["completions"]),
              f"{label}: completing {COMPLETE_CODE!r} offers {COMPLETE_EXPECTED} "
              f"({r['completion_status']}, offered {r['completions'][:5]})")
        check(r["thp_enabled"] == "0" and own_thp == "1",
              f"{label}: the kernel runs without transparent huge pages (THP_enabled: {r['thp_enabled']}; "
              f"this test's process: {own_thp})")
    return check.exit_code()


if __name__ == "__main__":
    sys.exit(main())
