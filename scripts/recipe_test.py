#!/usr/bin/env python3
"""The image recipes, checked as far as a machine without a container daemon can (docs/classroom.md).

No image is built here. What is checked instead, with the real tools:

- repo2docker (mybinder.org) reads the repository as intended: `repo2docker --no-build --debug` writes the Dockerfile
  it would build, and in it apt.txt's packages are installed, environment.yml's environment is created, postBuild runs
  as the notebook user after the repository is copied in, and `start` is the entrypoint.
- postBuild and start run for real, with the network and the long build replaced: curl and rustup are stubs on PATH,
  and scripts/classroom.sh (which the classroom test runs in full) records its arguments and leaves a notebook in the
  prefix. postBuild must build at `$CONDA_DIR/demystify-resnet` and give the student the notebooks; start must point
  the server's configuration at that prefix's etc/jupyter (warm kernels) and keep cargo offline. Both recipes install
  one pinned Rust toolchain (deploy/Dockerfile's RUST_TOOLCHAIN, the same in postBuild), at least Cargo.toml's
  rust-version.
- deploy/Dockerfile, parsed by dockerfile-parse: the classroom build's prefix is the one its JUPYTER_CONFIG_PATH,
  ownership and notebook hook name, the files it copies exist, and the jupyter_server settings it writes are real
  traits of the installed jupyter_server (a misspelt setting is silently ignored by Jupyter) that reach the students'
  kernel manager (deploy/warm_kernels.py's WarmKernelManager, a subclass).
- The build context both recipes send (.dockerignore, read by docker and by repo2docker through docker-py's
  `exclude_paths`, run here): every file git tracks is in it, build outputs (target/, reports/, .git) are not.

Usage: scripts/recipe_test.py [--tools DIR]   (DIR: the venv scripts/setup.sh recipes installs)
"""
import argparse
import functools
import json
import os
import shlex
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = Path("/var/tmp/demystify-resnet/recipes")


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)
    print(f"ok   {what}")


