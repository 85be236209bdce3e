"""How the web application is configured: one frozen record, built from arguments or from the environment.

``sellerexpert serve`` puts its options into the environment before uvicorn
starts, because with ``--workers N`` each worker process builds its own
application (:func:`sellerexpert.web.app_from_env`) and the environment is
what they all inherit. The CSRF secret travels the same way, so a form served
by one worker is accepted by another.
"""

from __future__ import annotations

import dataclasses
import functools
import ipaddress
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from .. import ENGINES, Engine
from .._i18n import LANGS

ENV_API_KEY = "SELLEREXPERT_API_KEY"
ENV_RULES = "SELLEREXPERT_WEB_RULES"
ENV_SECRET = "SELLEREXPERT_WEB_SECRET"
ENV_CORS = "SELLEREXPERT_WEB_CORS"
ENV_ENGINE = "SELLEREXPERT_WEB_ENGINE"
ENV_HOSTS = "SELLEREXPERT_WEB_HOSTS"
ENV_TIME_LIMIT = "SELLEREXPERT_WEB_TIME_LIMIT"
ENV_LIMITS = "SELLEREXPERT_WEB_LIMITS"
ENV_LANG = "SELLEREXPERT_WEB_LANG"

KIB = 1024
MIB = 1024 * KIB

MAX_TIME_LIMIT = 3600
"""The largest time limit a request may be given (an hour: beyond that it is no limit)."""


@dataclass(frozen=True)
class WebSettings:
    """What the web application needs to know.

    :ivar rules_dir: a custom rule pack (``None``: the shipped rule book).
    :ivar api_key: the bearer token the JSON API requires (``None``: no key; then the API answers
        only on loopback addresses).
    :ivar secret: the key that signs CSRF tokens (random per start unless given).
    :ivar cors_origins: origins allowed to call the API from a browser (none by default).
    :ivar engine: what runs each consultation: ``compiled`` (the compiled evaluator, the same result and
        trace, much faster: a server consults many times) or ``experta`` (the engine of record).
    :ivar max_profile_bytes: the largest body for a profile and for the page's forms.
    :ivar max_trace_bytes: the largest body for a trace (explain, audit, the trace check form).
    :ivar max_batch_bytes: the largest batch body, counted as it streams in.
    :ivar max_batch_rows: the most rows one batch request may hold (413 past it): each row costs a
        consultation and about 10 KB of output, so the bytes limit alone would let 60 KB of ``{}``
        rows cost seconds of work and hundreds of megabytes of answer.
    :ivar time_limit: the most seconds an explain, audit or batch request may take, waiting for its
        turn included. Explain and audit run in worker processes that are stopped at the limit (503);
        a batch stops between rows and ends its stream with an error record.
    :ivar work_processes: the worker processes that explain and audit traces (each loads the rule book
        once), so that their work never holds up the server's own requests.
    :ivar allowed_hosts: the ``Host`` names the server answers besides ``localhost`` and IP addresses
        (which DNS cannot rebind). ``None``: only those when no API key is set, any name with a key.
        A tuple, even empty, is enforced with or without a key.
    :ivar lang: the page's language when the browser asks for none we speak (``?lang=`` and
        ``Accept-Language`` choose per request); ``serve --lang zh`` sets it.
    """

    rules_dir: Path | None = None
    api_key: str | None = None
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    cors_origins: tuple[str, ...] = ()
    engine: Engine = "compiled"
    max_profile_bytes: int = 256 * KIB
    max_trace_bytes: int = 2 * MIB
    max_batch_bytes: int = 16 * MIB
    max_batch_rows: int = 1000
    time_limit: float = 10.0
    work_processes: int = 2
    allowed_hosts: tuple[str, ...] | None = None
    lang: str = "en"

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            raise ValueError(f"unknown language '{self.lang}' (allowed: {', '.join(LANGS)})")
        if self.api_key is not None and not self.api_key.strip():
            object.__setattr__(self, "api_key", None)
        if self.engine not in ENGINES:
            raise ValueError(f"unknown engine '{self.engine}' (allowed: {', '.join(ENGINES)})")
        if not 0 < self.time_limit <= MAX_TIME_LIMIT:
            raise ValueError(f"time limit {self.time_limit:g} s is not between 0 and {MAX_TIME_LIMIT} seconds")
        if not 1 <= self.work_processes <= 64:
            raise ValueError(f"work processes {self.work_processes} is not between 1 and 64")
        if self.allowed_hosts is not None:
            object.__setattr__(self, "allowed_hosts", tuple(_host_name(h) for h in self.allowed_hosts))

    def to_env(self) -> dict[str, str]:
        """The environment variables that make :func:`settings_from_env` rebuild these settings."""
        env = {ENV_SECRET: self.secret.hex(), ENV_ENGINE: self.engine}
        if self.rules_dir is not None:
            env[ENV_RULES] = str(self.rules_dir)
        if self.api_key is not None:
            env[ENV_API_KEY] = self.api_key
        if self.cors_origins:
            env[ENV_CORS] = ",".join(self.cors_origins)
        if self.allowed_hosts is not None:
            env[ENV_HOSTS] = ",".join(self.allowed_hosts)
        env[ENV_TIME_LIMIT] = repr(self.time_limit)
        env[ENV_LANG] = self.lang
        return env


