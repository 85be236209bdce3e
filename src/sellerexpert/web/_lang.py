"""The page's language, chosen per request: ``?lang=``, else ``Accept-Language``, else the server's default.

A page is rendered whole in one language (:func:`sellerexpert._language.use` around
the handler), so a server started under a Chinese locale never mixes Chinese
rule texts into an English page, nor the other way round. A language chosen
with ``?lang=`` travels in every link and form of the page, so a shared link
opens in the language it was made in.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from .._i18n import LANGS

HTML_LANG = {"en": "en", "zh": "zh-CN"}
"""The ``<html lang>`` value of each language."""

NAMES = {"en": "English", "zh": "中文"}
"""Each language's name in itself, for the language switch."""


@dataclass(frozen=True)
class PageLanguage:
    """The language of one page.

    :ivar lang: ``"en"`` or ``"zh"``.
    :ivar explicit: whether the URL chose it (then links and forms carry ``lang``).
    """

    lang: str
    explicit: bool = False

    @property
    def html(self) -> str:
        """The ``<html lang>`` attribute."""
        return HTML_LANG[self.lang]

    def params(self) -> dict[str, str]:
        """What links and forms add to carry the language on: ``{"lang": ...}`` when the URL chose it."""
        return {"lang": self.lang} if self.explicit else {}

    def others(self) -> list[tuple[str, str]]:
        """The other languages: (code, name in itself), for the language switch."""
        return [(code, NAMES[code]) for code in LANGS if code != self.lang]


def from_accept_language(header: str) -> str | None:
    """The language we speak that ``Accept-Language`` ranks highest, or ``None`` when it names none.

    ``zh``, ``zh-CN``, ``zh-Hans``, ``zh-TW`` mean Chinese; ``en-*`` English; ``*`` nothing in particular.
    """
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(header.split(",")):
        tag, _sep, params = part.strip().partition(";")
        tag = tag.strip().lower()
        quality = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.split("-")[0]
        if primary not in LANGS or quality <= 0:
            continue
        candidate = (quality, -position, primary)
        if best is None or candidate > best:
            best = candidate
    return best[2] if best else None


def page_language(request: Request, default: str) -> PageLanguage:
    """The language ``request`` asks for (see the module docstring)."""
    asked = request.query_params.get("lang", "").strip().lower()
    if asked in LANGS:
        return PageLanguage(asked, explicit=True)
    header = from_accept_language(request.headers.get("accept-language", ""))
    return PageLanguage(header or default)
