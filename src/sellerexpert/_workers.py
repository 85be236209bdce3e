"""Worker processes for batches: ordered results, a bounded window, and nothing left behind when the parent dies.

Why not :class:`multiprocessing.pool.Pool` or
:class:`concurrent.futures.ProcessPoolExecutor`: both pass work through
queues guarded by named POSIX semaphores, so a parent killed with SIGKILL
leaves them to the resource tracker ("leaked semaphore objects" warnings),
and their workers keep a copy of the queue's writing end, so they do not
notice that the parent is gone. Here each worker owns one end of a plain
pipe and nothing else: when the parent dies, the worker reads end-of-file
and exits.

Workers start by fork where that is safe (Linux, and this process runs no other thread): they begin with
what the parent has imported and built (a catalogue's rule book, its compiled views) instead of importing
and building it again, which was a third of a second of each worker's CPU and its start's latency. Anywhere
else they start by spawn, clean. Either way a worker owns only its own end of its own pipe: a forked worker
closes the ends it inherited (the parent's end of its own pipe and of every pipe made before it), so the
parent's death still reaches it as end-of-file.

Work goes round-robin, in order, and results are taken back in the same
order, so the output order never depends on timing. Each worker holds at
most :data:`DEPTH` tasks; a thread in the worker takes the next task off
the pipe while the current one is computed, so the parent never waits on a
busy worker to send it work, and no worker idles while the parent writes.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import signal
import socket
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Generic, Literal, TypeVar

Task = TypeVar("Task")
Result = TypeVar("Result")
Value = TypeVar("Value")

DEPTH = 2
"""Tasks a worker holds at once (the one it computes and the next)."""
COLLECT_AFTER = (50_000, 20, 20)
"""A worker's collector thresholds (allocations before a young pass; passes before each older one), see :func:`_serve`."""
PIPE_BUFFER = 1 << 22
"""The kernel's buffer asked for each direction of a worker's pipe (the kernel may give less, see :func:`_widen`)."""
MAX_WORKERS = 256
"""The most worker processes a batch may start: each loads the rule book, and a mistyped count must not fork-bomb."""

_DIED = (
    "a worker process died (out of memory, or killed); called from a script of your own with jobs > 1? "
    "Worker processes started by spawn begin by importing that script, so its batch code must sit under "
    "`if __name__ == \"__main__\":`"
)


class WorkerFailed(RuntimeError):
    """A worker raised something that could not be sent back as it was; carries the worker's traceback."""


def _widen(conn: Connection) -> None:
    """Ask the kernel for :data:`PIPE_BUFFER` bytes of buffer each way on ``conn``'s socket.

    A catalogue's worker answers with its products' texts, some 600 KB a chunk. Through the default buffer
    (about 200 KB) a chunk arrives in pieces, and for each piece the receiving end allocates room for all
    that is still to come (multiprocessing's ``Connection`` reads so), while the sender waits: 400 MB of
    text cost the parent about 0.7 CPU-s. With room for a whole chunk it arrives in one read: about a
    third of that, and the senders wait less. The kernel caps the size (``net.core.rmem_max``, 4 MB here);
    on a pipe that is not a socket (Windows) nothing changes.
    """
    try:
        with socket.socket(fileno=os.dup(conn.fileno())) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, PIPE_BUFFER)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, PIPE_BUFFER)
    except (OSError, ValueError):
        pass  # not a socket: the pipe keeps its own buffer


