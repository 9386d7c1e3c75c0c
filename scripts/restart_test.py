#!/usr/bin/env python3
"""Kernel > Restart Kernel on a student's server (deploy/warm_kernels.py, `clear_on_restart`; docs/classroom.md).

A student's server (the classroom build's WarmKernelManager, configured from PREFIX/etc/jupyter as the image
configures it) starts a Rust kernel, which runs notebook 01's `:dep` cell and defines a variable. Then the server
restarts the kernel, as the restart endpoint and the server's auto-restarter do:

1. idle: the kernel is cleared, not replaced. The same evcxr process answers (its pid is unchanged), the variable
   is gone (`cannot find value`), `:vars` lists nothing, and notebook 01 runs again up to its first table;
2. busy (a cell sleeping for ten minutes): the kernel is replaced by a new process, which runs a cell;
3. dead (its process killed, the server's auto-restarter stopped): the same, a new process that runs a cell (its
   first cell failed with 'Subprocess terminated' when the new process took the interrupt that jupyter_client's
   shutdown had sent the dead one: deploy/warm_kernels.py, DeadKernelQuietManager);
4. dead (killed in the middle of a cell), and the student presses Restart while the server's auto-restarter is
   replacing it: the request waits for
   that restart, so that at no moment do two processes run on the kernel's connection file (the second lost the
   race for the ports and exited, 'Address already in use', and the server restarted the kernel once more: seen in
   a `.ci/run` of scripts/hub_test.py); the request is answered by that restart (one process started in all, not a
   second cold start), the kernel then runs a cell, and its process stays.
5. dead, and the server's auto-restarter replaces it with nobody pressing Restart: the first cell after it runs (it
   failed with 'Subprocess terminated' before DeadKernelQuietManager).
6. dead before it answered, because another process holds one of its ports (a listening socket here; in a hub run
   with 8 students, presumably another process's connection), restarted as the server's auto-restarter restarts a
   kernel that was never alive (new ports): it must come back on new ports (in its connection file too) and run a
   cell, and the server's activity watch must follow it (a sleeping cell shows as busy). jupyter_client 8.10 kept
   the old ports, so every restart failed the same way ('Address already in use') until the kernel was dropped.

Prints the seconds each restart took and the seconds to the first cell's result after it; exits 1 with the failed
checks. Usage: python3 scripts/restart_test.py [--prefix /var/tmp/demystify-resnet/classroom]
"""
import argparse, asyncio, json, os, shutil, signal, socket, sys, time
from pathlib import Path

from checklist import Checklist  # scripts/, this script's folder
from kernel_cost import cells_to_first_table
from process_table import processes_with

NOTEBOOK = "01_residual_blocks.ipynb"


def dep_cell(notebooks: Path) -> str:
    """Notebook 01's first code cell (its `:dep`, pointing at the classroom's crate)."""
    src = cells_to_first_table(notebooks / NOTEBOOK)[0]
    assert ":dep" in src, src
    return src


async def run(client, code: str, timeout: float = 600) -> tuple[str, str]:
    """(status, everything the cell printed or raised)."""
    from demystify_warm_kernels import output_hook  # on sys.path through the classroom's config (main)
    hook, printed = output_hook()
    reply = await client.execute_interactive(code, timeout=timeout, output_hook=hook)
    return reply["content"]["status"], printed()


