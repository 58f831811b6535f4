"""Worker processes for data parallelism: start W of them, join a process group, collect, clean up.

`launch` starts one process per rank, each joins a `torch.distributed` process group (gloo on
the CPU, NCCL when there is a GPU per rank) through a file store in a fresh temporary folder,
so no port has to be found. Processes come from a forkserver that has imported torch once,
so a worker starts in a fraction of a second instead of paying the import again (spawn);
plain fork is not used, since the app calls this from a thread and forking a threaded
process is unsafe. Whatever happens (success, a worker's exception, a worker that died, a
timeout, the user's cancel), every worker is terminated, killed if it lingers, and joined
before `launch` returns or raises; and a worker whose launcher was killed outright leaves by
itself. The forkserver (and multiprocessing's resource tracker) stay for the next launch and
end with the process that started them.
"""

from __future__ import annotations

import datetime
import multiprocessing as mp
import os
import queue
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist

from sims.spec import SimError
from sims.tracker import Tracker

#: Modules the forkserver imports once, so every worker forked from it starts with them loaded.
#: "__main__" first: a worker whose parent's main module was preloaded does not run it again.
#: DistributedDataParallel's constructor imports torch._dynamo (and sympy): about a second each
#: time otherwise, paid by every worker at once. A module that cannot be imported is skipped.
PRELOAD = ["__main__", "torch", "torch.distributed", "torch.nn.parallel", "torch._dynamo", "sims.distributed"]
POLL_SECONDS = 0.05
DEATH_SECONDS = 0.5  # after a worker's error, how long to look for a peer that died first
GRACE_SECONDS = 2.0  # after SIGTERM, how long a worker may take before it is killed
WATCH_SECONDS = 0.5  # how often a worker checks that its launcher is still there
GROUP_TIMEOUT = datetime.timedelta(seconds=60)  # a collective waiting longer than this fails

_warmed = False
_live: set[int] = set()  # pids of workers started and not yet joined, for tests and diagnostics


class WorkerError(SimError):
    """A worker raised, died, or the group ran out of time; the message carries the worker's traceback."""


@dataclass(frozen=True)
class Group:
    """What a worker function gets: its rank, the world size, its device, and a way to report progress.

    `report(fraction, data)` on rank 0 reaches the parent's `progress` callback; elsewhere it does nothing.
    """

    rank: int
    world: int
    device: torch.device
    backend: str
    report: Callable[[float, Any], None]


@dataclass
class Launched:
    """Each rank's return value, and how long the processes took to start and join the group."""

    results: list[Any]
    start_seconds: float  # launch until the last rank was in the process group
    seconds: float  # launch until the last result arrived
    method: str  # the start method used (forkserver or spawn)
    backend: str


def live_workers() -> set[int]:
    """Pids of workers started by `launch` that have not been joined yet (empty between runs)."""
    return set(_live)


def backend_for(device: torch.device, world: int) -> tuple[str, torch.device]:
    """NCCL with one GPU per rank when there are enough GPUs; otherwise gloo on the CPU."""
    if device.type == "cuda" and dist.is_nccl_available() and torch.cuda.device_count() >= world:
        return "nccl", device
    return "gloo", torch.device("cpu")


def warm(worker_module: str) -> bool:
    """Start the forkserver now, so it imports torch (and the worker's module) while the caller works on.

    True when this call started it (the first in this process): the next start then waits for those imports.
    """
    global _warmed
    cold = not _warmed
    if _context(worker_module).get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()
    _warmed = True
    return cold


def _context(worker_module: str) -> mp.context.BaseContext:
    if "forkserver" in mp.get_all_start_methods():
        mp.set_forkserver_preload([*PRELOAD, worker_module])  # only takes effect before the forkserver starts
        return mp.get_context("forkserver")
    return mp.get_context("spawn")


def launch(
    fn: Callable[[Group, Any], Any],
    world: int,
    payload: Any,
    *,
    device: torch.device,
    tracker: Tracker,
    progress: Callable[[float, Any], None] | None = None,
    timeout: float = 600.0,
) -> Launched:
    """Run `fn(group, payload)` on `world` ranks and return every rank's result, in rank order.

    `fn` must be a module-level function (it is pickled by name). Rank 0's `group.report(f, data)`
    calls reach `progress(f, data)` here. Raises `Cancelled` (from the tracker), `WorkerError`.
    """
    backend, worker_device = backend_for(device, world)
    context = _context(fn.__module__)
    messages = context.Queue()
    processes: list[Any] = []
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="sims-distributed-") as folder:
        store = os.path.join(folder, "store")
        try:
            for rank in range(world):
                args = (fn, os.getpid(), rank, world, backend, worker_device.type, store, payload, messages)
                process = context.Process(target=_worker_main, args=args, daemon=True, name=f"sims-rank-{rank}")
                _start(process)
                processes.append(process)
                _live.add(process.pid)
            results, ready = _collect(processes, messages, tracker, progress, started + timeout)
        finally:
            _stop(processes)
            messages.close()
            messages.cancel_join_thread()
    return Launched(results, max(ready) - started, time.time() - started, context.get_start_method(), backend)


