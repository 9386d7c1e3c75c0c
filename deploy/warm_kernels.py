"""Warm Rust kernels for a student's Jupyter server (issue 20, item 3; docs/classroom.md).

A new evcxr kernel spends 9.7–11.6 s in its `:dep` cell and first `let` (docs/classroom.md, the per-kernel tables;
20.1–25.6 s with upstream evcxr): rust-analyzer, inside the kernel, loads and analyses the crate graph behind `:dep
demystify_resnet` when the `:dep` cell runs (on every core with the course's kernel, scripts/evcxr/install.sh;
lazily at the first `let` in upstream evcxr). Nothing in evcxr turns that off, and it is the same work for every
kernel. So the server does it ahead of time: `WarmKernelManager` keeps `warm_kernels` Rust kernels (one by default)
started, with the course's `:dep` cell, its `use` line and one `let` already run, and hands one out when a notebook
asks for a Rust kernel. The student's own `:dep` cell then finds the same dependency loaded (nothing is reloaded),
and every later cell costs what it costs in a kernel that has been running for a while.

- The pool is filled when the server starts, so the work overlaps the student's login, the lab's loading and the
  reading of the notebook's first paragraphs. A notebook that asks while the warm-up is still running waits for it
  (unless that kernel dies, it finishes before a new kernel could).
- A warm kernel was started in the server's root folder, not the notebook's (the course's notebooks read no file
  relative to their folder), and its execution counter has moved on by the warm-up's cells.
- `refill` starts a new warm kernel after one is handed out. Off by default: each idle warm kernel holds about
  1.8 GB, so a student would need twice the memory (docs/classroom.md).
- Warm kernels waiting in the pool are never culled as idle.
- `clear_on_restart` (on by default): when the student restarts an idle Rust kernel (Kernel > Restart Kernel, or
  Restart and Run All), the kernel is cleared with evcxr's `:clear` instead of being replaced by a new process.
  `:clear` drops every variable, item, `use` and dependency of the cells run so far and restarts the process the
  cells run in, so the notebook starts again with nothing defined; rust-analyzer's analysis of the crate graph, the
  bulk of a new kernel's first minute, is kept. `:vars` must then list nothing, or the kernel is restarted the usual way. What
  stays: evcxr's configuration (`:opt`, `:timing`, …; the course's notebooks use no evcxr command but `:dep`) and
  the execution counter, which goes on from where it was. A busy kernel (a cell still running, perhaps forever) or a
  dead one is restarted the usual way: a new evcxr process, with the cost of a cold start. A restart request waits
  for a restart of the same kernel already under way (the server's auto-restarter after the process died), so that
  two processes never start on one connection file, and is answered by it (the kernel it brought is new).
- A kernel that dies before it answers at all (a port taken by another process between choosing and binding it) is
  replaced by a new one, once, if it is a warm kernel; any kernel the server's auto-restarter restarts before it was
  ever alive gets new ports (`DeadKernelQuietManager.restart_kernel`).
- A warm-up that fails, times out, or whose kernel dies is logged at once and its kernel shut down; a pooled kernel
  that died while it waited is shut down when a notebook asks (pooled kernels are not auto-restarted). The notebook
  then gets a kernel started as usual.
- The server's kernel list (`GET /api/kernels`) marks a kernel of the pool with `"warm": "warming"` while its warm-up
  runs, `"warm": "ready"` once it waits for a notebook, and `"warm": "handed out"` once a notebook has it; a kernel
  started as usual has no such key. A teacher who starts the class's servers before the lesson
  (`scripts/start_class.py`) reads it to know when every warm-up is done.

Installed by `scripts/classroom.sh build` next to the jupyter_server configuration that selects it
(`PREFIX/etc/jupyter`, which a student's server reads through JUPYTER_CONFIG_PATH).
"""
import asyncio
import time

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager, ServerKernelManager
from traitlets import Bool, Float, Integer, List, Unicode, default


