"""A test's list of checks that runs to the end (scripts/restart_test.py, scripts/prime_test.py): each check prints
`ok` or `FAIL` with what it checks, the failures are kept, and the test's exit code says whether any failed.

    check = Checklist("restart_test")
    check(pid_after == pid_before, "idle: the same process answers")
    return check.exit_code()
"""
import sys


class Checklist:
    def __init__(self, test: str):
        self.test, self.failures = test, []

    def __call__(self, ok: bool, what: str) -> None:
        print(("ok    " if ok else "FAIL  ") + what, flush=True)
        if not ok:
            self.failures.append(what)

    def exit_code(self) -> int:
        """Prints the test's summary; 1 if a check failed, else 0."""
        if self.failures:
            print(f"{self.test}: {len(self.failures)} check(s) failed", file=sys.stderr)
            return 1
        print(f"{self.test}: all checks passed")
        return 0
