"""What every request handler shares: the advisor, the settings and the page templates, built once per process."""

from __future__ import annotations

from dataclasses import dataclass

import jinja2
from starlette.requests import Request

from .._advisor import Advisor
from ._settings import WebSettings


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


def templates() -> jinja2.Environment:
    """The page templates, autoescaped (every value a seller typed is shown back escaped)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("sellerexpert.web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