def repo2docker_dockerfile(tools: Path) -> list[str]:
    """The Dockerfile repo2docker generates for this repository, as lines."""
    run = subprocess.run(
        [str(tools / "bin" / "repo2docker"), "--no-build", "--no-run", "--debug", str(ROOT)],
        capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        raise Failure(f"repo2docker --no-build failed ({run.returncode}): {run.stderr[-2000:]}")
    return (run.stdout + run.stderr).splitlines()


def index_of(lines: list[str], text: str, after: int = -1) -> int:
    for i, line in enumerate(lines):
        if i > after and text in line:
            return i
    raise Failure(f"repo2docker's Dockerfile has no line containing {text!r} after line {after + 1}")


def check_repo2docker(tools: Path):
    lines = repo2docker_dockerfile(tools)
    apt_packages = sorted(line.split("#")[0].strip() for line in (ROOT / "apt.txt").read_text().splitlines()
                          if line.split("#")[0].strip())
    install = [line for line in lines if "apt-get install" in line and all(p in line.split() for p in apt_packages)]
    check(bool(install) and bool(apt_packages), f"repo2docker installs apt.txt's packages ({' '.join(apt_packages)})")
    env = index_of(lines, '--file "environment.yml"')
    check(env >= 0, "repo2docker creates the environment from environment.yml")
    copied = index_of(lines, "COPY --chown=0:0 src/ ${REPO_DIR}/")
    user = index_of(lines, "USER ${NB_USER}", after=copied)
    post = index_of(lines, "RUN ./postBuild", after=user)
    check(env < copied < user < post, "postBuild runs after the environment and the repository, as the notebook user")
    check(any(line.strip() == 'ENV R2D_ENTRYPOINT="${REPO_DIR}/start"' for line in lines[post:]),
          "start is the image's entrypoint")


def stub(folder: Path, name: str, body: str):
    path = folder / name
    path.write_text("#!/usr/bin/env bash\n" + body + "\n")
    path.chmod(0o755)


def check_binder_scripts():
    with tempfile.TemporaryDirectory(prefix="recipe-test-") as tmp:
        tmp = Path(tmp)
        repo, home, conda, bin_dir = tmp / "repo", tmp / "home", tmp / "conda", tmp / "bin"
        for d in (repo / "scripts", home, conda, bin_dir):
            d.mkdir(parents=True)
        for name in ("postBuild", "start"):
            (repo / name).write_bytes((ROOT / name).read_bytes())
            (repo / name).chmod(0o755)
        calls = tmp / "classroom-calls.json"
        # rustup's installer (curl … | sh) and rustup itself: no network here, and Rust is already installed.
        stub(bin_dir, "curl", "cat <<'SH'\n"
                              'echo "$@" > "$HOME/rustup-init-args"\n'
                              'mkdir -p "$HOME/.cargo/bin"\n'
                              "echo 'export PATH=\"$HOME/.cargo/bin:$PATH\"' > \"$HOME/.cargo/env\"\n"
                              "SH")
        stub(bin_dir, "rustup", 'echo "rustup $*" >> "$HOME/rustup-calls"')
        # The classroom build itself is what the classroom test runs in full; here it records how it was called.
        stub(repo / "scripts", "classroom.sh",
             f'python3 -c "import json,sys; json.dump(sys.argv[1:], open({str(calls)!r}, \'w\'))" "$@"\n'
             'mkdir -p "$2/notebooks" && echo "{}" > "$2/notebooks/01_residual_blocks.ipynb"')
        env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "HOME": str(home), "CONDA_DIR": str(conda)}
        run = subprocess.run(["./postBuild"], cwd=repo, env=env, capture_output=True, text=True, timeout=60)
        check(run.returncode == 0, f"postBuild runs to the end (exit {run.returncode}: {run.stderr[-500:].strip()})")
        prefix = conda / "demystify-resnet"
        args = json.loads(calls.read_text())
        check(args == ["build", str(prefix)], f"postBuild runs `scripts/classroom.sh build $CONDA_DIR/demystify-resnet` "
                                              f"(called with {args})")
        installer = (home / "rustup-init-args").read_text().split() + [""]
        pinned = installer[installer.index("--default-toolchain") + 1] if "--default-toolchain" in installer else None
        check(pinned == pinned_toolchain(),
              f"postBuild installs the toolchain deploy/Dockerfile pins ({pinned} and {pinned_toolchain()})")
        check("rustup component add rust-src" in (home / "rustup-calls").read_text(),
              "postBuild installs rust-src (evcxr's analysis reads the standard library's source)")
        check((home / "course" / "01_residual_blocks.ipynb").exists(),
              "postBuild gives the student the course's notebooks in ~/course")
        probe = [sys.executable, "-c", "import json, os; print(json.dumps(dict(os.environ)))"]
        started = subprocess.run(["./start", *probe], cwd=repo, env=env, capture_output=True, text=True, timeout=60)
        check(started.returncode == 0, "start execs the server's command")
        seen = json.loads(started.stdout)
        check(seen.get("JUPYTER_CONFIG_PATH") == str(prefix / "etc" / "jupyter"),
              "start points the server at the classroom build's etc/jupyter (warm kernels)")
        check(seen.get("CARGO_NET_OFFLINE") == "true", "start keeps cargo offline (vendored crates)")
        check(seen["PATH"].split(":")[0] == str(home / ".cargo" / "bin"), "start puts rustup's cargo first on PATH")


