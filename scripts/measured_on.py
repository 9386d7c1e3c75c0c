"""What a figure was measured on, as every table, page footer and load run prints it: the machine (CPU model, the
widest vector instruction set the CPU has (AVX-512, AVX2+FMA or SSE2, as benches/common/mod.rs names them: the
machines these tables come from differ by it, and the AVX-512 ones ran the kernels' work faster, though not for that
reason alone, docs/classroom.md), cores, and optionally memory) and the commit."""
import functools
import os
import platform
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _cpuinfo() -> list[str]:
    try:
        return Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return []


def isa(lines: list[str] | None = None) -> str:
    """AVX-512 when the CPU reports avx512f, AVX2+FMA when it reports both, else SSE2 (x86-64's floor); the
    architecture's name elsewhere."""
    lines = _cpuinfo() if lines is None else lines
    flags = next((set(l.split(":", 1)[1].split()) for l in lines if l.startswith("flags")), None)
    if flags is None:
        return platform.machine() or "unknown ISA"
    if "avx512f" in flags:
        return "AVX-512"
    return "AVX2+FMA" if {"avx2", "fma"} <= flags else "SSE2"


@functools.cache
def machine(memory: bool = False) -> str:
    """"CPU model, ISA, N cores" (", M GiB" with `memory`)."""
    lines = _cpuinfo()
    model = next((l.split(":", 1)[1].strip() for l in lines if l.startswith("model name")),
                 platform.processor() or platform.machine() or "unknown CPU")
    text = f"{model}, {isa(lines)}, {os.cpu_count()} cores"
    if memory:
        kib = next((int(l.split()[1]) for l in Path("/proc/meminfo").read_text().splitlines()
                    if l.startswith("MemTotal")), 0)
        text += f", {kib / 2**20:.0f} GiB"
    return text


@functools.cache
def commit() -> str:
    """The commit checked out, with "+ local changes" when tracked files differ from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short=10", "HEAD"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, check=True,
                               capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head + (" + local changes" if dirty else "")


if __name__ == "__main__":
    print(f"{machine(memory=True)}; commit {commit()}")