def _start(process: Any) -> None:
    """Start one worker; a forkserver that died while importing the main module is named as such."""
    try:
        process.start()
    except (BrokenPipeError, ConnectionError, EOFError) as exc:
        raise WorkerError(
            "worker processes could not start: the process that forks them stopped while importing this "
            "program's main module. Worker processes import it again, so a script that runs data_parallel "
            'must do so under `if __name__ == "__main__":`'
        ) from exc


def _collect(
    processes: list[Any],
    messages: Any,
    tracker: Tracker,
    progress: Callable[[float, Any], None] | None,
    deadline: float,
) -> tuple[list[Any], list[float]]:
    """Wait for every rank's result, polling for cancel, failed workers and the deadline."""
    world = len(processes)
    results: dict[int, Any] = {}
    ready: dict[int, float] = {}
    while len(results) < world:
        tracker.check_cancel()
        try:
            kind, rank, body = messages.get(timeout=POLL_SECONDS)
        except queue.Empty:
            _check_alive(processes, results, deadline)
            continue
        if kind == "ready":
            ready[rank] = body
        elif kind == "progress" and progress is not None:
            progress(*body)
        elif kind == "result":
            results[rank] = body
        elif kind == "error":
            raise _failure(processes, results, rank, body)
    return [results[rank] for rank in range(world)], [ready[rank] for rank in range(world)]


def _failure(processes: list[Any], results: dict[int, Any], rank: int, text: str) -> WorkerError:
    """A worker's exception; when a peer died first (its collective then fails too), the peer is named first."""
    world, limit = len(processes), time.monotonic() + DEATH_SECONDS
    while True:
        dead = [r for r, p in enumerate(processes) if r != rank and r not in results and p.exitcode not in (None, 0)]
        if dead or time.monotonic() > limit:
            break
        time.sleep(POLL_SECONDS / 5)
    failed = f"worker {rank} of {world} failed: {text}"
    if not dead:
        return WorkerError(failed)
    code = processes[dead[0]].exitcode
    return WorkerError(f"worker {dead[0]} of {world} exited with code {code} without a result; then {failed}")


def _check_alive(processes: list[Any], results: dict[int, Any], deadline: float) -> None:
    for rank, process in enumerate(processes):
        if rank not in results and process.exitcode is not None:
            raise WorkerError(f"worker {rank} of {len(processes)} exited with code {process.exitcode} without a result")
    if time.time() > deadline:
        raise WorkerError(f"workers still running after the time limit; {len(results)} of {len(processes)} done")


def _stop(processes: list[Any]) -> None:
    """Terminate every worker still alive, kill any that ignore it, and join them all."""
    for process in processes:
        if process.is_alive():
            process.terminate()
    end = time.monotonic() + GRACE_SECONDS
    for process in processes:
        process.join(max(0.0, end - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join()
        _live.discard(process.pid)
        process.close()


def _leave_with(parent: int) -> None:
    """Exit as soon as the process that launched this worker is gone (killed outright, say): no one would
    collect the result, and a worker forked by the forkserver is not the launcher's child, so it would live on."""

    def watch() -> None:
        while True:
            time.sleep(WATCH_SECONDS)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # alive, under another user: cannot happen for our parent, but not an exit
                pass

    threading.Thread(target=watch, name="sims-watch-parent", daemon=True).start()


def _ignore(fraction: float, data: Any = None) -> None:
    return None


def _worker_main(
    fn: Callable[[Group, Any], Any],
    parent: int,
    rank: int,
    world: int,
    backend: str,
    device_type: str,
    store_path: str,
    payload: Any,
    messages: Any,
) -> None:
    """One rank: join the group, run `fn`, send its result or its traceback, leave the group."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the workers
    _leave_with(parent)
    if sys.platform.startswith("linux"):
        os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")  # one machine: talk over loopback only
    torch.set_num_threads(1)  # the W processes share the cores; more threads each only wait on one another
    try:
        device = torch.device(device_type, rank) if device_type == "cuda" else torch.device(device_type)
        if device.type == "cuda":
            torch.cuda.set_device(device)
        store = dist.FileStore(store_path, world)
        dist.init_process_group(backend, store=store, rank=rank, world_size=world, timeout=GROUP_TIMEOUT)
        messages.put(("ready", rank, time.time()))
        report = (lambda f, data=None: messages.put(("progress", rank, (f, data)))) if rank == 0 else _ignore
        result = fn(Group(rank, world, device, backend, report), payload)
        messages.put(("result", rank, result))
    except BaseException as exc:  # every failure goes back to the parent, as text
        where = "".join(traceback.format_exception(exc))
        messages.put(("error", rank, f"{type(exc).__name__}: {exc}\n{where}"))
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
        messages.close()
        messages.join_thread()  # make sure what was put reaches the parent before exiting