def dockerfile_instructions(tools: Path) -> list[dict]:
    code = ("import json, sys; from dockerfile_parse import DockerfileParser; "
            "print(json.dumps(DockerfileParser(sys.argv[1]).structure))")
    out = subprocess.run([str(tools / "bin" / "python"), "-c", code, str(ROOT / "deploy" / "Dockerfile")],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    return [i for i in json.loads(out) if i["instruction"] != "COMMENT"]


def server_traits(settings: dict) -> list[str]:
    """Settings of a jupyter_server JSON config that are not traits of the installed jupyter_server's classes, or that
    name a kernel manager class WarmKernelManager does not derive from (run by this script's own Python)."""
    code = ("import json, sys\n"
            "sys.path.insert(0, sys.argv[2])\n"
            "from jupyter_server.services.kernels.kernelmanager import MappingKernelManager\n"
            "from jupyter_server.serverapp import ServerApp\n"
            "from warm_kernels import WarmKernelManager\n"
            "classes = {c.__name__: c for c in (MappingKernelManager, ServerApp)}\n"
            "missing = [f'{k}.{t}' for k, ts in json.loads(sys.argv[1]).items() for t in ts\n"
            "           if k not in classes or not classes[k].class_traits(config=True).get(t)]\n"
            "# the students' servers run WarmKernelManager: a kernel manager's settings reach it only through its bases\n"
            "missing += [f'{k} (not a base of WarmKernelManager)' for k in json.loads(sys.argv[1])\n"
            "            if k in classes and 'KernelManager' in k and not issubclass(WarmKernelManager, classes[k])]\n"
            "print(json.dumps(missing))")
    out = subprocess.run([sys.executable, "-c", code, json.dumps(settings), str(ROOT / "deploy")],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def version_tuple(text: str) -> tuple:
    return tuple(int(part) for part in text.split("."))


@functools.cache
def pinned_toolchain() -> str:
    """The Rust toolchain deploy/Dockerfile installs: its `ARG RUST_TOOLCHAIN=` default."""
    for line in (ROOT / "deploy" / "Dockerfile").read_text().splitlines():
        if line.startswith("ARG RUST_TOOLCHAIN="):
            return line.split("=", 1)[1].strip().strip('"')
    raise Failure("deploy/Dockerfile has no `ARG RUST_TOOLCHAIN=` line")


def check_toolchain_pin():
    """The images pin one toolchain (not `stable`), at least the crate's rust-version; printed beside this machine's."""
    pinned = pinned_toolchain()
    check(all(part.isdigit() for part in pinned.split(".")) and len(pinned.split(".")) == 3,
          f"deploy/Dockerfile pins a toolchain version ({pinned!r}), not a channel")
    manifest = tomllib.loads((ROOT / "Cargo.toml").read_text())
    msrv = manifest["package"]["rust-version"]
    check(version_tuple(pinned) >= version_tuple(msrv), f"the pinned toolchain {pinned} is at least rust-version {msrv}")
    try:
        here = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        here = ""
    print(f"note the images pin Rust {pinned}; the tests on this machine run {here or 'no rustc'}")


def check_dockerfile(tools: Path):
    steps = dockerfile_instructions(tools)
    rustup = [i for i, s in enumerate(steps) if s["instruction"] == "RUN" and "sh.rustup.rs" in s["value"]]
    declared = [i for i, s in enumerate(steps) if s["instruction"] == "ARG" and s["value"].startswith("RUST_TOOLCHAIN=")]
    base = [i for i, s in enumerate(steps) if s["instruction"] == "FROM"]
    check(len(rustup) == 1 and '--default-toolchain "${RUST_TOOLCHAIN}"' in steps[rustup[0]]["value"]
          and len(declared) == 1 and base and base[-1] < declared[0] < rustup[0],
          "deploy/Dockerfile installs Rust once, the toolchain of its RUST_TOOLCHAIN argument (declared in the build "
          "stage, before the install)")
    build = [s for s in steps if s["instruction"] == "RUN" and "scripts/classroom.sh build" in s["value"]]
    check(len(build) == 1, "deploy/Dockerfile runs the classroom build once")
    words = shlex.split(build[0]["value"].split("&&")[0])
    prefix = words[words.index("build") + 1]
    envs = " ".join(s["value"] for s in steps if s["instruction"] == "ENV")
    check(f"JUPYTER_CONFIG_PATH={prefix}/etc/jupyter" in envs,
          f"its JUPYTER_CONFIG_PATH is the build's etc/jupyter ({prefix}/etc/jupyter: warm kernels)")
    check("CARGO_NET_OFFLINE=true" in envs, "it keeps cargo offline (vendored crates)")
    chown = [shlex.split(part) for part in build[0]["value"].split("&&") if "chown" in part]
    paths = [w for w in chown[0][1:] if w.startswith("/")] if len(chown) == 1 else []
    check(paths == [f"{prefix}/kernels"],
          f"the notebook user owns the kernels' folders and nothing else of the build: the seed and the kernels' cargo "
          f"home stay root's, read-only (chowned: {paths})")
    hook = [s for s in steps if s["instruction"] == "RUN" and "before-notebook.d" in s["value"]]
    check(len(hook) == 1 and f"{prefix}/notebooks" in hook[0]["value"],
          "a start hook copies the build's notebooks into the student's HOME")
    for s in steps:
        if s["instruction"] == "COPY":
            source = s["value"].split()[0]
            check((ROOT / source).exists(), f"COPY source {source!r} exists (build context: the repository root)")
    settings_json = [s for s in steps if s["instruction"] == "RUN" and "jupyter_server_config.d" in s["value"]]
    check(len(settings_json) == 1, "it writes one jupyter_server setting file")
    text = settings_json[0]["value"]
    settings = json.loads(text[text.index("'{") + 1:text.rindex("}'") + 1])
    missing = server_traits({k: list(v) for k, v in settings.items()})
    check(not missing, f"its settings are traits of jupyter_server ({json.dumps(settings)}; unknown: {missing})")


def build_context(tools: Path, root: Path) -> set[str]:
    """The files of ROOT that a build sends, as docker-py (repo2docker's and docker's Python client) selects them
    with the patterns of ROOT/.dockerignore."""
    code = ("import json, sys; from docker.utils.build import exclude_paths\n"
            "root = sys.argv[1]\n"
            "patterns = [l.strip() for l in open(root + '/.dockerignore') if l.strip() and not l.startswith('#')]\n"
            "print(json.dumps(sorted(exclude_paths(root, patterns))))")
    out = subprocess.run([str(tools / "bin" / "python"), "-c", code, str(root)],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    return set(json.loads(out))


def check_build_context(tools: Path):
    check((ROOT / ".dockerignore").is_file(), "the repository has a .dockerignore for the recipes' build context")
    tracked = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, text=True)
    if tracked.returncode == 0:
        context = build_context(tools, ROOT)
        missing = [f for f in tracked.stdout.split("\0") if f and (ROOT / f).is_file() and f not in context]
        check(not missing, f"every file git tracks is in the build context (left out: {missing[:5]})")
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp)
        (tree / ".dockerignore").write_text((ROOT / ".dockerignore").read_text())
        outputs = ["target/debug/libdemystify_resnet.rlib", "reports/index.html", ".git/HEAD",
                   "notebooks/.ipynb_checkpoints/01-checkpoint.ipynb", "scripts/__pycache__/x.pyc"]
        for name in outputs + ["src/lib.rs", "notebooks/01.ipynb"]:
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            (tree / name).write_text("")
        context = build_context(tools, tree)
        sent = [name for name in outputs if name in context]
        check(not sent and {"src/lib.rs", "notebooks/01.ipynb"} <= context,
              f"build outputs stay out of the build context, sources go in (sent: {sent})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tools", type=Path, default=TOOLS)
    args = parser.parse_args()
    try:
        check_repo2docker(args.tools)
        check_toolchain_pin()
        check_binder_scripts()
        check_dockerfile(args.tools)
        check_build_context(args.tools)
    except Failure as failure:
        print(f"FAIL {failure}", file=sys.stderr)
        sys.exit(1)
    print("recipes: repo2docker's Dockerfile, postBuild and start, deploy/Dockerfile: all checks passed")


if __name__ == "__main__":
    main()
