"""Choosing the language the advisor speaks: checking a language asked for, speaking it for a block or
a command, and reading it from the environment.

The translation itself (:mod:`sellerexpert._i18n`) reads the language in force; an unknown language
asked for is a :class:`~sellerexpert._errors.LanguageError`, and errors are worded through the
translation, so choosing sits above both.

May import: :mod:`sellerexpert._i18n`, :mod:`sellerexpert._errors`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from ._errors import LanguageError
from ._i18n import LANGS, LANGUAGE, current


@contextmanager
def use(lang: str | None) -> Iterator[str]:
    """Speak ``lang`` inside the block (``None`` keeps the language in force)."""
    if lang is None:
        yield current()
        return
    token = LANGUAGE.set(check(lang))
    try:
        yield lang
    finally:
        LANGUAGE.reset(token)


def set_language(lang: str) -> None:
    """Speak ``lang`` from now on in this context (the CLI sets it once per command)."""
    LANGUAGE.set(check(lang))


def check(lang: str) -> str:
    """``lang`` if the advisor speaks it; :class:`~sellerexpert._errors.LanguageError` otherwise."""
    if lang in LANGS:
        return lang
    raise LanguageError(lang)


def from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The language the environment asks for: ``SELLEREXPERT_LANG``, else the locale, else English.

    ``SELLEREXPERT_LANG`` must name a language we speak (a typo there is an error, not a silent
    fallback). The locale variables are read as POSIX does (``LC_ALL``, then ``LC_MESSAGES``, then
    ``LANG``; also ``LANGUAGE``'s first entry first): ``zh_CN.UTF-8``, ``zh_TW`` or ``zh`` mean
    Chinese, anything else English.
    """
    env = os.environ if environ is None else environ
    chosen = env.get("SELLEREXPERT_LANG", "").strip()
    if chosen:
        return check(chosen.lower())
    language = env.get("LANGUAGE", "").split(":")[0]
    for value in (language, env.get("LC_ALL", ""), env.get("LC_MESSAGES", ""), env.get("LANG", "")):
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"