def _threads() -> int:
    """How many threads this process runs, as the OS counts them (a library's native threads too); 0 if unknown."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            # The 20th field, counted after the command's closing parenthesis (the command may hold spaces).
            return int(stat.read().rsplit(b")", 1)[1].split()[17])
    except (OSError, IndexError, ValueError):
        return 0


def start_method() -> str:
    """``"fork"`` where a forked worker is safe, else ``"spawn"``.

    Fork copies only the calling thread: a lock another thread held at that moment (in the allocator, in
    logging, in a library's own threads) stays locked in the worker forever. So fork only on Linux (where
    the thread count can be read; macOS's system libraries are not fork-safe) and only while this process
    runs one thread: the CLI's case. A web server's or a notebook's threads get spawn.
    """
    if sys.platform == "linux" and threading.active_count() == 1 and _threads() == 1:
        return "fork"
    return "spawn"


def _as_spawned(inherited: tuple[int, ...]) -> None:
    """Make a forked worker what a spawned one is: only its own pipe end, and no handler of the parent's.

    The parent's signal handlers came along with its memory (the CLI's SIGTERM handler, which stops a batch
    gracefully): in a worker they would turn ``terminate()`` into a request the worker might not honour.
    SIGINT stays ignored, as every worker starts (see :class:`Workers`).
    """
    for fd in inherited:
        try:
            os.close(fd)
        except OSError:
            pass  # already closed
    for signum in signal.valid_signals():
        if signum == signal.SIGINT:
            continue
        try:
            if callable(signal.getsignal(signum)):
                signal.signal(signum, signal.SIG_DFL)
        except (OSError, ValueError):
            continue  # a signal that cannot be caught or set


def _serve(
    conn: Connection, setup: Callable[[], Callable[[Any], Any]], inherited: tuple[int, ...] | None = None
) -> None:
    """A worker's life: build the handler once, then answer tasks until the pipe closes.

    :param inherited: in a forked worker, the pipe ends it inherited and must close (see the module's
        docstring); ``None`` in a spawned one.
    """
    if inherited is not None:
        _as_spawned(inherited)
    handler = setup()
    # What setup built (the rule book, the compiled views) lives as long as the worker: frozen, the collector's
    # older passes never scan it again. A task allocates many short-lived containers (records, exact amounts)
    # that reference counting frees; at Python's default thresholds (a young pass every 700 allocations) the
    # collector took about 8% of a catalogue worker's CPU, at these about 2%. Cycles are still collected.
    gc.freeze()
    gc.set_threshold(*COLLECT_AFTER)
    tasks: queue.Queue[Any] = queue.Queue()

    def receive() -> None:
        # Reading ahead lets the parent hand over the next task while this one is computed.
        while True:
            try:
                task = conn.recv()
            except (EOFError, OSError):
                # The parent closed the pipe (done, interrupted) or died: no result is wanted any
                # more, so stop now rather than after the chunk in hand.
                os._exit(0)
            tasks.put(task)

    answers: queue.Queue[tuple[bool, Any]] = queue.Queue()

    def send() -> None:
        # Sending from its own thread lets the next task start while the parent has not yet
        # read this result (it reads results in order, so it may be busy with another worker's).
        while True:
            answer = answers.get()
            try:
                conn.send(answer)
            except (BrokenPipeError, ConnectionResetError, EOFError, OSError):
                os._exit(0)  # the parent is gone
            except Exception as exc:  # noqa: BLE001 - an answer that does not pickle
                # A task's exception that does not pickle goes as its traceback; a result that does not, as the
                # pickling error's (before, formatting a result as an exception failed, and the parent waited forever).
                failed = answer[1] if not answer[0] and isinstance(answer[1], BaseException) else exc
                conn.send((False, WorkerFailed("".join(traceback.format_exception(failed)))))

    threading.Thread(target=receive, daemon=True).start()
    threading.Thread(target=send, daemon=True).start()
    while True:
        task = tasks.get()
        try:
            answers.put((True, handler(task)))
        except Exception as exc:  # noqa: BLE001 - sent back and re-raised in the parent
            # The traceback stays here; a note carries it across, so a bug can still be found.
            exc.add_note("In a worker process:\n" + "".join(traceback.format_exception(exc)).rstrip())
            answers.put((False, exc))


class Lent(Generic[Value]):
    """Something of the parent's a forked worker may use as it is (it is in the worker's memory already), while a
    spawned worker, which would be sent a copy, gets ``None`` and makes its own: it pickles as empty.

    A catalogue lends its advisor this way: a forked worker advises with the rule book and views the parent has
    built, as the parent itself would at ``jobs=1``, instead of loading them again.
    """

    __slots__ = ("value",)

    def __init__(self, value: Value | None) -> None:
        self.value = value

    def __reduce__(self) -> tuple[type[Lent[Value]], tuple[None]]:
        return (Lent, (None,))


class Workers(Generic[Task, Result]):
    """``jobs`` processes, each running the handler that ``setup()`` returns on the tasks it is sent.

    :param jobs: how many processes, 1 to :data:`MAX_WORKERS`.
    :raises ValueError: for another count.
    :param setup: a picklable callable run once in each worker; it returns the task handler
        (so expensive state, such as a compiled rule book, is built once per worker, or lent: :class:`Lent`).
    :param start: ``"fork"`` or ``"spawn"`` (default: :func:`start_method`'s choice).
    """

    def __init__(
        self, jobs: int, setup: Callable[[], Callable[[Task], Result]], *, start: Literal["fork", "spawn"] | None = None
    ) -> None:
        if not 1 <= jobs <= MAX_WORKERS:
            raise ValueError(f"jobs: {jobs} worker processes is not in 1..{MAX_WORKERS}")
        method = start or start_method()
        context = multiprocessing.get_context("fork") if method == "fork" else multiprocessing.get_context("spawn")
        if method == "fork":
            # A forked worker inherits this process's unwritten buffers: written now, they are not written twice
            # (a worker that fails while starting flushes its standard streams on the way out).
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:
                    stream.flush()
        self._conns: list[Connection] = []
        self._processes: list[BaseProcess] = []
        # Workers inherit "ignore SIGINT" from the start: Ctrl-C reaches the whole process group,
        # and only the parent decides what an interruption means (even before a worker's code runs).
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            for _ in range(jobs):
                mine, theirs = context.Pipe()
                _widen(mine)
                _widen(theirs)
                # Forked, the worker would also hold the parent's end of its pipe and of the earlier ones.
                inherited = tuple(c.fileno() for c in (*self._conns, mine)) if method == "fork" else None
                process = context.Process(target=_serve, args=(theirs, setup, inherited), daemon=True)
                process.start()
                theirs.close()
                self._conns.append(mine)
                self._processes.append(process)
        except BaseException:
            self.close()
            raise
        finally:
            signal.signal(signal.SIGINT, previous)

    def map(self, tasks: Iterable[Task]) -> Iterator[Result]:
        """Run every task, yielding results in task order; at most ``jobs * DEPTH`` tasks are in flight.

        :raises Exception: whatever a task raised in its worker (the rest are abandoned).
        """
        pending: deque[Connection] = deque()
        source = iter(tasks)
        for _ in range(DEPTH):
            for conn in self._conns:
                task = next(source, None)
                if task is None:
                    break
                conn.send(task)
                pending.append(conn)
        while pending:
            conn = pending.popleft()
            try:
                ok, value = conn.recv()
            except (EOFError, ConnectionResetError):
                raise WorkerFailed(_DIED) from None
            upcoming = next(source, None)
            if upcoming is not None:
                conn.send(upcoming)
                pending.append(conn)
            if not ok:
                raise value
            yield value

    def close(self, *, now: bool = False) -> None:
        """Stop the workers (closing their pipes ends them) and wait for them.

        :param now: end workers still computing at once (their results are no longer wanted).
        """
        for conn in self._conns:
            conn.close()
        for process in self._processes:
            process.join(timeout=0 if now else 5)
            if process.is_alive():
                process.terminate()  # still computing: its result is no longer wanted
                process.join()
        self._conns.clear()
        self._processes.clear()

    def __enter__(self) -> Workers[Task, Result]:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.close(now=kind is not None)
