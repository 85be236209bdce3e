"""What every request handler shares: the advisor, the settings and the page templates, built once per process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import jinja2
from starlette.requests import Request

from .. import Advisor, _i18n
from ._lang import PageLanguage
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
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sellerexpert.web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Page strings go through the CLI's gettext catalogues (the web's own are in locale/*/web.po), in the
    # language in force while the page renders: `{{ _("Next") }}`, `{{ _("Question {n}").format(n=n) }}`.
    env.globals["_"] = _i18n._
    env.globals["ngettext"] = _i18n.ngettext
    return env


def switch_links(request: Request, page: PageLanguage) -> list[tuple[str, str, str]]:
    """The language switch: (code, name, this page's URL in that language) for each other language.

    A POST's answer (a checked trace) switches to the form it came from.
    """
    out = []
    for code, name in page.others():
        url = request.url.include_query_params(lang=code)
        out.append((code, name, f"{url.path}?{url.query}"))
    return out
