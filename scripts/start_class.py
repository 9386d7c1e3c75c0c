"""Start a class's servers before the lesson and wait until every warm kernel is ready (docs/classroom.md).

A new Rust kernel spends 15–30 s before the notebook's first cell computes anything (docs/classroom.md):
rust-analyzer, inside evcxr, loads and resolves the crate graph behind `:dep demystify_resnet`. Each student's
server does that work ahead of time in its warm kernel (deploy/warm_kernels.py), as the server starts. When a whole
class starts its servers at the same moment, those warm-ups share the machine and the first figure comes minutes
later. Started before the lesson (what the hub's admin page does with "Start All", here through the hub's REST API),
the warm-ups are over when the students arrive, and each student's notebook gets a kernel that has done them.

For each student this creates the hub user if missing, starts their default server (all at once), and waits until
the server's kernel list (`GET /user/NAME/api/kernels`) shows its warm kernel as `"warm": "ready"` (or `"handed
out"`: the student came early and has it). It prints one line per student as each is settled, then exits with 0 if
every warm kernel is ready, 1 if any is not (statuses below), 2 if the hub refused a request or did not answer.
Statuses: "ready"; "no warm kernel" (the server listed none within a minute of being ready: warm kernels not
configured, or a warm-up that failed at once, which the server logs); "warm-up failed" (a warm-up was seen and its
kernel went away or died); "timeout".

Usage: JUPYTERHUB_API_TOKEN=TOKEN python3 scripts/start_class.py --hub https://hub.example.org student1 student2 ...
       [--timeout 1800] [--json records.json]
The token (an admin's, from the hub's /hub/token page, or a service's) needs the scopes admin:users (to create missing
users and read their servers), admin:servers and access:servers. It is read from JUPYTERHUB_API_TOKEN, so that it
stays out of the process list and the shell's history.
"""
import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import requests

# After its server is ready, how long a server may go without listing a warm kernel before it is reported as having
# none: the pool is filled as soon as the server's event loop runs, well within this.
NO_WARM_KERNEL_AFTER = 60.0
# A hub limits how many servers start at once (JupyterHub.concurrent_spawn_limit) and answers 429 beyond it.
SPAWN_RETRY_SECONDS = 5.0


class Refused(Exception):
    """The hub refused a request (a missing scope, a wrong token, a bad user name): waiting would not help."""


def refused(r: requests.Response) -> Refused:
    return Refused(f"the hub refused {r.request.method} {r.url}: {r.status_code} {r.reason}")


def start_server(hub: str, token: str, name: str, deadline: float) -> None:
    """Creates the user if missing and asks the hub to start their default server (a running one is left alone)."""
    h = {"Authorization": f"token {token}"}
    user = f"{hub}/hub/api/users/{quote(name, safe='')}"
    r = requests.get(user, headers=h, timeout=30)
    if r.status_code == 404:
        r = requests.post(user, headers=h, timeout=30)
    if not r.ok:
        raise refused(r)
    while True:
        # 201: started; 202: still starting after the hub's slow_spawn_timeout; 400: already running; 429: the hub's
        # limit of servers starting at once, try again.
        r = requests.post(f"{user}/server", headers=h, timeout=120)
        if r.status_code in (201, 202, 400):
            return
        if r.status_code != 429 or time.time() > deadline:
            raise refused(r)
        time.sleep(float(r.headers.get("Retry-After", SPAWN_RETRY_SECONDS)))


def start_servers(hub: str, token: str, names: list[str], deadline: float) -> None:
    """Starts every student's server at once, as the admin page's "Start All" does."""
    with ThreadPoolExecutor(max_workers=min(len(names), 16) or 1) as pool:
        list(pool.map(lambda name: start_server(hub, token, name, deadline), names))


