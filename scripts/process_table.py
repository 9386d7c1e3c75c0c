"""The machine's processes, read from /proc: one place for the tests that find a kernel's processes by their command
line (scripts/hub_test.py, scripts/lab_test.py, scripts/restart_test.py)."""
from pathlib import Path


def processes_with(word: str) -> list[int]:
    """The processes whose command line (/proc/PID/cmdline) holds `word`, for example a kernel's connection file
    `kernel-<id>.json`. A process that exits while it is read is left out."""
    found = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if word.encode() in (p / "cmdline").read_bytes():
                    found.append(int(p.name))
            except OSError:
                pass
    return found
