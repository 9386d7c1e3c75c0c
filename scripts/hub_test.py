"""A class on a real JupyterHub, on this machine (issue 20): JupyterHub from the Python registry and
configurable-http-proxy from npm on 127.0.0.1, the shared-password authenticator, and SimpleLocalProcessSpawner
giving every student their own home; the classroom's kernelspec (scripts/classroom.sh build) gives every kernel its
own build folder, seeded from the pre-built one as it starts.

N students log in at the same time (the hub's login form, with the shared password), start their servers, and
run notebook 03 in quick mode through their own server's kernel (Jupyter's REST and websocket protocol through
the proxy, as JupyterLab does), each with their own depth list. Checked: every cell ran without error, the figure
was drawn (plotly output), each student's table holds exactly their own depths, and the exercise checkers told
each student what their answers deserve (students answer right, wrong, or leave the answers blank, in turn); one
student's kernel is killed (SIGKILL) in the middle of the run, the others finish unaffected, and that student
restarts the kernel (Kernel > Restart Kernel, the server's restart endpoint) and runs all again successfully; the
hub answers /hub/api within 1 s throughout. Afterwards each student's saved notebook (a PUT to the contents API,
as JupyterLab saves) goes through the teacher's roll-up (scripts/collect.py), whose CSV must hold the same
verdicts. HUB_TEST_TRACE=1 prints every message each student's client receives. Recorded per student: login,
server ready, kernel ready, first figure, all cells done (seconds from the start), and the resident memory of their
server and kernel.

With --before-class the teacher starts every student's server before the lesson (scripts/start_class.py, the
admin page's "Start All" through the hub's REST API) and waits until each warm kernel is ready; then the students
log in as above. The times stay counted from the students' login; the time the teacher waited is recorded beside
them.

Everything binds to 127.0.0.1; every process started is stopped on any exit, kernels included.

Usage: python3 scripts/hub_test.py [--students 3] [--prefix /opt/demystify-resnet] [--out reports/test] [--no-rollup]
                                  [--cold | --before-class]
       python3 scripts/hub_test.py --out reports/classroom --table docs/classroom.md   (the load table, no run)
"""
import argparse, csv, json, multiprocessing, os, re, secrets, shutil, signal, socket, subprocess, sys, threading, time, uuid
from pathlib import Path

import requests
from tornado import httpclient, websocket
import asyncio

sys.path.insert(0, str(Path(__file__).resolve().parent))
from collect import feedback_of
from measured_on import commit, machine
from process_table import processes_with, processes_with_env, rss_of_tree, stat_fields, tree

