"""The web consultation page and the JSON API (``sellerexpert serve``; the ``web`` extra).

An ASGI application built with Starlette and run by uvicorn. Every endpoint
calls the same public API as the command line (``Advisor.consult``,
``explain``, ``audit``, :class:`~sellerexpert._interview.interview.Interview`); nothing
here reasons about rules.

Quick use::

    from sellerexpert.web import WebSettings, create_app
    app = create_app(WebSettings(api_key="s3cret"))     # any ASGI server can run it

or from a shell: ``sellerexpert serve --port 8000``.

The pages speak English or Chinese, chosen per request (``?lang=zh``, ``Accept-Language``, else
:attr:`WebSettings.lang`, which ``serve --lang`` sets): see ``_lang``. What the result page shows a
seller, and what it keeps for auditors behind "Details", is ``_seller``; the optional "your numbers"
step is ``_numbers``.

Hostile clients are held to limits at two levels. The application
(:func:`create_app`, under any ASGI server) bounds bodies, batch rows and the
time an explain, audit or batch may take (:class:`WebSettings`), answers only
``localhost`` and IP addresses as ``Host`` when no key is set, and with a key
guards every route but ``/healthz``, ``/openapi.json`` and ``/static/``. The
server :func:`serve` runs adds what only the connection can see
(:class:`ServerLimits`): header sizes, timeouts, a connection cap and a
lingering close (``_protocol``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import Advisor
from . import _api, _pages
from ._context import WebContext, templates
from ._errors import HANDLERS, CatchAll
from ._openapi import openapi_document
from ._security import ApiKey, BodyLimit, HostAllowList, SecurityHeaders
from ._settings import ServerLimits, WebSettings, is_loopback, limits_from_env, settings_from_env
from ._work import start_pool, stop_pools

_TRACE_PATHS = ("/api/v1/explain", "/api/v1/audit", "/check")


def _limits(settings: WebSettings) -> dict[str, int]:
    return {
        "profile": settings.max_profile_bytes,
        "trace": settings.max_trace_bytes,
        "batch": settings.max_batch_bytes,
        "batch_rows": settings.max_batch_rows,
    }


def create_app(settings: WebSettings | None = None, *, advisor: Advisor | None = None) -> Starlette:
    """Build the application: the page, the API under ``/api/v1``, ``/healthz`` and ``/openapi.json``.

    :param settings: configuration (defaults: the shipped rules, no API key, no CORS).
    :param advisor: an advisor to share (built from ``settings.rules_dir`` when not given).
    :raises RuleBookError: when the rule pack does not load.
    """
    settings = settings or WebSettings()
    advisor = advisor or Advisor(settings.rules_dir)
    limits = _limits(settings)
    openapi = openapi_document(key_required=settings.api_key is not None, limits=limits)

    async def openapi_endpoint(request: Request) -> Response:
        return JSONResponse(openapi)

    def limit_for(path: str) -> int:
        if path in ("/api/v1/batch", "/api/v1/catalogue"):
            return settings.max_batch_bytes
        if path in _TRACE_PATHS:
            return settings.max_trace_bytes
        return settings.max_profile_bytes

    # Outermost first: every response (errors included) gets the security headers; CORS only when configured.
    middleware = [Middleware(SecurityHeaders), Middleware(CatchAll)]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["authorization", "content-type"],
            )
        )
    middleware += [
        Middleware(HostAllowList, settings=settings),
        Middleware(ApiKey, settings=settings),
        Middleware(BodyLimit, limit_for=limit_for),
    ]
    static = StaticFiles(packages=[("sellerexpert.web", "static")])
    routes = [*_pages.ROUTES, *_api.ROUTES, Route("/openapi.json", openapi_endpoint), Mount("/static", static, name="static")]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # The trace workers start with the server, so the first explain or audit does not wait for them.
        start_pool(advisor.rules.directory, settings.work_processes)
        yield
        if app.state.owns_workers:
            # uvicorn ends a process stopped by SIGTERM by raising the signal again, so neither atexit nor
            # multiprocessing's finalizers run: stop the workers here, while shutting down is orderly.
            stop_pools()

    app = Starlette(routes=routes, middleware=middleware, exception_handlers=dict(HANDLERS), lifespan=lifespan)
    app.state.web = WebContext(advisor=advisor, settings=settings, templates=templates())
    # Applications built in-process (tests build many) share the workers until the process exits.
    app.state.owns_workers = False
    return app


def app_from_env() -> Starlette:
    """The application configured from the environment (see :func:`settings_from_env`): uvicorn's factory."""
    app = create_app(settings_from_env())
    app.state.owns_workers = True  # the server's one application: its shutdown stops the workers
    # The rule book, the compiled evaluator and the templates live as long as the process: move them out of
    # the collector's sight, so that full collections under load do not walk them again and again.
    gc.collect()
    gc.freeze()
    if _freeze_survivors not in gc.callbacks:  # an application built again in the same process registers it once
        gc.callbacks.append(_freeze_survivors)
    return app


