#!/usr/bin/env python3
"""A student's container, as far as a machine without a container runtime can show one (issue 20, item 2: the disk
per student beyond the shared image).

In an image the classroom build (PREFIX) lies in read-only layers, and a container writes to a layer of its own
on top: overlayfs. Here the classroom build becomes the lower layer of an overlay mounted over PREFIX itself, with an
empty writable layer, in a mount namespace of the test's own (no other process sees it; it goes away with the
test). In it one student's server warms a kernel up through the classroom's kernelspec, which seeds the kernel's
build folder as it starts, and notebook 01 runs up to its first table (scripts/kernel_cost.py --warm).

Checks: the cells ran, no dependency was compiled, and everything written to the writable layer (the kernel's
folder, its cells' objects, and any file the seeding copied up from the image's layer) is at most --limit-mb
(200 MB, the issue's target). Linking the seed's files by hard links instead copies each of them up first (1.3 GB).

Usage: python3 scripts/container_test.py [--prefix /var/tmp/demystify-resnet/classroom] [--limit-mb 200]
Mounting needs root, or a Linux that lets a user namespace mount an overlay (5.11 or later: unshare -Urm).
"""
import argparse, json, os, shutil, subprocess, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prefix", type=Path, default=Path("/var/tmp/demystify-resnet/classroom"))
    ap.add_argument("--limit-mb", type=float, default=200.0)
    args = ap.parse_args()
    prefix = args.prefix.resolve()
    if not (prefix / "seed" / "target").is_dir():
        print(f"container test: no classroom build at {prefix} (run scripts/classroom.sh build {prefix})",
              file=sys.stderr)
        return 1
    scratch = Path(tempfile.mkdtemp(prefix="container-test-", dir="/var/tmp"))
    try:
        layer, work, record = scratch / "layer", scratch / "work", scratch / "kernel.json"
        layer.mkdir()
        work.mkdir()
        namespace = ["unshare", "--mount", "--propagation", "private"]
        if os.geteuid() != 0:
            namespace[1:1] = ["--user", "--map-root-user"]
        inside = (f"mount -t overlay overlay -o lowerdir={prefix},upperdir={layer},workdir={work} {prefix} && "
                  f"exec {sys.executable} {ROOT / 'scripts' / 'kernel_cost.py'} --prefix {prefix} --runs 1 --warm "
                  f"--layer {layer} --json {record}")
        done = subprocess.run([*namespace, "sh", "-c", inside], timeout=1200)
        if done.returncode != 0 or not record.exists():
            print(f"container test: FAILED: the kernel's run in the overlay exited with {done.returncode}",
                  file=sys.stderr)
            return 1
        r = json.loads(record.read_text())[0]
        written_mb = r["bytes_in_layer"] / 1e6
        problems = []
        if r["rlibs_compiled"]:
            problems.append(f"the kernel compiled dependencies: {r['rlibs_compiled'][:5]}")
        if written_mb > args.limit_mb:
            problems.append(f"{written_mb:.0f} MB written to the container's layer, above {args.limit_mb:.0f} MB")
        print(f"container test: warm-up {r['warm_up']:.1f} s, then notebook 01's first table {r['first_table']:.1f} s "
              f"after the request; {written_mb:.0f} MB written to the container's layer (limit {args.limit_mb:.0f} MB), "
              f"{r['bytes_beyond_seed'] / 1e6:.0f} MB in the kernel's folder beyond the seed, "
              f"{len(r['rlibs_compiled'])} dependencies compiled")
        for p in problems:
            print(f"container test: FAILED: {p}", file=sys.stderr)
        return 1 if problems else 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
