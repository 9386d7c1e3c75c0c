"""What each stage of `make reports` costs on this machine, printed before it starts; and the record behind it.

Usage:
  python3 scripts/stage_costs.py plan [--quick] [--solutions]   print the stages, whether each will run, its cost
  python3 scripts/stage_costs.py record STAGE SECONDS            remember how long STAGE just took here

Stages: `python_packages` (pip part of environment.yml), `kernel_install` (evcxr_jupyter with the course's patch,
scripts/evcxr/install.sh),
`dependency_build` (a kernel compiles this crate and its dependencies into an empty EVCXR_TMPDIR; run by
scripts/run_notebooks.py before the notebooks), `notebooks_*` / `solutions_*` (running and exporting them on a
built kernel). Whether a stage will run is checked now (packages importable, kernel installed, a dependency build
in EVCXR_TMPDIR made with the current kernel profile, scripts/kernel_build.py). Its cost is the last time it ran on this machine (recorded by scripts/setup.sh and
scripts/run_notebooks.py in STATE/stage_times.json, STATE = the folder holding EVCXR_TMPDIR's default,
/var/tmp/demystify-resnet), or, never run here, the reference measurement shipped in scripts/stage_costs.json
(its date and machine are printed with it).
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import kernel_build

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "scripts" / "stage_costs.json"
STATE = Path(os.environ.get("DEMYSTIFY_STATE_DIR", str(kernel_build.BUILD_ROOT)))
RECORD = STATE / "stage_times.json"
STAGES = {
    "python_packages": "Python packages (pip part of environment.yml)",
    "kernel_install": "evcxr kernel (evcxr_jupyter 0.22.0, patched)",
    "dependency_build": "kernel's dependency build (empty EVCXR_TMPDIR, or a new profile)",
    "notebooks_full": "notebooks, run and exported (full mode)",
    "notebooks_quick": "notebooks, run and exported (quick mode)",
    "solutions_full": "worked solutions, run and exported (full mode)",
    "solutions_quick": "worked solutions, run and exported (quick mode)",
}


def recorded() -> dict:
    try:
        return json.loads(RECORD.read_text())
    except (OSError, ValueError):
        return {}


def record(stage: str, seconds: float) -> None:
    if stage not in STAGES:
        raise SystemExit(f"unknown stage {stage!r}; stages: {', '.join(STAGES)}")
    data = recorded()
    data[stage] = {"seconds": round(seconds, 1), "when": time.strftime("%Y-%m-%d %H:%M")}
    STATE.mkdir(parents=True, exist_ok=True)
    RECORD.write_text(json.dumps(data, indent=1) + "\n")


def python_packages_present() -> bool:
    return subprocess.run([sys.executable, "-c", "import jupyterlab, nbconvert, nbclient, nbformat, playwright"],
                          capture_output=True).returncode == 0


def kernel_present() -> bool:
    return subprocess.run(["bash", str(Path(__file__).parent / "evcxr" / "install.sh"), "--check"],
                          capture_output=True).returncode == 0


def dependency_build_present(evcxr_tmpdir: Path) -> bool:
    """A finished dependency build leaves polars-core's library in the kernel's cargo target folder."""
    target = evcxr_tmpdir / "target"
    return any(target.glob("*/debug/deps/libpolars_core-*.rlib")) or any(target.glob("debug/deps/libpolars_core-*.rlib"))


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def plan(quick: bool, solutions: bool) -> None:
    reference = json.loads(REFERENCE.read_text())
    local = recorded()
    evcxr_tmpdir = Path(os.environ.get("EVCXR_TMPDIR", str(kernel_build.DEFAULT_EVCXR_TMPDIR)))
    mode = "quick" if quick else "full"
    runs = {
        "python_packages": not python_packages_present(),
        "kernel_install": not kernel_present(),
        # A build made with another cargo profile (scripts/kernel-profile.toml changed) is rebuilt too.
        "dependency_build": not dependency_build_present(evcxr_tmpdir) or not kernel_build.build_is_current(evcxr_tmpdir),
        f"notebooks_{mode}": True,
    }
    if solutions:
        runs[f"solutions_{mode}"] = True
    print(f"The stages ahead on this machine and what each costs (EVCXR_TMPDIR={evcxr_tmpdir}):")
    total = 0.0
    for stage, will_run in runs.items():
        if stage in local:
            cost, source = local[stage]["seconds"], f"last run here, {local[stage]['when']}"
        elif stage in reference["stages"]:
            cost, source = reference["stages"][stage]["seconds"], f"reference: {reference['stages'][stage]['measured']}"
        else:
            cost, source = None, "not measured yet"
        state = "runs" if will_run else "done, skipped"
        shown = minutes(cost) if cost is not None else "?"
        if will_run and cost is not None:
            total += cost
        print(f"  {STAGES[stage]:<66} {state:<14} {shown:>9}  ({source})")
    print(f"  expected total: about {minutes(total)}; reference machine: {reference['machine']}")
    sys.stdout.flush()


def main():
    args = sys.argv[1:]
    if args[:1] == ["record"] and len(args) == 3:
        record(args[1], float(args[2]))
    elif args[:1] == ["plan"]:
        plan("--quick" in args, "--solutions" in args)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