def pgid_of(pid: int) -> int | None:
    """The process group of a process (each kernel process the server starts leads its own; a shell's short-lived
    children, which carry its command line until they exec, are in it), or None once it is gone."""
    try:
        return os.getpgid(pid)
    except OSError:
        return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prefix", type=Path, default=Path("/var/tmp/demystify-resnet/classroom"))
    args = ap.parse_args()
    prefix = args.prefix.resolve()
    from traitlets.config.loader import PyFileConfigLoader
    config = PyFileConfigLoader("jupyter_server_config.py", path=str(prefix / "etc" / "jupyter")).load_config()
    from demystify_warm_kernels import WarmKernelManager  # on sys.path through the config file

    user = f"restart-test-{os.getpid()}"
    saved = dict(os.environ)
    os.environ.pop("EVCXR_TMPDIR", None)
    # The classroom's kernelspec, as a student's server finds it (see scripts/kernel_cost.py).
    os.environ.update(JUPYTERHUB_USER=user, CARGO_NET_OFFLINE="true",
                      JUPYTER_PATH=os.path.join(sys.prefix, "share", "jupyter"))
    config.WarmKernelManager.warm_up_cells = []  # no pool: this test starts its own kernel
    check = Checklist("restart_test")

    async def go() -> None:
        manager = WarmKernelManager(config=config, root_dir=str(prefix / "notebooks"))
        kernel_id = await manager.start_kernel(kernel_name=manager.warm_kernel_name, path="")
        kernel = manager.get_kernel(kernel_id)

        async def client_after_restart(timeout: float = 300):
            c = kernel.client()
            c.start_channels()
            await c.wait_for_ready(timeout=timeout)
            return c

        async def reaches(state: str, timeout: float) -> bool:
            """Waits until the server's view of the kernel (its execution state, from the kernel's status messages
            on the activity watch) is `state`, at most `timeout` s; whether it got there."""
            deadline = time.monotonic() + timeout
            while kernel.execution_state != state and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            return kernel.execution_state == state

        async def replaced(case: str, pid: int, k: int):
            """Restarts the kernel, which must come back as a new process that runs a cell; returns its client."""
            t = time.monotonic()
            await manager.restart_kernel(kernel_id)
            restarted = time.monotonic() - t
            c = await client_after_restart()
            status, text = await run(c, f"let after = 2u32 + {k}; after")
            check(kernel.provisioner.pid != pid and status == "ok" and str(2 + k) in text,
                  f"{case}: a new process, which runs a cell ({restarted:.1f} s to restart, "
                  f"{time.monotonic() - t:.1f} s to the cell's result; {status}: {text.strip()[:160]!r})")
            return c

        client = await client_after_restart()
        try:
            status, text = await run(client, dep_cell(prefix / "notebooks"))
            check(status == "ok", f"the :dep cell runs ({text.strip()[-200:]!r})")
            status, _ = await run(client, "let defined_before = 7u32;")
            check(status == "ok", "a variable is defined")
            while kernel.execution_state != "idle":  # the server's view of the kernel, from its status messages
                await asyncio.sleep(0.1)

            # 1. idle: cleared.
            pid = kernel.provisioner.pid
            t = time.monotonic()
            await manager.restart_kernel(kernel_id)
            restarted = time.monotonic() - t
            check(kernel.provisioner.pid == pid, f"idle: the same process answers after the restart ({restarted:.1f} s)")
            status, text = await run(client, "defined_before")
            check(status == "error" and "cannot find value `defined_before`" in text,
                  f"idle: the variable is gone ({status}: {text.strip()[:120]!r})")
            status, text = await run(client, ":vars")
            check(status == "ok" and not text.strip(), f"idle: :vars lists nothing ({text.strip()[:120]!r})")
            results, seconds = [], []
            for code in cells_to_first_table(prefix / "notebooks" / NOTEBOOK):
                t = time.monotonic()
                results.append(await run(client, code))
                seconds.append(time.monotonic() - t)
            check(all(status == "ok" for status, _ in results) and results[-1][1].strip(),
                  f"idle: notebook 01 runs again up to its first table: {restarted:.1f} s to restart, then "
                  f"{sum(seconds):.1f} s for its cells ({' + '.join(f'{x:.1f}' for x in seconds)}; "
                  f"{[status for status, _ in results]})")

            # 2. busy: replaced.
            client.execute("std::thread::sleep(std::time::Duration::from_secs(600));")
            check(await reaches("busy", 120), "busy: the server sees the sleeping cell as busy")
            client.stop_channels()
            client = await replaced("busy", kernel.provisioner.pid, 3)

            async def killed() -> int:
                """Kills the kernel's process group and waits until the server sees it dead; returns the pid. The
                server's auto-restarter is stopped first, so that the kernel is restarted only where this test says
                (scripts/hub_test.py kills a kernel with the auto-restarter on)."""
                kernel.stop_restarter()
                pid = kernel.provisioner.pid
                os.killpg(os.getpgid(pid), signal.SIGKILL)
                while await kernel.is_alive():
                    await asyncio.sleep(0.05)
                return pid

            # 3. dead: replaced.
            client.stop_channels()
            pid = await killed()
            client = await replaced("dead", pid, 4)

            # 4. dead, restarted by the server and by the student at once. Killed in the middle of a cell, as the hub
            # test's student's kernel is: the server keeps the dead process's "busy", so a request that went on after
            # waiting would not clear the new kernel but replace it, a second cold start.
            client.execute("std::thread::sleep(std::time::Duration::from_secs(600));")
            await reaches("busy", 120)
            client.stop_channels()
            connection = os.path.basename(kernel.connection_file)
            most, sampling, started = 0, True, set()

            async def sample():  # the kernel processes (process groups) on this kernel's connection file, every 20 ms
                nonlocal most
                while sampling:
                    seen = {pgid_of(q) for q in processes_with(connection)} - {None}
                    most = max(most, len(seen))
                    started.update(seen)
                    await asyncio.sleep(0.02)
            sampler = asyncio.ensure_future(sample())
            await killed()
            started.clear()  # from here on, every process group seen is one the restarts started
            # What the auto-restarter does when it finds the process dead (jupyter_client's restarter.poll), and the
            # student's request right after it.
            by_server = asyncio.ensure_future(kernel.restart_kernel(now=True, newports=True))
            await asyncio.sleep(0)
            t = time.monotonic()
            try:
                await manager.restart_kernel(kernel_id)
                await by_server
                client = await client_after_restart()
                status, text = await run(client, "let after = 2u32 + 5; after")
            except Exception as e:  # without the wait, jupyter_client's two restarts fail each other
                status, text = f"{type(e).__name__}: {e}", ""
                by_server.cancel()
            pid_of = lambda: kernel.provisioner.pid if kernel.provisioner else None
            settled = pid_of()
            await asyncio.sleep(8)  # the auto-restarter polls every 3 s: a process that died would be replaced
            sampling = False
            await sampler
            check(status == "ok" and "7" in text and pid_of() == settled and await kernel.is_alive()
                  and most == 1 and len(started) == 1,
                  f"dead, restarted by the server and the student at once: one kernel process at a time on the "
                  f"connection file (at most {most} seen), one process started in all (the student's request is "
                  f"answered by the server's restart; {len(started)} started), a cell runs ({status}), the process "
                  f"stays ({time.monotonic() - t:.1f} s from the request)")

            # 5. dead, restarted by the server alone (its auto-restarter on, as a student who never presses Restart).
            client.stop_channels()
            kernel.start_restarter()
            pid = kernel.provisioner.pid
            t = time.monotonic()
            os.killpg(os.getpgid(pid), signal.SIGKILL)
            while time.monotonic() - t < 120 and not (kernel.provisioner and kernel.provisioner.pid != pid
                                                      and kernel.ready.done() and await kernel.is_alive()):
                await asyncio.sleep(0.1)
            client = await client_after_restart()
            status, text = await run(client, "let after = 2u32 + 6; after")
            check(status == "ok" and "8" in text,
                  f"dead, restarted by the server alone: its first cell runs ({time.monotonic() - t:.1f} s from the "
                  f"kill to the cell's result; {status}: {text.strip()[:160]!r})")

            # 6. dead before it ever answered, because another process took one of its ports: the auto-restarter's
            # restart with new ports (what it asks for until a kernel has been alive once) must really take new ones.
            client.stop_channels()
            await killed()
            taken = kernel.shell_port
            t = time.monotonic()
            with socket.socket() as blocker:
                try:
                    # The killed kernel's connections may leave the port in TIME_WAIT, which SO_REUSEADDR lets a
                    # new listener bind through (as evcxr's listener does); two listeners on one port it does not.
                    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    blocker.bind((kernel.ip, taken))
                    blocker.listen()
                    await kernel.restart_kernel(now=True, newports=True)
                    client = await client_after_restart(timeout=120)
                    status, text = await run(client, "let after = 2u32 + 7; after")
                except Exception as e:  # the new process found the port taken and exited: no reply
                    status, text = f"{type(e).__name__}: {e}", ""
            in_file = json.loads(Path(kernel.connection_file).read_text())["shell_port"]
            check(status == "ok" and "9" in text and kernel.shell_port != taken and in_file == kernel.shell_port,
                  f"dead at its start, a port taken by another process: restarted on new ports (the connection "
                  f"file's too), its first cell runs (shell port {taken} -> {kernel.shell_port}, in the file "
                  f"{in_file}; {time.monotonic() - t:.1f} s; {status}: {text.strip()[:160]!r})")
            # The server's activity watch must follow the new ports: it sets the kernel's state from the new
            # process's messages, so a cell that sleeps shows as busy (on the old ports the state stays as it was).
            busy = idle = False
            if status == "ok":
                client.execute("std::thread::sleep(std::time::Duration::from_secs(3));")
                busy = await reaches("busy", 30)
                idle = busy and await reaches("idle", 30)
            check(busy and idle,
                  f"dead at its start, restarted on new ports: the server follows the new process (a cell that "
                  f"sleeps 3 s seen busy: {busy}, then idle: {idle}; now {kernel.execution_state!r})")
        finally:
            client.stop_channels()
            await manager.shutdown_all(now=True)
            shutil.rmtree(prefix / "kernels" / user, ignore_errors=True)
        check(kernel_id not in manager._restarting and kernel_id not in manager._handed_out,
              "shut down: the manager keeps nothing of the kernel (its restart lock is gone)")

    try:
        asyncio.run(go())
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return check.exit_code()


if __name__ == "__main__":
    sys.exit(main())