def output_hook() -> tuple:
    """An `output_hook` for `execute_interactive` that keeps what the cell printed (standard output and error, its
    value and displays as plain text, its error and traceback), and the function that returns that as one text."""
    printed = []

    def hook(message: dict) -> None:
        if message["msg_type"] in ("stream", "execute_result", "display_data", "error"):
            printed.append(message["content"])

    def text() -> str:
        return "".join(c.get("text", "") or c.get("data", {}).get("text/plain", "")
                       or " ".join([c.get("evalue", "")] + c.get("traceback", [])) for c in printed).strip()
    return hook, text


async def clear_evcxr(client, timeout: float) -> str | None:
    """Clears an evcxr kernel through `client` (an asynchronous kernel client, channels started): evcxr's `:clear`
    drops every variable, item, `use` and dependency of the cells run so far and restarts the process the cells run
    in, keeping rust-analyzer's analysis of the crate graph (the bulk of a new kernel's first minute); then `:vars`
    must print nothing. Both within `timeout` seconds in all. Returns None when the kernel was cleared, else the
    step that failed and what it printed; raises what `execute_interactive` raises (a timeout, a dead kernel).

    Used by the students' servers (Kernel > Restart Kernel, below) and by the report builder between the notebooks
    of one folder (scripts/run_notebooks.py)."""
    started = time.monotonic()
    for command in (":clear", ":vars"):
        hook, printed = output_hook()
        left = max(timeout - (time.monotonic() - started), 1.0)
        reply = await client.execute_interactive(command, timeout=left, store_history=False, output_hook=hook)
        text = printed()
        if reply["content"]["status"] != "ok" or (command == ":vars" and text):
            return f"{command}: {text or reply['content']['status']}"
    return None


class DiedAtStart(RuntimeError):
    """A warm kernel's process exited before it answered its first kernel_info request."""


class DeadKernelQuietManager(ServerKernelManager):
    """The manager of one kernel, which sends a dead kernel neither an interrupt nor a shutdown request.

    jupyter_client shuts a kernel down before it restarts it, and a shutdown begins with an `interrupt_request` and a
    `shutdown_request` on the control channel, whether the process is alive or not. For a dead kernel nobody reads
    them: they wait in the control socket (closed with a linger of 100 ms), and a new process that binds the same
    ports within that time receives them. evcxr answers the interrupt by killing the subprocess that runs its cells,
    so the student's first cell after Restart failed with 'Subprocess terminated with status: signal: 9' (seen in
    scripts/restart_test.py once the new process started within a few milliseconds, docs/classroom.md)."""

    async def _dead(self) -> bool:
        return self.has_kernel and not await self._async_is_alive()

    async def _async_interrupt_kernel(self) -> None:
        if await self._dead():
            return
        await super()._async_interrupt_kernel()

    async def _async_request_shutdown(self, restart: bool = False) -> None:
        if await self._dead():
            return
        await super()._async_request_shutdown(restart=restart)

    async def restart_kernel(self, now: bool = False, newports: bool = False, **kwargs):
        """A restart that asks for new ports gets them. The server's auto-restarter asks for them while a kernel has
        never been alive, typically because a port it was given was taken by another process before it bound it
        ('Address already in use'). jupyter_client 8.10 keeps the ports its provisioner cached at the first start
        (and the connection file written with them), so each such restart failed the same way until the kernel was
        dropped after five, as one student's kernel was in a hub run with 8 students (docs/classroom.md). Here the
        provisioner takes five new ports and writes a new connection file, at the same path; the old ports are
        released to jupyter_client's port cache afterwards (they stay reserved while the new ones are chosen)."""
        provisioner = self.provisioner
        old_ports = []
        if newports and getattr(provisioner, "ports_cached", False):
            old_ports = list(self.ports)
            provisioner.ports_cached = False
            self.cleanup_connection_file()
        try:
            result = await super().restart_kernel(now=now, newports=newports, **kwargs)
        finally:
            if old_ports:
                from jupyter_client.connect import LocalPortCache
                for port in old_ports:
                    LocalPortCache.instance().return_port(port)
        # The server's activity watch listens on the kernel's iopub port; jupyter_server moves it only in its own
        # restart, not in the auto-restarter's, so the server would go on showing the dead process's state (a
        # kernel never alive stays "starting", and a notebook's websocket waits for that to end). The warm kernel
        # manager moves it (scripts/restart_test.py, case 6).
        watch = getattr(self.parent, "_watch_new_process", None)
        if old_ports and old_ports != list(self.ports) and watch is not None:
            watch(self.kernel_id, ports_changed=True)
        return result