def _freeze_survivors(phase: str, info: dict[str, int]) -> None:
    """After each full collection, what survived it leaves the collector's sight too (``gc.freeze``).

    What outlives a full collection in a server is nearly all the advisor's bounded stores (platform views,
    shared conclusions, the advice cache); walked again by every later full collection, they made each one a
    pause of some 60 ms of CPU, 20 of them per 6,000 diverse consultations, and every request queued behind a
    pause waited for it (most of the API's p99). Frozen, they are still freed as soon as nothing refers to them
    (a store emptied at its bound drops them): only garbage in reference cycles among them would stay, and the
    stores hold plain records and values, which make none.
    """
    if phase == "stop" and info.get("generation") == 2:
        gc.freeze()


def serve(
    settings: WebSettings,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    access_log: bool = True,
    limits: ServerLimits | None = None,
) -> None:
    """Run the application with uvicorn until interrupted.

    :param limits: what each connection is allowed (:class:`ServerLimits`; the defaults when ``None``).
    :raises ValueError: when ``host`` is not a loopback address and no API key is set, or when
        ``limits.max_connections`` needs more open files than the process may have.
    """
    import uvicorn

    if settings.api_key is None and not is_loopback(host):
        raise ValueError(
            f"{host} is not a loopback address, so the API needs a key: set --api-key or SELLEREXPERT_API_KEY"
        )
    limits = limits or ServerLimits()
    limits = dataclasses.replace(limits, max_connections=connection_cap(limits.max_connections))
    # Each worker process builds its own app and connections from the environment it inherits.
    os.environ.update(settings.to_env())
    os.environ.update(limits.to_env())
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "workers": workers,
        "factory": True,
        "access_log": access_log,
        "server_header": False,
        "proxy_headers": False,
        "log_level": "info",
        # Our protocol: uvicorn's httptools one, held to the limits (sellerexpert.web._protocol).
        "http": "sellerexpert.web._protocol:BoundedProtocol",
        "ws": "none",
        "timeout_keep_alive": limits.idle_timeout,
    }
    uvicorn.run("sellerexpert.web:app_from_env", **options)


FILES_RESERVED = 64
"""Open files kept for other than connections: the listening socket, logs, the rule files, worker pipes."""

DEFAULT_CONNECTIONS = 1000


def connection_cap(requested: int | None) -> int:
    """The connection cap for this process: ``requested``, or the default, within the open-file limit.

    Raises the soft open-file limit towards the hard one when that makes room.

    :raises ValueError: when ``requested`` connections need more open files than the process may have.
    """
    try:
        import resource
    except ImportError:  # Windows: no such limit to respect
        return requested or DEFAULT_CONNECTIONS
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = (requested or DEFAULT_CONNECTIONS) + FILES_RESERVED
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError):
            pass
    room = wanted if soft == resource.RLIM_INFINITY else soft - FILES_RESERVED
    if requested is None:
        return max(1, min(DEFAULT_CONNECTIONS, room))
    if requested > room:
        raise ValueError(
            f"{requested} connections need {requested + FILES_RESERVED} open files, and this process may open {soft} "
            "(ulimit -n): lower --max-connections or raise the limit"
        )
    return requested


__all__ = [
    "ServerLimits",
    "WebSettings",
    "app_from_env",
    "connection_cap",
    "create_app",
    "is_loopback",
    "limits_from_env",
    "serve",
    "settings_from_env",
]