def settings_from_env(environ: Mapping[str, str] | None = None) -> WebSettings:
    """Settings from ``SELLEREXPERT_API_KEY``, ``SELLEREXPERT_WEB_RULES``, ``SELLEREXPERT_WEB_SECRET`` (hex),
    ``SELLEREXPERT_WEB_CORS`` (comma-separated origins), ``SELLEREXPERT_WEB_ENGINE``,
    ``SELLEREXPERT_WEB_HOSTS`` (comma-separated names), ``SELLEREXPERT_WEB_TIME_LIMIT`` (seconds) and
    ``SELLEREXPERT_WEB_LANG`` (the page's default language).

    :raises ValueError: when the secret is not hexadecimal, the engine unknown or the time limit not a number.
    """
    env = os.environ if environ is None else environ
    secret_hex = env.get(ENV_SECRET, "")
    rules = env.get(ENV_RULES, "")
    hosts = env.get(ENV_HOSTS)
    time_limit = env.get(ENV_TIME_LIMIT)
    return WebSettings(
        rules_dir=Path(rules) if rules else None,
        api_key=env.get(ENV_API_KEY) or None,
        secret=bytes.fromhex(secret_hex) if secret_hex else secrets.token_bytes(32),
        cors_origins=_split(env.get(ENV_CORS, "")),
        engine=cast(Engine, env.get(ENV_ENGINE) or "compiled"),
        allowed_hosts=None if hosts is None else _split(hosts),
        time_limit=float(time_limit) if time_limit else WebSettings.time_limit,
        lang=env.get(ENV_LANG) or "en",
    )


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


@dataclass(frozen=True)
class ServerLimits:
    """What the HTTP server (``serve``) allows each connection: sizes, timeouts and how many at once.

    These hold below the application, where uvicorn reads the bytes, so they apply only when the
    server is started by :func:`sellerexpert.web.serve` (another ASGI server has its own settings).

    :ivar max_connections: open connections at most, per server process. ``None``: 1000, or fewer
        when the process may not open that many files (``ulimit -n``, less a reserve). A new
        connection past it closes, of those waiting on their client (idle, or sending a request),
        the one heard from least recently; when the application has every connection's request
        in hand, the new one is answered 503.
    :ivar max_request_line: the longest request line (method, URL, version) in bytes: 414 past it.
    :ivar max_header_bytes: request line and headers together, in bytes: 431 past it.
    :ivar idle_timeout: seconds a connection may stay silent before its first request and between
        requests (keep-alive); it is then closed.
    :ivar header_timeout: seconds from a request's first byte to the end of its headers: 408 past it.
    :ivar read_timeout: the longest silence, in seconds, while a request body is sent: 408 past it.
    :ivar min_body_rate: bytes a second a body must average after its first ``read_timeout``
        seconds (a body sent slower than this is 408), so a trickle cannot hold a connection for hours.
    :ivar write_timeout: seconds an answer may wait on a client that does not read it; the
        connection is then dropped.
    :ivar linger_bytes: when a request is refused before its whole body arrived (413, 431), the most
        bytes of it the server still reads and drops so that the client, which may be writing the
        whole body before it reads (Python's ``urllib``, ``requests``), sees the answer and not a reset.
    :ivar linger_timeout: the most seconds spent on that.
    """

    max_connections: int | None = None
    max_request_line: int = 8 * KIB
    max_header_bytes: int = 32 * KIB
    idle_timeout: float = 5.0
    header_timeout: float = 10.0
    read_timeout: float = 10.0
    min_body_rate: int = 8 * KIB
    write_timeout: float = 15.0
    linger_bytes: int = 32 * MIB
    linger_timeout: float = 5.0

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            if value is not None and not value > 0:
                raise ValueError(f"server limit {name} must be more than 0 (got {value})")
        if self.max_request_line > self.max_header_bytes:
            raise ValueError("server limit max_request_line must not be more than max_header_bytes")

    def to_env(self) -> dict[str, str]:
        """The environment variable that makes :func:`limits_from_env` rebuild these limits (JSON)."""
        return {ENV_LIMITS: json.dumps(dataclasses.asdict(self))}


def limits_from_env(environ: Mapping[str, str] | None = None) -> ServerLimits:
    """The :class:`ServerLimits` in ``SELLEREXPERT_WEB_LIMITS`` (the defaults when it is not set).

    :raises ValueError: when the variable is not the JSON :meth:`ServerLimits.to_env` writes.
    """
    env = os.environ if environ is None else environ
    return _limits_from_text(env.get(ENV_LIMITS, ""))


@functools.lru_cache(maxsize=4)
def _limits_from_text(text: str) -> ServerLimits:
    # Cached: every new connection asks, and the variable does not change while a server runs.
    if not text:
        return ServerLimits()
    try:
        return ServerLimits(**json.loads(text))
    except (TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{ENV_LIMITS} is not the JSON of server limits: {exc}") from None


def _host_name(host: str) -> str:
    """The name in a ``Host`` header or an allowed host: lower case, without port or IPv6 brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    if host.count(":") == 1:
        host = host.partition(":")[0]
    return host.rstrip(".")


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    """Whether a request's ``Host`` may be answered: ``localhost``, an IP address, or a name in ``allowed``.

    An IP address or ``localhost`` cannot be pointed elsewhere by a DNS record, which is what a DNS
    rebinding page does to reach a loopback server from the user's own browser.
    """
    name = _host_name(host)
    if name == "localhost" or name in allowed:
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` (an address or ``localhost``) is a loopback address; names other than localhost are not.

    ``None`` (a Unix socket, or an in-process client without an address) counts as local.
    """
    if host is None:
        return True
    host = host.strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
