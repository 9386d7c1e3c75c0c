"""Start a class's servers before the lesson and wait until every warm kernel is ready (docs/classroom.md).

A new Rust kernel spends about half a minute of one core before the notebook's first cell computes anything:
rust-analyzer, inside evcxr, loads and resolves the crate graph behind `:dep demystify_resnet`. Each student's
server does that work ahead of time in its warm kernel (deploy/warm_kernels.py), as the server starts. When a whole
class starts its servers at the same moment, those warm-ups share the machine and the first figure comes minutes
later. Started before the lesson (what the hub's admin page does with "Start All", here through the hub's REST API),
the warm-ups are over when the students arrive, and each student's notebook gets a kernel that has done them.

For each student this creates the hub user if missing, starts their default server, and waits until the server's
kernel list (`GET /user/NAME/api/kernels`) shows a kernel with `"warm": "ready"`. A student whose server has no warm
kernel, or whose warm-up failed, is reported with that status; nothing is retried.

Usage: python3 scripts/start_class.py --hub https://hub.example.org --token TOKEN student1 student2 ...
The token is a hub API token with the scopes admin:users (to create missing users), admin:servers, read:users
and access:servers.
"""
import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import requests

# After its server is ready, how long a server may go without listing any warm kernel (warming or ready) before
# it is reported as having none: the pool is filled as soon as the server's event loop runs, well within this.
NO_WARM_KERNEL_AFTER = 60.0


def start_server(hub: str, token: str, name: str) -> None:
    """Creates the user if missing and asks the hub to start their default server (a running one is left alone)."""
    h = {"Authorization": f"token {token}"}
    r = requests.get(f"{hub}/hub/api/users/{quote(name, safe='')}", headers=h, timeout=30)
    if r.status_code == 404:
        requests.post(f"{hub}/hub/api/users/{quote(name, safe='')}", headers=h, timeout=30).raise_for_status()
    elif not r.ok:
        r.raise_for_status()
    # The hub answers 202 once the spawn has run for its slow_spawn_timeout (10 s by default), 201 if it was
    # faster, 400 if the server is already running.
    r = requests.post(f"{hub}/hub/api/users/{quote(name, safe='')}/server", headers=h, timeout=120)
    if r.status_code not in (201, 202, 400):
        r.raise_for_status()


def start_servers(hub: str, token: str, names: list[str]) -> None:
    """Starts every student's server at once, as the admin page's "Start All" does."""
    with ThreadPoolExecutor(max_workers=min(len(names), 16) or 1) as pool:
        list(pool.map(lambda name: start_server(hub, token, name), names))


def warm_state(hub: str, token: str, name: str) -> tuple[bool, dict[str, str | None]]:
    """Whether the student's server is ready, and its kernels: id -> `warm` mark ("warming", "ready", or None for a
    kernel outside the pool)."""
    h = {"Authorization": f"token {token}"}
    user = requests.get(f"{hub}/hub/api/users/{quote(name, safe='')}", headers=h, timeout=30).json()
    if not user.get("servers", {}).get("", {}).get("ready"):
        return False, {}
    kernels = requests.get(f"{hub}/user/{quote(name, safe='')}/api/kernels", headers=h, timeout=30)
    kernels.raise_for_status()
    return True, {k["id"]: k.get("warm") for k in kernels.json()}


def start_class(hub: str, token: str, names: list[str], timeout: float = 1800.0, every: float = 1.0) -> list[dict]:
    """Starts every student's server and waits for their warm kernels. One record per student: `server_ready` and
    `warm_ready` (seconds from the call), and `status`: "ready" (also when a student who came early already has the
    warm kernel in a notebook), "no warm kernel", "warm-up failed" or "timeout"; `error` holds the last failed
    request, if any."""
    started = time.time()
    start_servers(hub, token, names)
    records = {name: {"student": name, "status": None} for name in names}
    warming: dict[str, str] = {}  # student -> the kernel seen warming up
    while any(r["status"] is None for r in records.values()):
        now = time.time() - started
        for name, r in records.items():
            if r["status"] is not None:
                continue
            try:
                ready, kernels = warm_state(hub, token, name)
            except requests.RequestException as e:  # a server still starting behind the proxy: ask again
                r["error"] = str(e)
                ready, kernels = False, {}
            if ready and "server_ready" not in r:
                r["server_ready"] = now
            marks = set(kernels.values())
            handed_out = name in warming and warming[name] in kernels and kernels[warming[name]] is None
            if "ready" in marks or handed_out:
                r["status"], r["warm_ready"] = "ready", now
            elif "warming" in marks:
                warming[name] = next(k for k, m in kernels.items() if m == "warming")
            elif name in warming and ready:
                r["status"] = "warm-up failed"
            elif ready and now - r["server_ready"] > NO_WARM_KERNEL_AFTER:
                r["status"] = "no warm kernel"
            if r["status"] is None and now > timeout:
                r["status"] = "timeout"
        time.sleep(every)
    return list(records.values())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hub", required=True, help="the hub's public URL, e.g. https://hub.example.org")
    ap.add_argument("--token", required=True, help="a hub API token (scopes: see above)")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for all warm kernels")
    ap.add_argument("students", nargs="+", help="the hub user names of the class")
    args = ap.parse_args()
    try:
        records = start_class(args.hub.rstrip("/"), args.token, args.students, args.timeout)
    except requests.HTTPError as e:
        print(f"the hub refused {e.request.method} {e.request.url}: {e.response.status_code} {e.response.reason} "
              f"(a token with the scopes above?)", file=sys.stderr)
        return 2
    except requests.RequestException as e:
        print(f"the hub at {args.hub} did not answer: {e}", file=sys.stderr)
        return 2
    print("| student | server ready (s) | warm kernel ready (s) | status |\n|---|---|---|---|")
    for r in records:
        print(f"| {r['student']} | {r.get('server_ready', float('nan')):.0f} | {r.get('warm_ready', float('nan')):.0f} "
              f"| {r['status']} |")
    return 0 if all(r["status"] == "ready" for r in records) else 1


if __name__ == "__main__":
    sys.exit(main())
