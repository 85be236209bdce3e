"""How the web application is configured: one frozen record, built from arguments or from the environment.

``sellerexpert serve`` puts its options into the environment before uvicorn
starts, because with ``--workers N`` each worker process builds its own
application (:func:`sellerexpert.web.app_from_env`) and the environment is
what they all inherit. The CSRF secret travels the same way, so a form served
by one worker is accepted by another.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from .._advisor import ENGINES, Engine

ENV_API_KEY = "SELLEREXPERT_API_KEY"
ENV_RULES = "SELLEREXPERT_WEB_RULES"
ENV_SECRET = "SELLEREXPERT_WEB_SECRET"
ENV_CORS = "SELLEREXPERT_WEB_CORS"
ENV_ENGINE = "SELLEREXPERT_WEB_ENGINE"

KIB = 1024
MIB = 1024 * KIB


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
    """

    rules_dir: Path | None = None
    api_key: str | None = None
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    cors_origins: tuple[str, ...] = ()
    engine: Engine = "compiled"
    max_profile_bytes: int = 256 * KIB
    max_trace_bytes: int = 2 * MIB
    max_batch_bytes: int = 16 * MIB

    def __post_init__(self) -> None:
        if self.api_key is not None and not self.api_key.strip():
            object.__setattr__(self, "api_key", None)
        if self.engine not in ENGINES:
            raise ValueError(f"unknown engine '{self.engine}' (allowed: {', '.join(ENGINES)})")

    def to_env(self) -> dict[str, str]:
        """The environment variables that make :func:`settings_from_env` rebuild these settings."""
        env = {ENV_SECRET: self.secret.hex(), ENV_ENGINE: self.engine}
        if self.rules_dir is not None:
            env[ENV_RULES] = str(self.rules_dir)
        if self.api_key is not None:
            env[ENV_API_KEY] = self.api_key
        if self.cors_origins:
            env[ENV_CORS] = ",".join(self.cors_origins)
        return env


def settings_from_env(environ: Mapping[str, str] | None = None) -> WebSettings:
    """Settings from ``SELLEREXPERT_API_KEY``, ``SELLEREXPERT_WEB_RULES``, ``SELLEREXPERT_WEB_SECRET`` (hex),
    ``SELLEREXPERT_WEB_CORS`` (comma-separated origins) and ``SELLEREXPERT_WEB_ENGINE``.

    :raises ValueError: when the secret is not hexadecimal or the engine unknown.
    """
    env = os.environ if environ is None else environ
    secret_hex = env.get(ENV_SECRET, "")
    rules = env.get(ENV_RULES, "")
    return WebSettings(
        rules_dir=Path(rules) if rules else None,
        api_key=env.get(ENV_API_KEY) or None,
        secret=bytes.fromhex(secret_hex) if secret_hex else secrets.token_bytes(32),
        cors_origins=tuple(o.strip() for o in env.get(ENV_CORS, "").split(",") if o.strip()),
        engine=cast(Engine, env.get(ENV_ENGINE) or "compiled"),
    )


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
