"""The costly requests (explain and audit a trace) run in worker processes, each under the request's time limit.

A trace is up to 2 MiB of JSON that the server must parse, check against the
schema and then explain or replay: seconds of work for a large one, and the
audit's cost grows faster than the trace. In a thread of the server that work
cannot be stopped and shares the server's interpreter lock, so one costly trace
slowed every other client. Here it runs in a small pool of worker processes
(:mod:`pebble`): the request waits for the answer at most
:attr:`WebSettings.time_limit` seconds, its turn in the queue included; past
that the task is cancelled, a worker that was running it is stopped and
replaced, and the client gets 503 with the limit in the message.

The pool is shared by every application in the process that uses the same rule
pack and size (tests build many), started with the first, and stopped when the process exits.
This module imports neither Starlette nor uvicorn: the workers import it.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import multiprocessing
import multiprocessing.util
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pebble import ProcessPool

from .. import Advisor, AuditReport, RowReader, SellerProfile, Trace, audit, explain
from .._errors import ProfileError
from .._files import documents

T = TypeVar("T")


class OverTimeLimit(Exception):
    """The work did not finish within the request's time limit.

    :ivar seconds: the limit.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(
            f"this request needs more than the {seconds:g} s this server gives one request: "
            "send a smaller trace, or ask the server's operator for a longer --time-limit"
        )


# -- in the worker processes ----------------------------------------------------------

_advisor: Advisor | None = None


def _start_worker(rules_dir: str) -> None:
    global _advisor
    _advisor = Advisor(rules_dir)
    # The key comes with each task, as the server process has it now (an audit reads the environment otherwise).
    os.environ.pop(Trace.KEY_ENV, None)
    # One small audit builds what every audit needs (the engine of record's compiled rules), so the
    # first request's time limit is not spent on it.
    audit(_advisor.consult({}).trace, _advisor, key=None, verify=False)


def _worker_advisor() -> Advisor:
    if _advisor is None:  # pragma: no cover - the pool's initializer always runs first
        raise RuntimeError("the worker process was started without its rule book")
    return _advisor


def audit_body(raw: bytes, source: str, key: bytes | None) -> AuditReport:
    """Audit the trace in a request body (in a worker).

    :raises TraceError: when the body is not a trace.
    """
    trace = Trace.from_bytes(raw, source=source)
    return audit(trace, _worker_advisor(), source=source, key=key)


class TooManyProducts(Exception):
    """A catalogue request holds more products than the server advises in one request (the handler answers 413)."""


def catalogue_body(raw: bytes, source: str, most: int) -> str:
    """Advise the catalogue in a request body (in a worker), as ``catalogue --format json`` prints it.

    The body is JSON: ``{"profile": {...}, "products": [{"sku": ..., ...}, ...]}``, or ``"products"`` as
    the text of a CSV product list (with its header).

    :raises ProfileError: for a body that is not such an object, an invalid profile, or a product list
        that cannot be read as a whole (no SKU column, a SKU twice).
    :raises TooManyProducts: for more than ``most`` products.
    """
    try:
        data = documents.parse(documents.decode(raw), "json")
    except documents.DocumentProblem as exc:
        raise ProfileError(exc.problem, path=source) from None
    if not isinstance(data, dict) or "products" not in data or set(data) - {"profile", "products"}:
        raise ProfileError(
            "expected an object with 'profile' (the company) and 'products' (a list of objects, or CSV text)",
            path=source,
            allowed=("profile", "products"),
        )
    profile = SellerProfile.from_document(data.get("profile") or {}, source=source)
    products = data["products"]
    if isinstance(products, str):
        csv_bytes = products.encode("utf-8")

        def rows() -> RowReader:
            return RowReader(io.BytesIO(csv_bytes), source=source, format="csv", any_columns=True)

        with rows() as counted:
            if sum(1 for _ in itertools.islice(counted, most + 1)) > most:
                raise TooManyProducts(most)
        with rows() as reader:
            return _worker_advisor().catalogue(profile, reader).to_json()
    if not isinstance(products, list):
        raise ProfileError("expected a list of product objects, or CSV text", field="products", path=source)
    if len(products) > most:
        raise TooManyProducts(most)
    return _worker_advisor().catalogue(profile, products).to_json()


def explain_body(raw: bytes, source: str, why_not: bool) -> dict[str, Any]:
    """Explain the trace in a request body (in a worker), as the JSON ``explain --format json`` prints.

    :raises TraceError: when the body is not a trace.
    """
    trace = Trace.from_bytes(raw, source=source)
    return explain(trace, _worker_advisor(), why_not=why_not).to_dict()


# -- in the server process ----------------------------------------------------------------

_pools: dict[tuple[str, int], ProcessPool] = {}
_pools_lock = threading.Lock()


def _context() -> Any:
    # Not fork: the server has threads, and a forked copy of a threaded process may deadlock. The fork
    # server starts clean and forks each worker from itself, with the package already imported.
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")


def pool_for(rules_dir: Path, processes: int) -> ProcessPool:
    """The process pool for a rule pack: started on first use, shared, stopped when the process exits."""
    key = (str(rules_dir), processes)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None or not pool.active:
            pool = ProcessPool(max_workers=processes, initializer=_start_worker, initargs=(str(rules_dir),), context=_context())
            if not _pools:
                # Not atexit: a server process that multiprocessing started (uvicorn --workers N) leaves through
                # os._exit, which runs multiprocessing's finalizers but not atexit's; the main process runs both.
                multiprocessing.util.Finalize(None, stop_pools, exitpriority=10)
            _pools[key] = pool
        return pool


def _ready() -> None:
    """A task that does nothing: scheduled at start-up so the workers load the rule book before the first request."""


def start_pool(rules_dir: Path, processes: int) -> None:
    """Start the pool for a rule pack now (its workers load the rule book in the background)."""
    pool_for(rules_dir, processes).schedule(_ready)


def stop_pools() -> None:
    """Stop every pool's workers (a pool is started again by the next :func:`pool_for`)."""
    with _pools_lock:
        for pool in _pools.values():
            pool.stop()  # type: ignore[no-untyped-call]
            pool.join(timeout=5)
        _pools.clear()


async def run_limited(pool: ProcessPool, seconds: float, function: Callable[..., T], *args: Any) -> T:
    """Run ``function(*args)`` in ``pool``, waiting at most ``seconds`` (queue included).

    :raises OverTimeLimit: past the limit; the task is cancelled and a worker running it stopped.
    """
    future = pool.schedule(function, args=args, timeout=seconds)
    try:
        return await asyncio.wait_for(asyncio.wrap_future(future), seconds)
    except TimeoutError:
        # Cancelling the pool's future stops the worker running it (pebble starts a fresh one).
        future.cancel()  # type: ignore[no-untyped-call]
        raise OverTimeLimit(seconds) from None
    except asyncio.CancelledError:
        future.cancel()  # type: ignore[no-untyped-call]  # the client went away or the server is stopping: the answer is not wanted
        raise
