"""What every request handler shares: the advisor, the settings and the page templates, built once per process."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import jinja2
from starlette.requests import Request

from .. import Advisor, RuleBookError, _i18n
from ._lang import PageLanguage
from ._settings import WebSettings
from ._work import pool_for, run_limited

T = TypeVar("T")


CONSULTATIONS_PER_ADVISOR = 2000
"""Consultations one advisor gives in a server process before a new one from the same rule pack takes over.

An advisor keeps what it worked out for the sellers it has seen: the advice of sellers its rules
cannot tell apart (up to 4,096, about 25 kB each with what the trace needs) and the compiled rules'
view of each platform with each market's route facts (up to 4,096, about 30 kB each). Each store
is bounded by a count, so a server that sees diverse sellers grew by some 250 MB per process before
they were full (2 workers: 385 MiB at the start, 718 MiB after 20,000 consultations). Starting
again every 2,000 consultations bounds what they hold at what 2,000 leave; the new advisor is built
in a thread (under 0.1 s of work), so no request waits for it.
"""


class _Current:
    """The advisor a context serves with now, and the consultations it has given (changed under the lock)."""

    def __init__(self, advisor: Advisor) -> None:
        self.advisor = advisor
        self.count = 0
        self.building = False
        self.lock = threading.Lock()


@dataclass(frozen=True)
class WebContext:
    """The application's shared state: the settings, the page templates and the advisor (safe to share between threads).

    :ivar renews: whether :meth:`consulted` replaces the advisor now and then (only one the
        application built itself: an advisor a caller handed in is theirs to keep).
    """

    _current: _Current
    settings: WebSettings
    templates: jinja2.Environment
    renews: bool = False

    @classmethod
    def of(cls, advisor: Advisor, settings: WebSettings, templates: jinja2.Environment, *, renews: bool = False) -> WebContext:
        """The context of an application serving with ``advisor``."""
        return cls(_Current(advisor), settings, templates, renews)

    @property
    def advisor(self) -> Advisor:
        """The advisor for the next request."""
        return self._current.advisor

    def consulted(self, count: int = 1) -> None:
        """Count ``count`` consultations; past :data:`CONSULTATIONS_PER_ADVISOR`, start building the next advisor.

        The requests go on with the current one until the new one is ready. A rule pack edited on
        disk meanwhile is not picked up: the server keeps answering with the rules it started with.
        """
        if not self.renews:
            return
        current = self._current
        with current.lock:
            current.count += count
            if current.building or current.count < CONSULTATIONS_PER_ADVISOR:
                return
            current.building = True
        threading.Thread(target=self._renew, name="sellerexpert-renew-advisor", daemon=True).start()

    def _renew(self) -> None:
        current = self._current
        try:
            renewed = Advisor(current.advisor.rules.directory)
        except RuleBookError:  # the rule pack no longer loads: keep serving with the one that did
            renewed = current.advisor
        with current.lock:
            if renewed.rules.fingerprint == current.advisor.rules.fingerprint:
                current.advisor = renewed
            current.count = 0
            current.building = False


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
