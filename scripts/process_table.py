"""The machine's processes, read from /proc: one place for the tests that find a kernel's processes by their command
line (scripts/hub_test.py, scripts/lab_test.py, scripts/restart_test.py) or their environment (the report builder's
kernels, the hub test's run mark), and for the resident memory of a process
tree or set (the hub test's students, the report builder's kernels), a kernel's CPU seconds and its threads' names
(scripts/kernel_cost.py, scripts/prime_test.py), and whether a kernel runs without transparent huge pages
(scripts/prime_test.py).

Resident memory is each process's VmRSS, summed: pages two processes share (a shared library, the seed's files in
the page cache) count once per process, so a sum can exceed what the processes hold together."""
import os
import threading
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


def processes_with_env(entry: str) -> list[int]:
    """The processes whose environment (/proc/PID/environ) holds `entry` ("NAME=value") exactly, for example
    `JPY_PARENT_PID=<pid>`, which jupyter_client gives every kernel and its children inherit. Other users' processes
    (unreadable) and processes that exit while they are read are left out."""
    mark, found = entry.encode(), []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if mark in (p / "environ").read_bytes().split(b"\0"):
                    found.append(int(p.name))
            except OSError:
                pass
    return found


def stat_fields(pid: int) -> list[str]:
    """/proc/PID/stat from its third field (the state) on: the command name before it, in parentheses, may hold
    spaces, so the fields are split after its closing one. Raises OSError when the process is gone."""
    return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()


def parent_pid(pid: int) -> int | None:
    """A process's parent (/proc/PID/stat), or None when the process is gone."""
    try:
        return int(stat_fields(pid)[1])
    except (OSError, IndexError, ValueError):
        return None


def children_by_parent() -> dict[int, list[int]]:
    """Every process's children, from /proc."""
    children = {}
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            ppid = parent_pid(int(p.name))
            if ppid is not None:
                children.setdefault(ppid, []).append(int(p.name))
    return children


def tree(pid: int) -> list[int]:
    """A process and all its descendants."""
    children, out, todo = children_by_parent(), [], [pid]
    while todo:
        q = todo.pop()
        out.append(q)
        todo += children.get(q, [])
    return out


def rss_of_tree(pid: int) -> int:
    """Resident bytes of a process and all its descendants (from /proc)."""
    return resident_bytes(tree(pid))


def status_field(pid: int, name: str) -> str | None:
    """One field of /proc/PID/status, as the kernel writes it (`VmRSS` gives "1234 kB", `THP_enabled` "1"); None when
    the process is gone or the field is absent (`THP_enabled` is there since Linux 5.0)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key == name:
                return value.strip()
    except OSError:
        pass
    return None


def resident_bytes(pids) -> int:
    """Resident bytes of the processes `pids` (VmRSS, summed); a process that exits while it is read is left out."""
    total = 0
    for q in pids:
        rss = status_field(q, "VmRSS")
        if rss is not None:
            total += int(rss.split()[0]) * 1024
    return total


class Sampler:
    """Calls `sample()` every `every` seconds in a thread while a `with` block runs, once at least. If a sample fails,
    the block's exit raises it (a value that stopped being watched is not a measurement)."""

    def __init__(self, every: float):
        self.every = every
        self.error: Exception | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def sample(self) -> None:
        raise NotImplementedError

    def _watch(self) -> None:
        while True:
            try:
                self.sample()
            except Exception as e:  # noqa: BLE001 (kept, raised by __exit__)
                self.error = e
                return
            if self._stop.wait(self.every):
                return

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, kind, value, traceback) -> None:
        self._stop.set()
        self._thread.join()
        if self.error is not None and kind is None:
            raise RuntimeError(f"{type(self).__name__} could not sample: {self.error!r}") from self.error


class PeakResident(Sampler):
    """The highest resident memory of a changing set of processes while a block runs: `pids()` is called every
    `every` seconds, and `peak` holds the largest `resident_bytes` seen (0 if nothing was seen).

        with PeakResident(lambda: started_by(os.getpid())) as watch:
            run_the_notebook()
        watch.peak
    """

    def __init__(self, pids, every: float = 0.25):
        super().__init__(every)
        self.pids, self.peak = pids, 0

    def sample(self) -> None:
        self.peak = max(self.peak, resident_bytes(self.pids()))


def cpu_seconds(pid: int) -> float:
    """CPU seconds of a process (all its threads, user and system) and of the children it has waited for
    (/proc/PID/stat fields utime, stime, cutime, cstime; for an evcxr kernel, the cargo and rustc runs of its cells).
    Raises OSError when the process is gone."""
    fields = stat_fields(pid)
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / os.sysconf("SC_CLK_TCK")


def thread_names(pid: int) -> set[str]:
    """The names of a process's threads now (/proc/PID/task/*/comm); empty when the process is gone."""
    names = set()
    try:
        tasks = list((Path("/proc") / str(pid) / "task").iterdir())
    except OSError:
        return names
    for task in tasks:
        try:
            names.add((task / "comm").read_text().strip())
        except OSError:
            pass
    return names


class ThreadNamesSeen(Sampler):
    """Every thread name a process had while the `with` block ran, sampled every `every` seconds."""

    def __init__(self, pid: int, every: float = 0.02):
        super().__init__(every)
        self.pid, self.names = pid, set()

    def sample(self) -> None:
        self.names |= thread_names(self.pid)
