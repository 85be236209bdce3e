"""What every request handler shares: the advisor, the settings and the page templates, built once per process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import jinja2
from starlette.requests import Request

from .._advisor import Advisor
from ._settings import WebSettings
from ._work import pool_for, run_limited

T = TypeVar("T")


@dataclass(frozen=True)
class WebContext:
    """The application's shared, read-only state (the advisor is safe to share between threads)."""

    advisor: Advisor
    settings: WebSettings
    templates: jinja2.Environment


def context(request: Request) -> WebContext:
    """The :class:`WebContext` of the application serving ``request``."""
    found: WebContext = request.app.state.web
    return found


async def heavy(request: Request, function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in a worker process with the app's rule pack, within the request's time limit.

    :raises OverTimeLimit: past :attr:`WebSettings.time_limit` (the handlers answer 503).
    """
    ctx = context(request)
    pool = pool_for(ctx.advisor.rules.directory, ctx.settings.work_processes)
    return await run_limited(pool, ctx.settings.time_limit, function, *args)


def templates() -> jinja2.Environment:
    """The page templates, autoescaped (every value a seller typed is shown back escaped)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("sellerexpert.web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
