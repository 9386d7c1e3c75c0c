"""Where the evcxr kernel builds this crate, and the cargo profile it builds with: one place for every script.

EVCXR_TMPDIR defaults to /var/tmp/demystify-resnet/evcxr: persistent, outside the repository (so kernels and later
runs share one build of the dependencies) and outside $HOME (evcxr 0.22 fails to load its first build, "dlopen
failed", when its folder lies under /root). `prepare()` sets that default and installs scripts/kernel-profile.toml
as /var/tmp/demystify-resnet/.cargo/config.toml, so builds in any EVCXR_TMPDIR under that folder compile the
dependencies the numerics do not run in (polars, plotly, serde, …) without optimisation.

Usage: python3 scripts/kernel_build.py   (what scripts/setup.sh runs; the report and test scripts call prepare())
"""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD_ROOT = Path("/var/tmp/demystify-resnet")
DEFAULT_EVCXR_TMPDIR = BUILD_ROOT / "evcxr"
PROFILE = ROOT / "scripts" / "kernel-profile.toml"


CONFIG = BUILD_ROOT / ".cargo" / "config.toml"
MARKER = "demystify-profile.toml"


def holds_profile(path: Path) -> bool:
    """Whether the file at `path` is this repository's kernel profile (the installed config, or a build's marker)."""
    return path.exists() and path.read_text() == PROFILE.read_text()


def applies_to(evcxr_tmpdir: Path) -> bool:
    """Whether the profile reaches builds in this folder (cargo reads BUILD_ROOT/.cargo from folders below it)."""
    return BUILD_ROOT.resolve() in evcxr_tmpdir.resolve().parents


def build_is_current(evcxr_tmpdir: Path) -> bool:
    """Whether the build in this folder was made with this repository's profile (else cargo rebuilds the deps)."""
    if not applies_to(evcxr_tmpdir):
        return True
    return holds_profile(evcxr_tmpdir / MARKER)


def mark_built(evcxr_tmpdir: Path) -> None:
    """Records, next to the build, the profile it was made with."""
    if applies_to(evcxr_tmpdir):
        (evcxr_tmpdir / MARKER).write_text(PROFILE.read_text())


def prepare() -> Path:
    """Sets EVCXR_TMPDIR (unless set), creates it, installs the kernel's cargo profile; returns EVCXR_TMPDIR."""
    os.environ.setdefault("EVCXR_TMPDIR", str(DEFAULT_EVCXR_TMPDIR))
    evcxr_tmpdir = Path(os.environ["EVCXR_TMPDIR"])
    evcxr_tmpdir.mkdir(parents=True, exist_ok=True)
    if not holds_profile(CONFIG):
        CONFIG.parent.mkdir(parents=True, exist_ok=True)
        CONFIG.write_text(PROFILE.read_text())
    if not applies_to(evcxr_tmpdir):
        print(f"note: EVCXR_TMPDIR={evcxr_tmpdir} is outside {BUILD_ROOT}: the kernel builds every dependency at "
              f"evcxr's opt-level 2 (slower first build, same results)", flush=True)
    return evcxr_tmpdir


if __name__ == "__main__":
    print(f"kernel build folder: EVCXR_TMPDIR={prepare()}, profile {CONFIG}")
