#!/usr/bin/env python3
"""A student's container, as far as a machine without a container runtime can show one (issue 20, item 2: the disk
per student beyond the shared image).

In an image the classroom build (PREFIX) lies in read-only layers, and a container writes to a layer of its own
on top: overlayfs. Here the classroom build becomes the lower layer of an overlay mounted over PREFIX itself, with an
empty writable layer, in a mount namespace of the test's own (no other process sees it; it goes away with the
test). In it one student's server warms a kernel up through the classroom's kernelspec, which seeds the kernel's
build folder as it starts, and notebook 01 runs up to its first table (scripts/kernel_cost.py --warm). Run as root,
the test runs the student as another user (uid 65534), as deploy/Dockerfile's image runs them as the notebook user:
the seed and the kernels' cargo home (PREFIX/cargo-home) are root's, the kernels' folder is the student's, and the
student's own cargo home is empty (the image deletes the build's registry). Run as another user, it runs the kernel as
that user, mapped to root in a user namespace.

Checks: the student cannot write to the seed (else the run would prove nothing), the cells ran, no dependency was compiled (no .rlib that is not the seed's), nothing of the seed was written
(no file of PREFIX/seed in the writable layer: in deploy/Dockerfile's image the seed is root's, and such a write
would fail), and
everything written to the writable layer (the kernel's folder, its cells' objects, any file copied up from the
image's layer) is at most --limit-mb (200 MB, the issue's target). Linking the seed's files by hard links instead
copies each of them up first (1.3 GB). The installed PREFIX/bin/classroom.sh must be this checkout's (the kernels
seed with it). The writable layer is a tmpfs, and the namespace's processes end with the test.

Usage: python3 scripts/container_test.py [--prefix /var/tmp/demystify-resnet/classroom] [--limit-mb 200]
                                        [--timeout 1200]
Mounting needs root, or a Linux that lets a user namespace mount an overlay (5.11 or later: unshare -Urm).
"""
import argparse, json, os, shlex, shutil, subprocess, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# Exit codes of the shell inside the namespace, for what failed before or after the kernel's run.
NO_STUDENT, SEED_WRITABLE, NO_MOUNT, SEED_WRITTEN = 95, 96, 97, 98
# The student, when the test runs as root: not the owner of the seed, as NB_UID is not in deploy/Dockerfile's image.
STUDENT = 65534
# Variables of root's environment that would point the student at root's folders.
ROOTS_PLACES = ["JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR", "JUPYTER_CONFIG_DIR", "XDG_RUNTIME_DIR", "XDG_DATA_HOME",
                "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "CARGO_TARGET_DIR", "EVCXR_TMPDIR", "PYENV_ROOT"]


def home_opened(mnt: Path) -> list[str]:
    """Shell commands (root, in the namespace, before the overlay over PREFIX, which may lie below) that open root's
    HOME to other users when only root may enter it: this machine's toolchain and Python lie there (the image has
    them under /opt, open to all). An overlay over it, in this namespace only, with its top folder at mode 755."""
    home = Path.home()
    if home.stat().st_mode & 0o001:
        return []
    up, work = mnt / "home-layer", mnt / "home-work"
    return [f"mkdir {q(up)} {q(work)}",
            f"mount -t overlay overlay -o {q(f'lowerdir={home},upperdir={up},workdir={work}')} {q(home)}",
            f"chmod 755 {q(home)}"]


def student_places(prefix: Path, mnt: Path) -> list[str]:
    """Shell commands (root, in the namespace, after the overlay over PREFIX) that give the student what
    deploy/Dockerfile gives NB_UID: the kernels' folders (chowned there), and a HOME and a cargo home of their own
    (the image's cargo home holds no registry: its Dockerfile deletes it)."""
    return [f"mkdir -p {q(prefix / 'kernels')} {q(mnt / 'home' / 'cargo')}",
            f"chown {STUDENT}:{STUDENT} {q(prefix / 'kernels')}", f"chown -R {STUDENT}:{STUDENT} {q(mnt / 'home')}"]


def student_command(mnt: Path, command: str) -> str:
    """`command` run as the student: no group of root's, their own HOME and cargo home, none of root's places
    (ROOTS_PLACES), the toolchain that root's environment names (RUSTUP_HOME defaults to HOME/.rustup), and this
    Python first on PATH (a pyenv shim would look for pyenv under the student's HOME)."""
    rustup_home = os.environ.get("RUSTUP_HOME", str(Path.home() / ".rustup"))
    path = f"{Path(sys.executable).parent}:{os.environ['PATH']}"
    unset = " ".join(f"-u {name}" for name in ROOTS_PLACES)
    return (f"setpriv --reuid={STUDENT} --regid={STUDENT} --clear-groups env {unset} {q(f'HOME={mnt}/home')} "
            f"{q(f'CARGO_HOME={mnt}/home/cargo')} {q(f'RUSTUP_HOME={rustup_home}')} {q(f'PATH={path}')} {command}")


def q(word) -> str:
    return shlex.quote(str(word))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prefix", type=Path, default=Path("/var/tmp/demystify-resnet/classroom"))
    ap.add_argument("--limit-mb", type=float, default=200.0)
    ap.add_argument("--timeout", type=float, default=1200.0)
    args = ap.parse_args()
    prefix = args.prefix.resolve()
    if not (prefix / "seed" / "target").is_dir():
        print(f"container test: no classroom build at {prefix} (run scripts/classroom.sh build {prefix})",
              file=sys.stderr)
        return 1
    installed = prefix / "bin" / "classroom.sh"
    if not installed.exists() or installed.read_bytes() != (ROOT / "scripts" / "classroom.sh").read_bytes():
        print(f"container test: {installed} is not this checkout's scripts/classroom.sh: the build would test other "
              f"seeding (run scripts/classroom.sh build {prefix})", file=sys.stderr)
        return 1
    scratch = Path(tempfile.mkdtemp(prefix="container-test-", dir="/var/tmp"))
    try:
        # The writable layer lives on a tmpfs mounted inside the namespace: overlayfs refuses an upper layer on
        # another overlay (a CI that itself runs in a container), and the tmpfs goes away with the namespace.
        mnt, record = scratch / "mnt", scratch / "kernel.json"
        mnt.mkdir()
        layer, work = mnt / "layer", mnt / "work"
        # A namespace of mounts and of processes: when the test ends or is killed, every process started in it
        # (kernels, their cell processes) is killed and the mounts are gone.
        namespace = ["unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--kill-child",
                     "--mount-proc"]
        if os.geteuid() != 0:
            namespace[1:1] = ["--user", "--map-root-user"]
        record.touch()
        kernel_cost = " ".join(q(w) for w in [sys.executable, ROOT / "scripts" / "kernel_cost.py", "--prefix", prefix,
                                              "--runs", "1", "--warm", "--layer", layer, "--json", record])
        as_student = os.geteuid() == 0
        mounts = [f"mount -t tmpfs tmpfs {q(mnt)}", f"mkdir {q(layer)} {q(work)}"]
        mounts += home_opened(mnt) if as_student else []
        mounts += [f"mount -t overlay overlay -o {q(f'lowerdir={prefix},upperdir={layer},workdir={work}')} {q(prefix)}"]
        mounts += student_places(prefix, mnt) if as_student else []
        inside = f"{' && '.join(mounts)} || exit {NO_MOUNT}; "
        if as_student:
            scratch.chmod(0o711)
            os.chown(record, STUDENT, STUDENT)
            kernel_cost = student_command(mnt, kernel_cost)
            inside += f"{student_command(mnt, 'true')} || exit {NO_STUDENT}; "
            for read_only in (prefix / "seed" / "target", prefix / "cargo-home"):
                inside += f"if {student_command(mnt, 'test -w ' + q(read_only))}; then exit {SEED_WRITABLE}; fi; "
        inside += (f"{kernel_cost} || exit $?; "
                   # Anything of the seed in the writable layer was written (or hard-linked) there: in an image,
                   # where the seed is root's, the kernel would have failed.
                   f"if [ -e {q(layer / 'seed')} ]; then find {q(layer / 'seed')} | head -5; exit {SEED_WRITTEN}; fi")
        try:
            done = subprocess.run([*namespace, "sh", "-c", inside], timeout=args.timeout)
        except subprocess.TimeoutExpired:
            print(f"container test: FAILED: no result after {args.timeout:.0f} s", file=sys.stderr)
            return 1
        if done.returncode == NO_MOUNT:
            print("container test: FAILED: could not mount an overlay in a mount namespace (needs root, or Linux 5.11+ "
                  "with user namespaces: unshare -Urm)", file=sys.stderr)
            return 1
        if done.returncode == NO_STUDENT:
            print(f"container test: FAILED: could not run a command as the student, uid {STUDENT} (setpriv from "
                  "util-linux, and the right to change user)", file=sys.stderr)
            return 1
        if done.returncode == SEED_WRITABLE:
            print(f"container test: FAILED: the student (uid {STUDENT}) may write to the seed or the kernels' cargo "
                  "home, so the run would not show that nothing needs to", file=sys.stderr)
            return 1
        if done.returncode == SEED_WRITTEN:
            print("container test: FAILED: files of the seed reached the writable layer (above): written through a link, or copied up to be hard-linked",
                  file=sys.stderr)
            return 1
        if done.returncode != 0 or not record.stat().st_size:
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
              f"nothing of the seed; {r['bytes_beyond_seed'] / 1e6:.0f} MB in the kernel's folder beyond the seed, "
              f"{len(r['rlibs_compiled'])} dependencies compiled")
        for p in problems:
            print(f"container test: FAILED: {p}", file=sys.stderr)
        return 1 if problems else 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
