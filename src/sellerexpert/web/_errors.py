"""One place that turns exceptions into responses: JSON under ``/api/``, an HTML page elsewhere.

A user's mistake gets its status (422 for a bad profile or trace, with the
error's attributes as fields); anything else is our failure, logged with its
traceback on the server and answered with a plain 500 that reveals nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._errors import EngineError, ProfileError, TraceError
from .._i18n import N_, _
from .._language import use
from ._context import context, switch_links
from ._lang import page_language
from ._security import API_PREFIX, TooLarge, error_document, send_html, send_json
from ._work import OverTimeLimit

log = logging.getLogger("sellerexpert.web")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


_TITLES = {422: N_("That cannot be used"), 413: N_("Too large"), 503: N_("That took too long")}


def _page(request: Request, status: int, title: str, message: str) -> Response:
    ctx = context(request)
    page = page_language(request, ctx.settings.lang)
    with use(page.lang):
        html = ctx.templates.get_template("error.html").render(
            title=_(title), message=message, status=status, page=page, switch=switch_links(request, page)
        )
    return HTMLResponse(html, status_code=status)


def _error(request: Request, status: int, kind: str, message: str, **fields: Any) -> Response:
    if _is_api(request):
        return JSONResponse({"error": {"status": status, "type": kind, "message": message, **fields}}, status_code=status)
    return _page(request, status, _TITLES.get(status, N_("Something went wrong")), message)


def _jsonable(value: object) -> object:
    return value if isinstance(value, (str, int, float, bool, type(None), list, dict)) else repr(value)


def profile_error_fields(exc: ProfileError) -> dict[str, Any]:
    """A :class:`ProfileError`'s attributes as JSON: ``field``, ``value``, ``allowed``, ``suggestion``, ``line``."""
    allowed = list(exc.allowed) if isinstance(exc.allowed, (tuple, list)) else exc.allowed
    return {
        "field": exc.field,
        "value": _jsonable(exc.value),
        "allowed": allowed,
        "suggestion": exc.suggestion,
        "line": exc.line,
    }


async def on_profile_error(request: Request, exc: Exception) -> Response:
    """422 with the field at fault, what it allows and the suggestion, exactly as the error carries them."""
    assert isinstance(exc, ProfileError)
    return _error(request, 422, "profile", str(exc), **profile_error_fields(exc))


async def on_trace_error(request: Request, exc: Exception) -> Response:
    """422 naming the JSON path at fault; ``exit_code`` 2 is what ``sellerexpert audit`` exits with for a non-trace."""
    assert isinstance(exc, TraceError)
    return _error(request, 422, "trace", str(exc), field=exc.field, exit_code=2)


async def on_http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (404, 405, 413 and our 422s on parameters) in the same shape as the rest."""
    assert isinstance(exc, HTTPException)
    kinds = {
        401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 413: "too_large", 503: "unavailable"
    }
    extra = {"limit": exc.limit} if isinstance(exc, TooLarge) else {}
    response = _error(request, exc.status_code, kinds.get(exc.status_code, "bad_request"), str(exc.detail), **extra)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def on_over_time_limit(request: Request, exc: Exception) -> Response:
    """503: the work ran past the request's time limit and was stopped; the message says so and what to do."""
    assert isinstance(exc, OverTimeLimit)
    return _error(request, 503, "time_limit", str(exc), limit_seconds=exc.seconds)


async def on_engine_error(request: Request, exc: Exception) -> Response:
    """The rule pack failed (a loop): our failure, reported without internals."""
    log.error("the rule engine failed on %s: %s", request.url.path, exc)
    return _error(request, 500, "engine", "the rule engine could not settle this consultation")


class CatchAll:
    """The last line: any exception that escaped the handlers is a bug.

    Its traceback goes to the server's log; the client gets a plain 500 that
    reveals nothing (or, when the response had already started, a cut-off
    stream, which the client sees as an incomplete answer).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except ClientDisconnect:
            # The client left before its body arrived (or was cut off for sending it too slowly): nobody to answer.
            log.info("the client left during %s %s", scope.get("method"), scope.get("path"))
        except Exception:
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                return
            message = "internal error: the server could not answer this request"
            if scope["path"].startswith(API_PREFIX):
                await send_json(send, 500, error_document(500, "internal", message))
                return
            await send_html(send, 500, "Something went wrong", message)


HANDLERS = {
    ProfileError: on_profile_error,
    TraceError: on_trace_error,
    HTTPException: on_http_error,
    EngineError: on_engine_error,
    OverTimeLimit: on_over_time_limit,
}