class WarmKernelManager(AsyncMappingKernelManager):
    """A MappingKernelManager that hands out pre-warmed kernels of one kernelspec."""

    warm_kernel_name = Unicode("rust", config=True, help="The kernelspec whose kernels are kept warm.")
    warm_kernels = Integer(1, config=True, help="How many warm kernels to keep ready (each holds about 1.8 GB).")
    warm_up_cells = List(Unicode(), config=True,
                         help="The cells each warm kernel runs before it is handed out, in order.")
    warm_up_timeout = Float(900, config=True, help="Seconds a warm-up may take before it is abandoned.")
    refill = Bool(False, config=True, help="Start a new warm kernel each time one is handed out.")
    clear_on_restart = Bool(True, config=True,
                            help="Restart an idle kernel of the warm kernelspec by clearing it (evcxr's :clear) "
                                 "instead of starting a new process.")
    clear_timeout = Float(60, config=True, help="Seconds clearing may take before the kernel is restarted instead.")
    restart_wait = Float(60, config=True, help="Seconds a restart request waits for a restart of the same kernel "
                                               "that is already under way before it goes ahead.")

    @default("kernel_manager_class")
    def _default_kernel_manager_class(self):
        return f"{__name__}.DeadKernelQuietManager"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._pool: list[asyncio.Future] = []
        self._warming: set[str] = set()  # kernels whose warm-up is running
        self._handed_out: set[str] = set()  # warm kernels a notebook has
        self._restarting: dict[str, asyncio.Lock] = {}  # one restart request at a time per kernel
        self._restarts_done: dict[str, int] = {}  # restart requests that succeeded, per kernel (cleared or replaced)
        # The server's event loop exists (ServerApp.init_ioloop runs before the kernel manager is made) but is not
        # running yet: fill the pool as soon as it runs.
        from tornado.ioloop import IOLoop
        IOLoop.current().add_callback(self._fill)

    def _fill(self) -> None:
        if not self.warm_up_cells:
            return
        while len(self._pool) < self.warm_kernels:
            future = asyncio.ensure_future(self._start_warm())
            future.add_done_callback(self._warm_up_ended)
            self._pool.append(future)

    def _warm_up_ended(self, future: asyncio.Future) -> None:
        """A failed warm-up is logged at once and leaves the pool (no notebook has to ask first)."""
        if future.cancelled():
            return
        if future.exception() is not None:
            self.log.warning("A warm kernel could not be prepared: %s", future.exception())
            if future in self._pool:
                self._pool.remove(future)

    async def _start_warm(self) -> str:
        """A warm kernel's id. A kernel that dies before it answers at all is replaced once: with several servers
        starting kernels at the same moment, a port chosen for one can be taken by another before the kernel binds it
        ("Address already in use"), which jupyter_client's auto-restarter would cure with new ports, but the
        restarter is off during the warm-up."""
        try:
            return await self._start_warm_once()
        except DiedAtStart as e:
            self.log.warning("A warm kernel died before it answered (%s); starting another", e)
            return await self._start_warm_once()

    async def _start_warm_once(self) -> str:
        started = time.monotonic()
        kernel_id = await super().start_kernel(kernel_name=self.warm_kernel_name, path="")
        self._warming.add(kernel_id)
        steps: list[str] = []
        try:
            await self._warm_up(kernel_id, started, steps)
        except BaseException:
            self.log.warning("Warm kernel %s failed its warm-up after %.1f s (%s)", kernel_id,
                             time.monotonic() - started, ", ".join(steps) or "no answer")
            try:
                await super().shutdown_kernel(kernel_id, now=True)
            except Exception:  # already gone (a server shutting down): the warm-up's own error is the one to raise
                pass
            raise
        finally:
            self._warming.discard(kernel_id)
        self.log.info("Warm kernel %s ready after %.1f s (%s)", kernel_id, time.monotonic() - started,
                      ", ".join(steps))
        return kernel_id

    async def _warm_up(self, kernel_id: str, started: float, steps: list[str]) -> None:
        """Runs the warm-up cells in the kernel; raises if they fail, time out, or the kernel dies meanwhile. Appends to
        `steps` when the kernel answered and how long each cell took, for the log."""
        manager = self.get_kernel(kernel_id)
        # While it warms up and waits, the kernel is not the student's: if it dies it is not restarted (a restart in
        # the middle of a warm-up races with the shutdown that follows), it is dropped. The auto-restarter is started
        # again when the kernel is handed out; until then a poll watches the process.
        manager.stop_restarter()
        died = asyncio.ensure_future(self._until_dead(manager))
        client = manager.client()
        client.start_channels()
        answered = asyncio.Event()
        try:
            warm_up = asyncio.ensure_future(self._run_cells(client, started, answered, steps))
            await asyncio.wait([warm_up, died], timeout=self.warm_up_timeout, return_when=asyncio.FIRST_COMPLETED)
            if not answered.is_set() and (died.done() or not await manager.is_alive()):
                warm_up.cancel()
                raise DiedAtStart(f"kernel {kernel_id} exited before replying to kernel_info")
            if not warm_up.done():
                warm_up.cancel()
                raise RuntimeError("the kernel died during its warm-up" if died.done()
                                   else f"the warm-up took more than {self.warm_up_timeout:.0f} s")
            warm_up.result()
        finally:
            died.cancel()
            client.stop_channels()

    @staticmethod
    async def _until_dead(manager, every: float = 0.5) -> None:
        """Returns when the kernel's process has exited."""
        while await manager.is_alive():
            await asyncio.sleep(every)

    async def _run_cells(self, client, started: float, answered: asyncio.Event, steps: list[str]) -> None:
        await client.wait_for_ready(timeout=self.warm_up_timeout)
        answered.set()
        steps.append(f"answered after {time.monotonic() - started:.1f} s")
        for number, code in enumerate(self.warm_up_cells, 1):
            left = self.warm_up_timeout - (time.monotonic() - started)
            hook, printed = output_hook()
            cell_started = time.monotonic()
            reply = await client.execute_interactive(code, timeout=max(left, 1.0), output_hook=hook,
                                                     store_history=False)
            steps.append(f"cell {number}: {time.monotonic() - cell_started:.1f} s")
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"warm-up cell {code.splitlines()[0]!r} failed: "
                                   f"{printed()[:1000] or reply['content'].get('evalue', reply['content'])}")

    async def _take_warm(self) -> str | None:
        """A warm kernel out of the pool (waiting for one still warming up), or None. A pooled kernel that died while
        it waited is shut down, not handed out; the one handed out gets the usual auto-restarter back."""
        while self._pool:
            future = self._pool.pop(0)
            try:
                kernel_id = await future
            except Exception:  # logged by _warm_up_ended; the caller starts a kernel the usual way
                continue
            if kernel_id not in self:
                continue
            manager = self.get_kernel(kernel_id)
            if not await manager.is_alive():
                self.log.warning("Warm kernel %s died while it waited; not handed out", kernel_id)
                await super().shutdown_kernel(kernel_id, now=True)
                continue
            manager.start_restarter()
            return kernel_id
        return None

    async def start_kernel(self, *, kernel_id=None, path=None, **kwargs):
        """A kernel for a notebook: a warm one when the notebook asks for the warm kernelspec, otherwise (or if no
        warm kernel can be had) one started as usual."""
        name = kwargs.get("kernel_name") or self.default_kernel_name
        if kernel_id is None and name == self.warm_kernel_name:
            warm = await self._take_warm()
            if warm is not None:
                self.log.info("Handing out warm kernel %s (path %s)", warm, path)
                self._handed_out.add(warm)
                if self.refill:
                    self._fill()
                return warm
        return await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs)

    def kernel_model(self, kernel_id):
        """The server's JSON model of a kernel, with `"warm": "warming"` for a kernel of the pool whose warm-up runs,
        `"warm": "ready"` for one that waits for a notebook, and `"warm": "handed out"` for one a notebook has."""
        model = super().kernel_model(kernel_id)
        if kernel_id in self._warming:
            model["warm"] = "warming"
        elif self._pooled(kernel_id):
            model["warm"] = "ready"
        elif kernel_id in self._handed_out:
            model["warm"] = "handed out"
        return model

    def _pooled(self, kernel_id: str) -> bool:
        return any(f.done() and not f.cancelled() and f.exception() is None and f.result() == kernel_id
                   for f in self._pool)

    async def shutdown_kernel(self, kernel_id, now=False, restart=False):
        """Shutting down a kernel that waits in the pool takes it out of the pool."""
        self._pool = [f for f in self._pool if not (f.done() and not f.cancelled() and f.exception() is None
                                                    and f.result() == kernel_id)]
        return await super().shutdown_kernel(kernel_id, now=now, restart=restart)

    def remove_kernel(self, kernel_id):
        """A kernel leaves the server's map (shut down, or dead for good after the auto-restarter gave up): what this
        manager kept about it goes too."""
        self._handed_out.discard(kernel_id)
        self._restarting.pop(kernel_id, None)
        self._restarts_done.pop(kernel_id, None)
        return super().remove_kernel(kernel_id)

    async def restart_kernel(self, kernel_id, now=False):
        """Kernel > Restart Kernel: an idle, living kernel of the warm kernelspec is cleared (`clear_on_restart`);
        any other kernel, or one whose clearing fails, is restarted as usual (a new process).

        One restart of a kernel at a time: a request first waits (at most `restart_wait` s) for a restart already
        under way, the server's own (its auto-restarter replaces a kernel whose process died, and a student whose
        cell stopped with 'the kernel died' presses Restart meanwhile) or an earlier request's. Two restarts at once
        each start a process on the kernel's one connection file; the one that loses the race for the ports exits
        ('Address already in use'), and if the server kept that one, it restarts the kernel yet again.

        A request that waited for another restart is answered by it when that restart succeeded and its kernel is
        alive: that kernel is new (or cleared), which is what the request asked for. Restarting it again would cost
        the student a second cold start, since the server still holds the dead kernel's `execution_state` (a kernel
        killed in the middle of a cell stays "busy" to it) and so would not clear it but replace it."""
        self._check_kernel_id(kernel_id)
        lock = self._restarting.setdefault(kernel_id, asyncio.Lock())
        done_before = self._restarts_done.get(kernel_id, 0)
        async with lock:
            waited = await self._restart_under_way(kernel_id)
            kernel = self.get_kernel(kernel_id)
            by_server = waited and kernel.ready.done() and not kernel.ready.cancelled() and kernel.ready.exception() is None
            by_request = self._restarts_done.get(kernel_id, 0) != done_before
            if (by_server or by_request) and await kernel.is_alive():
                self._watch_new_process(kernel_id)
                self.log.info("Kernel %s was restarted while this request waited; not restarted again", kernel_id)
                return
            if self.clear_on_restart and await self._cleared(kernel_id):
                self.log.info("Kernel %s restarted by clearing it (:clear)", kernel_id)
                self._restarts_done[kernel_id] = self._restarts_done.get(kernel_id, 0) + 1
                return
            # _cleared awaited: the auto-restarter may have begun meanwhile. From here to the restart's own start
            # (which marks the kernel as pending) nothing awaits while the kernel is settled.
            await self._restart_under_way(kernel_id)
            restarted = await super().restart_kernel(kernel_id, now=now)
            self._restarts_done[kernel_id] = self._restarts_done.get(kernel_id, 0) + 1
            return restarted

    def _watch_new_process(self, kernel_id: str, ports_changed: bool = False) -> None:
        """What jupyter_server's own restart does for the kernel's new process, which the server's auto-restart does not:
        the activity watch follows it to new ports, and its execution state starts again ("starting", which the
        watch sets to "idle" at the kernel's next status message) instead of the dead process's last one.
        `ports_changed`: the caller knows the ports changed (jupyter_server's own record of a kernel's ports is
        updated by its websockets too, so it may already hold the new ones)."""
        if ports_changed or self._get_changed_ports(kernel_id) is not None:
            self.stop_watching_activity(kernel_id)
            self.start_watching_activity(kernel_id)
        self.get_kernel(kernel_id).execution_state = "starting"

    async def _restart_under_way(self, kernel_id: str) -> bool:
        """Returns once no restart (or start) of the kernel is under way: jupyter_client's `ready` future of the
        kernel's manager is pending from the moment a shutdown or start begins until it ends. Waits at most
        `restart_wait` s; returns at once, without suspending, when nothing is under way. True when it waited."""
        kernel = self.get_kernel(kernel_id)
        deadline = time.monotonic() + self.restart_wait
        if kernel.ready.done():
            return False
        self.log.info("Kernel %s: a restart is under way; this restart waits for it", kernel_id)
        while not kernel.ready.done() and time.monotonic() < deadline:
            try:
                await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(kernel.ready)),
                                       max(deadline - time.monotonic(), 0.01))
            except asyncio.TimeoutError:  # checked again above, against the deadline
                pass
            except Exception:  # that restart failed (its future holds the error), or the future cannot be awaited
                await asyncio.sleep(0.05)  # here: never spin without yielding to the server's event loop
        return True

    async def _cleared(self, kernel_id: str) -> bool:
        """Runs `:clear`, then `:vars`, which must list nothing. False (nothing else done) for a kernel of another
        kernelspec, a busy or dead one, or when a step fails or takes longer than `clear_timeout`."""
        self._check_kernel_id(kernel_id)
        kernel = self.get_kernel(kernel_id)
        if (kernel.kernel_name != self.warm_kernel_name or kernel.execution_state != "idle"
                or not await kernel.is_alive()):
            return False
        client = kernel.client()
        client.start_channels()
        try:
            failed = await clear_evcxr(client, self.clear_timeout)
            if failed:
                self.log.warning("Clearing kernel %s failed at %s; restarting it", kernel_id, failed)
            return failed is None
        except Exception as e:  # a timeout, or the kernel died meanwhile
            self.log.warning("Clearing kernel %s failed (%r); restarting it", kernel_id, e)
            return False
        finally:
            client.stop_channels()

    async def shutdown_all(self, now=False):
        """The server is stopping: warm-ups still running stop first, then every kernel is shut down."""
        pending, self._pool = self._pool, []
        for future in pending:
            future.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        return await super().shutdown_all(now=now)

    async def cull_kernel_if_idle(self, kernel_id):
        """A warm kernel waiting in the pool is idle by design: never culled."""
        if self._pooled(kernel_id):
            return
        return await super().cull_kernel_if_idle(kernel_id)