def warm_state(hub: str, token: str, name: str) -> tuple[bool, dict[str, dict]]:
    """Whether the student's server is ready, and its kernels' models by id (with `warm` for the pool's kernels).
    A refused request raises Refused; a server not answering yet (still starting behind the proxy) counts as not
    ready."""
    h = {"Authorization": f"token {token}"}
    r = requests.get(f"{hub}/hub/api/users/{quote(name, safe='')}", headers=h, timeout=30)
    if not r.ok:
        raise refused(r)
    if not r.json().get("servers", {}).get("", {}).get("ready"):
        return False, {}
    try:
        r = requests.get(f"{hub}/user/{quote(name, safe='')}/api/kernels", headers=h, timeout=30)
    except requests.RequestException:
        return False, {}
    if r.status_code in (401, 403):
        raise refused(r)
    if not r.ok:
        return False, {}
    return True, {k["id"]: k for k in r.json()}


def settle(r: dict, ready: bool, kernels: dict[str, dict], now: float) -> None:
    """Moves one student's record on from what their server shows now (sets `status` once settled)."""
    if ready and "server_ready" not in r:
        r["server_ready"] = now
    alive = {k: m for k, m in kernels.items() if m.get("execution_state") != "dead"}
    marks = {m.get("warm") for m in alive.values()}
    if "ready" in marks or "handed out" in marks:
        r["status"], r["warm_ready"] = "ready", now
    elif "warming" in marks:
        r["seen_warming"] = True
    elif r.get("seen_warming") and ready:
        r["status"] = "warm-up failed"
    elif ready and now - r["server_ready"] > NO_WARM_KERNEL_AFTER:
        r["status"] = "no warm kernel"


def start_class(hub: str, token: str, names: list[str], timeout: float = 1800.0, every: float = 1.0,
                report=None) -> list[dict]:
    """Starts every student's server and waits for their warm kernels. One record per student: `server_ready` and
    `warm_ready` (seconds from the call, to within one poll of that student's server), and `status`. `report` is
    called with each record as it settles."""
    started = time.time()
    start_servers(hub, token, names, started + timeout)
    records = [{"student": name, "status": None} for name in names]
    while any(r["status"] is None for r in records):
        for r in records:
            if r["status"] is not None:
                continue
            ready, kernels = warm_state(hub, token, r["student"])
            now = time.time() - started
            settle(r, ready, kernels, now)
            if r["status"] is None and now > timeout:
                r["status"] = "timeout"
            if r["status"] is not None:
                r.pop("seen_warming", None)
                if report:
                    report(r)
        time.sleep(every)
    return records


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hub", required=True, help="the hub's public URL, e.g. https://hub.example.org")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for all warm kernels")
    ap.add_argument("--json", type=argparse.FileType("w"), help="also write the records (one per student) here")
    ap.add_argument("students", nargs="+", help="the hub user names of the class")
    args = ap.parse_args()
    token = os.environ.get("JUPYTERHUB_API_TOKEN")
    if not token:
        print("set JUPYTERHUB_API_TOKEN to a hub API token (scopes: see --help)", file=sys.stderr)
        return 2

    def report(r: dict) -> None:
        def seconds(key):
            return f"{r[key]:.0f} s" if key in r else "–"
        print(f"{r['student']}: {r['status']} (server ready after {seconds('server_ready')}, warm kernel ready after "
              f"{seconds('warm_ready')})", flush=True)
    try:
        records = start_class(args.hub.rstrip("/"), token, args.students, args.timeout, report=report)
    except Refused as e:
        print(f"{e} (a token with the scopes of --help? a valid user name?)", file=sys.stderr)
        return 2
    except requests.RequestException as e:
        print(f"the hub at {args.hub} did not answer: {e}", file=sys.stderr)
        return 2
    if args.json:
        json.dump(records, args.json, indent=1)
    not_ready = [r["student"] for r in records if r["status"] != "ready"]
    print(f"{len(records) - len(not_ready)} of {len(records)} warm kernels ready"
          + (f"; not ready: {', '.join(not_ready)}" if not_ready else ""))
    return 1 if not_ready else 0


if __name__ == "__main__":
    sys.exit(main())