ROOT = Path(__file__).resolve().parent.parent
RUN_MARK = "DEMYSTIFY_HUB_TEST"
ANSI = re.compile("\x1b\\[[0-9;]*m")
PASSWORD = "classroom-" + secrets.token_hex(4)
NOTEBOOK = "03_condition_number_vs_depth.ipynb"
# Each student's own depths for notebook 03's sweep (quick mode), so that their outputs differ.
DEPTH_LISTS = [[1, 2, 3], [1, 2, 5], [1, 3, 6], [2, 3, 4], [1, 4, 7], [2, 5, 6], [1, 6, 8], [3, 4, 8]]
# How each student answers notebook 03's exercises, in turn: right (computed with the library, as a student who
# worked it out), wrong, or left blank. The teacher's roll-up must say correct, not yet, not attempted.
ANSWERS = {
    "correct": {
        "3.1": "let answer_3_1: Option<f64> = Some(theory::closed_form_spectrum(2, 1, cfg.data.load(cfg.width)?.moments(), "
               "1.0)?.condition_number().unwrap_or(f64::NAN)); // depth does not matter for shortcut 2",
        "3.2": "let answer_3_2: Option<f64> = Some(1.0);",
        "3.3": "let answer_3_3: Option<usize> = {\n"
               "    let data = DataSpec::default().load(4)?;\n"
               "    let mut first = None;\n"
               "    for l in 1..=200 {\n"
               "        if first.is_none() && theory::closed_form_spectrum(1, l, data.moments(), 1.0)?.condition_number()"
               ".unwrap_or(f64::INFINITY) > 1e4 { first = Some(l); }\n"
               "    }\n"
               "    first\n"
               "};",
    },
    "wrong": {"3.1": "let answer_3_1: Option<f64> = Some(1.0);",
              "3.2": "let answer_3_2: Option<f64> = Some(2.0);",
              "3.3": "let answer_3_3: Option<usize> = Some(16);"},
    "blank": {},
}
STYLES = ["correct", "wrong", "blank"]
EXPECTED_VERDICT = {"correct": "correct", "wrong": "not yet", "blank": "not attempted"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def marked_pids(mark: str) -> list[int]:
    """Processes started by this run (their environment carries RUN_MARK=mark)."""
    return [p for p in processes_with_env(f"{RUN_MARK}={mark}") if p != os.getpid()]


def kernel_env() -> dict:
    """What this test passes from its own environment to the students' servers and their kernels: the kernel's
    analysis threads (scripts/evcxr/analysis.patch), when given."""
    return {k: os.environ[k] for k in ("EVCXR_ANALYSIS_THREADS",) if k in os.environ}


def hub_config(root: Path, port: int, api_port: int, hub_port: int, token: str, prefix: Path, mark: str,
               warm: bool) -> str:
    rustup_home = os.environ.get("RUSTUP_HOME", str(Path.home() / ".rustup"))
    cargo_home = os.environ.get("CARGO_HOME", str(Path.home() / ".cargo"))
    passed_env = kernel_env()
    return f"""
import os
c = get_config()
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = [{str(root / 'node_modules' / '.bin' / 'configurable-http-proxy')!r}]
c.JupyterHub.db_url = "sqlite:///{root}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{root}/cookie_secret"
c.JupyterHub.pid_file = "{root}/jupyterhub.pid"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = {PASSWORD!r}
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# A kernel answers its first kernel_info only once evcxr is up; with a class starting at once on 2 cores that can
# take longer than the server's default minute.
c.Spawner.args = ["--ServerApp.allow_root=True", "--MappingKernelManager.kernel_info_timeout=600"]
# On Kubernetes the hub has its own CPU and each student a CPU limit; here everything shares 2 cores, so the
# students' servers (and their kernels) run at a lower priority than the hub, as the cluster's scheduler would put it.
c.Spawner.cmd = ["nice", "-n", "10", {str(Path(sys.executable).parent / "jupyterhub-singleuser")!r}]
c.SimpleLocalProcessSpawner.home_dir_template = "{root}/home/{{username}}"
c.Spawner.environment = {{
    # The toolchain lives outside the student's HOME (an image installs it under /opt): say where.
    "RUSTUP_HOME": {rustup_home!r},
    "CARGO_HOME": {cargo_home!r},
    "CARGO_NET_OFFLINE": "true",
    "DEMYSTIFY_QUICK": "1",
    "{RUN_MARK}": "{mark}",
}}
# The kernel's analysis threads (scripts/evcxr/analysis.patch), when the test was given a number.
c.Spawner.environment.update({passed_env!r})
# The classroom's server configuration (deploy/warm_kernels.py), from the classroom build's PREFIX/etc/jupyter as the
# image sets JUPYTER_CONFIG_PATH: each student's server warms one Rust kernel up as it starts. --cold keeps the
# configuration (its restart handling included) with no warm kernel.
c.Spawner.environment["JUPYTER_CONFIG_PATH"] = "{prefix}/etc/jupyter"
if not {warm!r}:
    c.Spawner.args.append("--WarmKernelManager.warm_kernels=0")
async def seed_student(spawner):
    # Off the hub's event loop: the hub keeps answering while a student's folder is seeded.
    import asyncio
    name = spawner.user.name
    home = "{root}/home/" + name
    # The course's notebooks into the student's home, once (a student's edits are kept), in a child process at the
    # students' priority (on Kubernetes the image does this). Each kernel seeds its own build folder as it starts
    # (PREFIX/bin/rust-kernel, the classroom's kernelspec).
    proc = await asyncio.create_subprocess_exec(
        "nice", "-n", "10", "bash", "-c", 'mkdir -p "$1" && {{ [ -d "$1/notebooks" ] || cp -r "$2/notebooks" "$1/"; }}',
        "copy", home, "{prefix}")
    if await proc.wait() != 0:
        raise RuntimeError("copying the notebooks of " + name + " failed")
c.Spawner.pre_spawn_hook = seed_student
def stop_kernels(spawner):
    # A server stopped by the hub (culling, logout, shutdown) takes its kernels with it: evcxr's runtime process
    # outlives a killed kernel process otherwise. Every process of the student's server carries JUPYTERHUB_USER.
    import signal
    mark = ("JUPYTERHUB_USER=" + spawner.user.name).encode()
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                if mark in open("/proc/" + p + "/environ", "rb").read().split(b"\\0"):
                    os.kill(int(p), signal.SIGKILL)
            except OSError:
                pass
c.Spawner.post_stop_hook = stop_kernels
c.JupyterHub.services = [{{"name": "classroom-test", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{"name": "classroom-test", "services": ["classroom-test"],
    "scopes": ["admin:users", "admin:servers", "admin:server_state", "access:servers", "read:users", "list:users"]}}]
"""


class Kernel:
    """A kernel of a student's server, driven over Jupyter's websocket protocol through the proxy."""

    def __init__(self, base: str, user: str, token: str):
        self.base, self.user, self.token = base, user, token
        self.headers = {"Authorization": f"token {token}"}
        self.session = uuid.uuid4().hex
        # With warm kernels the request returns once the server's warm kernel is ready, which under a class's load
        # can take minutes.
        r = requests.post(f"{base}/user/{user}/api/kernels", json={"name": "rust"}, headers=self.headers,
                          timeout=900)
        r.raise_for_status()
        self.id = r.json()["id"]
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)  # tornado's websocket client runs on this thread's loop
        self.ws = None
        self.connect()

    def connect(self) -> None:
        """Opens (or reopens) the websocket to this kernel, as JupyterLab does after a restart."""
        if self.ws is not None:
            self.ws.close()
        self._pending = None
        req = httpclient.HTTPRequest(
            f"{self.base.replace('http', 'ws')}/user/{self.user}/api/kernels/{self.id}/channels",
            headers=self.headers, connect_timeout=300, request_timeout=300)

        async def connect():
            return await websocket.websocket_connect(req)
        self.ws = self.loop.run_until_complete(connect())

    def restart(self, timeout: float) -> None:
        """What a student does when a cell stops with 'the kernel died': Kernel > Restart Kernel (the server's
        restart endpoint, which returns once the new kernel answers), then reconnects. The server has already
        restarted the dead kernel on its own, but that kernel's first cell fails with 'Subprocess terminated with
        status: signal: 9': jupyter_client's shutdown of the dead kernel sends an interrupt_request on the control
        channel, it is delivered to the new kernel on the same ports, and evcxr interrupts by killing its
        subprocess (docs/classroom.md)."""
        deadline = time.time() + timeout
        while True:  # the restart endpoint fails while the server's own restart is still under way; try again
            r = requests.post(f"{self.base}/user/{self.user}/api/kernels/{self.id}/restart", headers=self.headers,
                              timeout=timeout)
            if r.ok:
                break
            if time.time() > deadline:
                r.raise_for_status()
            time.sleep(2)
        self.connect()

    async def _write(self, text: str) -> None:
        await self.ws.write_message(text)

    killed = False  # set when the test kills this kernel's process: the student notices and restarts

    def execute(self, code: str, timeout: float) -> dict:
        """Runs `code`; returns {'outputs': [...], 'status': 'ok' | 'error' | 'died' | 'timeout'}. A kernel whose
        process was killed is 'died' once it has been silent for 5 s (as a student sees a cell that stopped)."""
        msg_id = uuid.uuid4().hex
        self.loop.run_until_complete(self._write(json.dumps({
            "header": {"msg_id": msg_id, "username": self.user, "session": self.session,
                       "msg_type": "execute_request", "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}})))
        # The reply (shell channel) and the idle status (iopub) arrive in either order; the cell is done when both
        # have arrived.
        outputs, status, idle, deadline = [], None, False, time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                return {"outputs": outputs, "status": "timeout"}
            async def read():
                return await asyncio.wait_for(asyncio.shield(pending), min(left, 5.0))
            pending = self._pending or asyncio.ensure_future(self.ws.read_message(), loop=self.loop)
            self._pending = pending
            try:
                raw = self.loop.run_until_complete(read())
                self._pending = None
            except asyncio.TimeoutError:
                if self.killed:
                    return {"outputs": outputs, "status": "died"}
                continue
            if raw is None:
                return {"outputs": outputs, "status": "died"}
            m = json.loads(raw)
            kind = m["header"]["msg_type"]
            if os.environ.get("HUB_TEST_TRACE"):
                print(f"{self.user} {time.time():.1f} {m.get('channel')} {kind} {len(raw)} "
                      f"{m['content'].get('execution_state', '')} mine={m.get('parent_header', {}).get('msg_id') == msg_id}",
                      file=sys.stderr, flush=True)
            if kind == "status" and m["content"]["execution_state"] in ("restarting", "dead"):
                return {"outputs": outputs, "status": "died"}
            if m.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if kind in ("stream", "display_data", "execute_result", "error"):
                outputs.append(m["content"] | {"output_type": kind})
            elif kind == "execute_reply":
                status = m["content"]["status"]
            elif kind == "status" and m["content"]["execution_state"] == "idle":
                idle = True
            if status is not None and idle:
                return {"outputs": outputs, "status": status}

    def close(self):
        try:
            self.ws.close()
            requests.delete(f"{self.base}/user/{self.user}/api/kernels/{self.id}", headers=self.headers, timeout=30)
        except Exception:
            pass
        self.loop.close()


def with_answers(source: str, style: str) -> str:
    """An answer cell as a student of this `style` leaves it: the `let answer_…` line replaced, the checker call
    kept."""
    for exercise, line in ANSWERS[style].items():
        var = "answer_" + exercise.replace(".", "_")
        if re.search(rf"\blet\s+{var}\b", source):
            return re.sub(rf"let\s+{var}\b[^\n]*", lambda _: line, source, count=1)
    return source


def student_notebook(prefix: Path, depths: list[int], style: str) -> dict:
    """Notebook 03 as the classroom build gives it to a student (its `:dep` on PREFIX/crate/dylib), as this student edits
    it: their own depth list in the sweep and their answers."""
    nb = json.loads((prefix / "notebooks" / NOTEBOOK).read_text())
    for c in nb["cells"]:
        if c["cell_type"] != "code":
            continue
        src = c["source"] if isinstance(c["source"], str) else "".join(c["source"])
        src = src.replace("ConditionVsDepthConfig::quick()",
                          f"ConditionVsDepthConfig {{ depths: vec!{depths}, ..ConditionVsDepthConfig::quick() }}")
        c["source"] = with_answers(src, style)
    return nb


def student_cells(nb: dict) -> list[str]:
    """The code cells the student runs, in order (Run All)."""
    return [c["source"] for c in nb["cells"] if c["cell_type"] == "code"]


def run_student(i: int, name: str, base: str, token: str, prefix: Path, started: float, record: dict,
                kill_after: int | None, timeout: float) -> None:
    r = record
    try:
        s = requests.Session()
        s.get(f"{base}/hub/login", timeout=30)
        resp = s.post(f"{base}/hub/login?next=", data={"username": name, "password": PASSWORD,
                                                         "_xsrf": s.cookies.get("_xsrf", "")}, timeout=60)
        if resp.status_code >= 400 or "login" in resp.url.rsplit("/", 1)[-1]:
            raise RuntimeError(f"login failed: {resp.status_code} {resp.url}")
        r["login"] = time.time() - started
        h = {"Authorization": f"token {token}"}
        requests.post(f"{base}/hub/api/users/{name}/server", headers=h, timeout=120)
        while True:
            u = requests.get(f"{base}/hub/api/users/{name}", headers=h, timeout=30).json()
            server = u.get("servers", {}).get("", {})
            if server.get("ready"):
                break
            if time.time() - started > timeout:
                raise RuntimeError("server not ready")
            time.sleep(0.5)
        r["server_ready"] = time.time() - started
        r["server_pid"] = server.get("state", {}).get("pid")
        depths = DEPTH_LISTS[i % len(DEPTH_LISTS)]
        style = STYLES[i % len(STYLES)]
        r["answers"] = style
        notebook = student_notebook(prefix, depths, style)
        cells = student_cells(notebook)
        asked = time.time()
        k = Kernel(base, name, token)
        r["kernel_ready"] = time.time() - started
        r["kernel_id"] = k.id
        r["build_folder"] = build_folder(k.id)
        # What the server's kernel list says of it ("handed out" for a warm kernel; scripts/start_class.py reads it).
        r["warm_mark"] = requests.get(f"{base}/user/{name}/api/kernels/{k.id}", headers={"Authorization": f"token {token}"},
                                      timeout=30).json().get("warm")
        # A warm kernel's process was started before the notebook asked for it.
        r["kernel_process_age_at_request"] = asked - min((process_start(p) for p in kernel_pids(k.id)),
                                                          default=asked)
        attempts = 0
        try:
            while True:  # Run All; after the kernel died and the server restarted it, Run All again on the same kernel
                attempts += 1
                outputs, died = [], False
                for n, code in enumerate(cells):
                    if kill_after is not None and attempts == 1 and n == kill_after:
                        def kill(kernel=k):
                            kernel.killed = True
                            kill_kernel(kernel.id)
                        threading.Timer(3.0, kill).start()
                    res = k.execute(code, timeout)
                    if res["status"] == "died":
                        died = True
                        break
                    if res["status"] != "ok":
                        said = " ".join(" ".join([o.get("evalue", "")] + o.get("traceback", []))
                                        if o["output_type"] == "error" else str(o.get("text", "")) for o in res["outputs"])
                        raise RuntimeError(f"cell {n} {res['status']}: {ANSI.sub('', said)[-1500:]}")
                    outputs.append(res["outputs"])
                    if "first_figure" not in r and any("application/vnd.plotly.v1+json" in o.get("data", {})
                                                       for o in res["outputs"]):
                        r["first_figure"] = time.time() - started
                r["memory_bytes"] = rss_of_tree(r["server_pid"]) if r.get("server_pid") else None
                if not died:
                    break
                if attempts > 1:
                    raise RuntimeError("the kernel died again after its restart")
                r["killed_at_cell"] = n
                k.killed = False
                k.restart(timeout)
                r["restarted"] = time.time() - started
                r["killed_and_restarted"] = True
        finally:
            k.close()
        r["all_done"] = time.time() - started
        # The student saves their notebook (JupyterLab's save: a PUT to the contents API), for the teacher.
        requests.put(f"{base}/user/{name}/api/contents/notebooks/{NOTEBOOK}", headers=h, timeout=60,
                     json={"type": "notebook", "format": "json", "content": notebook}).raise_for_status()
        texts = [json.dumps(o) for cell in outputs for o in cell]
        r["figures"] = sum("application/vnd.plotly.v1+json" in t for t in texts)
        r["errors"] = sum('"output_type": "error"' in t or '"name": "stderr"' in t for t in texts)
        # The shortcut-2 table shows this student's depths, and no other student's.
        table = next((json.loads(t) for t in texts if "Shortcut 2 at W = 0" in t), None)
        shown = numeric_depths(table["data"]["text/html"]) if table else []
        r["depths_asked"], r["depths_table"] = depths, shown
        r["own_outputs"] = shown == sorted(depths)
        # What the checkers told the student, live.
        r["verdicts_seen"] = [f["verdict"] for f in map(feedback_of, outputs) if f is not None]
        r["ok"] = (r["figures"] >= 1 and r["errors"] == 0 and r["own_outputs"]
                   and r["verdicts_seen"] == [EXPECTED_VERDICT[style]] * 3)
    except Exception as e:  # recorded, reported, and failed on below
        r["ok"] = False
        r["error"] = f"{type(e).__name__}: {e}"


def numeric_depths(table_html: str) -> list[int]:
    """The `depth` column of the rows computed from the network (`method` numeric) of an HTML table of
    condition_vs_depth: the depths this student asked for, and no other student's."""
    rows = [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S) for row in re.findall(r"<tr>(.*?)</tr>", table_html, re.S)]
    rows = [[re.sub(r"<[^>]+>", "", c).strip() for c in row] for row in rows if row]
    header = next(row for row in rows if "depth" in row and "method" in row)
    d, m = header.index("depth"), header.index("method")
    return sorted({int(row[d]) for row in rows if row is not header and len(row) == len(header) and row[m] == "numeric"})


def student_process(results, i, name, base, token, prefix, started, kill_after, timeout) -> None:
    record = {"student": name}
    run_student(i, name, base, token, prefix, started, record, kill_after, timeout)
    results.put({"index": i, "record": record})


def kernel_pids(kernel_id: str) -> list[int]:
    """The processes started for the kernel with this id (its connection file, kernel-<id>.json, is in their
    command line)."""
    return processes_with(f"kernel-{kernel_id}")


def process_start(pid: int) -> float:
    """When the process started, in seconds since the epoch (/proc/PID/stat's start time after boot)."""
    ticks = int(stat_fields(pid)[19])
    boot = next(int(l.split()[1]) for l in Path("/proc/stat").read_text().splitlines() if l.startswith("btime"))
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def build_folder(kernel_id: str) -> str | None:
    """EVCXR_TMPDIR of the running kernel with this id, from its process's environment."""
    for pid in kernel_pids(kernel_id):
        try:
            for entry in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
                if entry.startswith(b"EVCXR_TMPDIR="):
                    return entry.split(b"=", 1)[1].decode()
        except OSError:
            pass
    return None


def kill_kernel(kernel_id: str) -> None:
    """SIGKILL to the kernel process and its descendants (evcxr runs cells in a child process)."""
    for pid in kernel_pids(kernel_id):
        for q in reversed(tree(pid)):
            try:
                os.kill(q, signal.SIGKILL)
            except ProcessLookupError:
                pass


def collect_rollup(root: Path, prefix: Path, records: list, env: dict, out: Path, timeout: float) -> list | None:
    """The teacher's roll-up of the saved notebooks (scripts/collect.py), run as a teacher would after class: the
    students' notebook folders gathered into one submissions folder, graded in a build folder of their own."""
    submissions = root / "submissions"
    shutil.rmtree(submissions, ignore_errors=True)
    submissions.mkdir()
    for r in records:
        (submissions / r["student"]).symlink_to(root / "home" / r["student"] / "notebooks")
    grader = prefix / "students" / "grader"
    subprocess.run(["bash", str(ROOT / "scripts" / "classroom.sh"), "seed", str(grader), str(prefix)], check=True)
    csv_path = out / "rollup.csv"
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "collect.py"), str(submissions), "--quick",
                           "--notebook", Path(NOTEBOOK).stem,
                           "--out", str(csv_path), "--timeout", str(int(timeout))],
                          env=dict(env, EVCXR_TMPDIR=str(grader)), timeout=timeout * 3)
    if done.returncode != 0 or not csv_path.exists():
        return None
    with open(csv_path) as f:
        return list(csv.DictReader(f))


def rollup_problems(rollup: list | None, records: list) -> list[str]:
    """The roll-up has, for every student, each of notebook 03's three exercises with the verdict their answers
    deserve: correct, not yet (with a hint), not attempted; and no errors."""
    if rollup is None:
        return ["the roll-up (scripts/collect.py) did not produce its CSV"]
    problems = []
    for r in records:
        rows = [row for row in rollup if row["student"] == r["student"]]
        want = EXPECTED_VERDICT[r.get("answers", "blank")]
        got = {row["exercise"]: row for row in rows}
        if sorted(got) != ["3.1", "3.2", "3.3"]:
            problems.append(f"roll-up: {r['student']} has exercises {sorted(got)}, expected 3.1, 3.2, 3.3")
            continue
        for ex, row in got.items():
            if row["verdict"] != want or row["error"] or (want == "not yet" and not row["hint"]):
                problems.append(f"roll-up: {r['student']} {ex}: {row['verdict']!r} (hint {row['hint']!r}, "
                                f"error {row['error']!r}); expected {want!r}")
    return problems


MODES = ["cold", "warm", "warm, started before class"]


def mode_of(run: dict) -> str:
    """How a run's kernels started: cold, warm (each server warms one up as the student starts it), or warm with the
    servers started by the teacher before the students logged in."""
    if not run.get("warm_kernels"):
        return "cold"
    return "warm" if run.get("before_class") is None else "warm, started before class"


def write_table(runs: Path, doc: Path) -> int:
    """The load table (one row per class size, from the JSON each run wrote) into `doc` between its markers."""
    found = sorted((json.loads(p.read_text()) for p in runs.glob("hub_*_students*.json")),
                   key=lambda run: (MODES.index(mode_of(run)), len(run["students"])))
    if not found:
        print(f"no runs in {runs}", file=sys.stderr)
        return 1
    def span(run, key, scale=1.0, digits=0):
        values = [s[key] * scale for s in run["students"] if isinstance(s.get(key), (int, float))]
        return "–" if not values else (f"{min(values):.{digits}f}" if max(values) - min(values) < 10 ** -digits
                                       else f"{min(values):.{digits}f}–{max(values):.{digits}f}")
    lines = ["| students | kernels | server ready (s) | kernel ready (s) | first figure (s) | all cells done (s) | "
             "failures | mixed outputs | resident per student (GB) | `/hub/api` worst (s) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for run in found:
        students = run["students"]
        failures = sum(not s.get("ok") for s in students)
        mixed = sum(s.get("own_outputs") is False for s in students)
        mode = mode_of(run)
        lines.append(f"| {len(students)} | {mode} | {span(run, 'server_ready')} | {span(run, 'kernel_ready')} | "
                     f"{span(run, 'first_figure')} | {span(run, 'all_done')} | {failures} | {mixed} | "
                     f"{span(run, 'memory_bytes', 1e-9, 1)} | {run['hub_api_worst_seconds']:.2f} |")
    verdicts = []
    for run in found:
        students = run["students"]
        mode = {"cold": "cold kernels", "warm": "warm kernels",
                "warm, started before class": "servers and warm kernels started before class"}[mode_of(run)]
        if run.get("before_class"):
            waited = max((b.get("warm_ready", float("inf")) for b in run["before_class"]), default=float("inf"))
            verdicts.append(f"- {len(students)} student{'s' if len(students) > 1 else ''}, {mode}: the teacher's "
                            f"`scripts/start_class.py` had every warm kernel ready {waited:.0f} s after it started the "
                            f"servers; the students logged in after that.")
        if len(students) == 1 and "first_figure" in students[0] and "server_ready" in students[0]:
            wait = students[0]["first_figure"] - students[0]["server_ready"]
            since = ("the student found their server ready, right after logging in" if run.get("before_class")
                     else "the server was ready")
            verdicts.append(f"- 1 student, {mode}: first figure {wait:.1f} s after {since} (target ≤ 15 s): "
                            + ("met." if wait <= 15 else "**not met**."))
        if len(students) == 8:
            done = [s.get("all_done") for s in students]
            slowest = max((d for d in done if d is not None), default=float("inf"))
            failures = sum(not s.get("ok") for s in students)
            mixed = sum(s.get("own_outputs") is False for s in students)
            met = slowest <= 180 and failures == 0 and mixed == 0 and None not in done
            verdicts.append(f"- 8 students at once, {mode}: all cells done after {slowest:.0f} s at the latest, {failures} "
                            f"failures, {mixed} mixed outputs (target ≤ 180 s, 0, 0): "
                            + ("met." if met else "**not met**."))
    dates = sorted({run["date"] for run in found})
    machines = sorted({run["machine"] for run in found})
    commits = sorted({run["commit"] for run in found if run.get("commit")})
    at = f", at commit {' and '.join(commits)}" if commits else ""
    note = (f"Measured by `make classroom-bench` on {'; '.join(machines)}, {dates[0]} to {dates[-1]}{at}. Seconds from "
            f"the moment the students log in; with 2 or more students, student 2's kernel is killed 3 s into its "
            f"third cell and that student restarts it and runs all again, so their times include a second run.")
    block = "\n".join(["<!-- classroom-bench -->", note, "", *lines, "", *verdicts, "<!-- /classroom-bench -->"])
    text = doc.read_text()
    start, end = text.find("<!-- classroom-bench -->"), text.find("<!-- /classroom-bench -->")
    if start < 0 or end < 0:
        print(f"{doc} has no <!-- classroom-bench --> markers", file=sys.stderr)
        return 1
    doc.write_text(text[:start] + block + text[end + len("<!-- /classroom-bench -->"):])
    print(f"wrote the table of {len(found)} runs into {doc}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=3)
    ap.add_argument("--prefix", default="/opt/demystify-resnet")
    ap.add_argument("--out", default=str(ROOT / "reports" / "test"))
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--table", metavar="DOC",
                    help="no run: write the table of the runs found in --out (hub_N_students.json) into DOC, between "
                         "the markers <!-- classroom-bench --> and <!-- /classroom-bench -->")
    ap.add_argument("--cold", action="store_true",
                    help="no warm kernels (the classroom's server configuration with WarmKernelManager.warm_kernels=0): "
                    "every notebook's kernel starts cold (the comparison run of the bench)")
    ap.add_argument("--before-class", action="store_true",
                    help="the teacher starts every student's server and waits for the warm kernels before the students "
                         "log in (scripts/start_class.py)")
    ap.add_argument("--no-rollup", action="store_true",
                    help="skip the teacher's roll-up (the load runs of make classroom-bench measure the hub only)")
    args = ap.parse_args()
    if args.cold and args.before_class:
        ap.error("--before-class waits for warm kernels; --cold has none")
    if args.table:
        return write_table(Path(args.out), Path(args.table))
    prefix = Path(args.prefix)
    if not (prefix / "seed" / "target").is_dir():
        print(f"no classroom build at {prefix}: run scripts/classroom.sh build {prefix}", file=sys.stderr)
        return 1
    root = Path("/var/tmp/demystify-resnet/hub")
    root.mkdir(parents=True, exist_ok=True)
    suffix = "_cold" if args.cold else "_before_class" if args.before_class else ""
    for stale in ("jupyterhub.sqlite", "jupyterhub.pid"):
        (root / stale).unlink(missing_ok=True)
    shutil.rmtree(root / "home", ignore_errors=True)
    shutil.rmtree(prefix / "students", ignore_errors=True)
    shutil.rmtree(prefix / "kernels", ignore_errors=True)
    mark = uuid.uuid4().hex
    port, api_port, hub_port = free_port(), free_port(), free_port()
    token = secrets.token_hex(16)
    (root / "jupyterhub_config.py").write_text(hub_config(root, port, api_port, hub_port, token, prefix, mark,
                                                                  warm=not args.cold))
    env = dict(os.environ, **{RUN_MARK: mark})
    # A SIGTERM (a CI time-out, `timeout`) unwinds through the `finally` below, so nothing is left running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    log = open(root / "jupyterhub.log", "w")
    hub = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(root / "jupyterhub_config.py")],
                           cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    records = [{"student": f"student{i + 1}"} for i in range(args.students)]
    rollup = None
    before_class = []
    stop_failures = []
    latencies = []
    left = []
    stop = threading.Event()
    try:
        deadline = time.time() + 120
        while True:
            try:
                if requests.get(f"{base}/hub/api", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if hub.poll() is not None or time.time() > deadline:
                raise SystemExit(f"the hub did not start; see {root / 'jupyterhub.log'}")
            time.sleep(0.5)

        def poll_api():
            while not stop.is_set():
                t = time.time()
                try:
                    requests.get(f"{base}/hub/api", timeout=10)
                    latencies.append(time.time() - t)
                except requests.RequestException:
                    latencies.append(float("inf"))
                stop.wait(0.5)
        poller = threading.Thread(target=poll_api, daemon=True)
        poller.start()
        if args.before_class:  # the teacher's command, as a teacher runs it
            before_json = root / "before_class.json"
            before_json.unlink(missing_ok=True)
            subprocess.run([sys.executable, str(ROOT / "scripts" / "start_class.py"), "--hub", base,
                            "--timeout", str(int(args.timeout)), "--json", str(before_json),
                            *[r["student"] for r in records]],
                           env=dict(env, JUPYTERHUB_API_TOKEN=token), timeout=args.timeout + 120)
            before_class = (json.loads(before_json.read_text()) if before_json.exists()
                            else [{"student": "all", "status": "start_class.py wrote no records"}])
        started = time.time()
        # Student 2 (when there are at least 2) has their kernel killed during the sweep cell.
        # One process per student (as separate browsers would be): no client state is shared between students.
        results = multiprocessing.get_context("fork").Queue()
        procs = [multiprocessing.get_context("fork").Process(
                     target=student_process,
                     args=(results, i, r["student"], base, token, prefix, started, 2 if i == 1 else None, args.timeout))
                 for i, r in enumerate(records)]
        for p in procs:
            p.start()
        for _ in procs:
            done = results.get(timeout=args.timeout + 300)
            records[done["index"]].update(done["record"])
        for p in procs:
            p.join(timeout=30)
        stop.set()
        poller.join(timeout=15)
        h = {"Authorization": f"token {token}"}
        for r in records:
            # Once more after a dropped connection (seen once, in a bench's 8-student run before class; that run's
            # log was not kept); a stop that still fails is a failed check, and the teardown below goes on.
            for attempt in (1, 2):
                try:
                    requests.delete(f"{base}/hub/api/users/{r['student']}/server", headers=h,
                                    timeout=60).raise_for_status()
                    break
                except requests.RequestException as e:
                    if attempt == 2:
                        stop_failures.append(f"{r['student']}: {e!r}")
                    time.sleep(2)
        # Teardown must take the kernels with the servers.
        time.sleep(3)
        left = [p for p in marked_pids(mark) if "evcxr" in Path(f"/proc/{p}/cmdline").read_bytes().decode(errors="replace")]
        if not args.no_rollup:
            rollup = collect_rollup(root, prefix, records, env, Path(args.out), args.timeout)
    finally:
        stop.set()
        try:
            os.killpg(hub.pid, signal.SIGTERM)
            hub.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        for p in marked_pids(mark):
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        log.close()
        # The hub's log (its own, the proxy's and the students' servers' with their kernels'), kept beside the
        # results, also when the run ended in an exception; the next run writes the hub's folder again.
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / "jupyterhub.log", out / f"hub_{args.students}_students{suffix}.log")
    worst = max(latencies) if latencies else float("inf")
    problems = []
    for r in records:
        print(json.dumps(r, default=str))
        if not r.get("ok"):
            problems.append(f"{r['student']}: {r.get('error') or 'wrong outputs'}")
    folders = [r.get("build_folder") for r in records]
    if None in folders or len(set(folders)) != len(folders) or not all(
            f.startswith(f"{prefix}/kernels/{r['student']}/") for f, r in zip(folders, records)):
        problems.append(f"each kernel must have a build folder of its own under {prefix}/kernels/<student>: {folders}")
    not_warm = [b for b in before_class if b["status"] != "ready"]
    if not_warm:
        problems.append(f"before class, these servers' warm kernels did not become ready: {not_warm}")
    if not args.cold:
        cold = [r["student"] for r in records if not r.get("kernel_process_age_at_request", 0) > 0]
        if cold:
            problems.append(f"with warm kernels, these students' first kernel was started only when they asked: {cold}")
        unmarked = [(r["student"], r.get("warm_mark")) for r in records if r.get("warm_mark") != "handed out"]
        if unmarked:
            problems.append(f"the server's kernel list does not mark these warm kernels \"handed out\": {unmarked}")
    else:
        warm = [(r["student"], r["warm_mark"]) for r in records if r.get("warm_mark") is not None]
        if warm:
            problems.append(f"with --cold, these students got a kernel the server had kept warm: {warm}")
    if args.students >= 2 and not records[1].get("killed_and_restarted"):
        problems.append("the killed kernel was not detected")
    if worst > 1.0:
        problems.append(f"/hub/api took {worst:.2f} s at worst during the run (limit 1 s)")
    if left:
        problems.append(f"{len(left)} evcxr kernels were still running after their servers stopped")
    if stop_failures:
        problems.append(f"the hub did not stop these servers: {stop_failures}")
    if not args.no_rollup:
        problems += rollup_problems(rollup, records)
    (out / f"hub_{args.students}_students{suffix}.json").write_text(json.dumps(
        {"students": records, "warm_kernels": not args.cold, "before_class": before_class if args.before_class else None,
         "kernel_env": kernel_env(), "hub_api_worst_seconds": worst, "hub_api_requests": len(latencies),
         "problems": problems, "machine": machine(memory=True), "commit": commit(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())},
        indent=1, default=str))
    print(f"hub: {args.students} students, /hub/api worst {worst:.3f} s over {len(latencies)} requests; "
          f"kernels left after teardown: {len(left)}")
    # each student, folders, kill, latency, teardown, warm kernels used and marked (cold: none kept warm), roll-up,
    # before class
    checks = args.students + 4 + (1 if args.cold else 2) + (not args.no_rollup) + args.before_class
    print(f"{checks - len(problems)} passed, {len(problems)} failed")
    for p in problems:
        print("FAILED:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
