"""Safe defaults as plain ASGI middleware: security headers, request body limits, the Host allow-list, the API key,
and CSRF tokens.

They are written against ASGI directly rather than Starlette's ``BaseHTTPMiddleware``
so that they add no task or copy per request (the API is meant to answer hundreds
of consultations a second) and so that a streamed batch body is counted as it
arrives.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import html
import json
import secrets
from collections.abc import Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._settings import WebSettings, host_allowed, is_loopback

API_PREFIX = "/api/"

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""No inline script or style anywhere: the page's one script and stylesheet are files under /static."""

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # The answers live in the URL: never send them to another site in a Referer.
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
)


def error_document(status: int, kind: str, message: str, **fields: Any) -> bytes:
    """The JSON body every API error has: ``{"error": {"status", "type", "message", ...}}``."""
    return json.dumps({"error": {"status": status, "type": kind, "message": message, **fields}}, ensure_ascii=False).encode()


async def send_json(send: Send, status: int, body: bytes, headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    """Send a whole JSON response from middleware (before the application has answered)."""
    await _send_whole(send, status, b"application/json", body, headers)


async def send_html(
    send: Send, status: int, title: str, message: str, headers: tuple[tuple[bytes, bytes], ...] = ()
) -> None:
    """Send a short HTML page from middleware: ``title`` and ``message`` (already escaped, or plain words)."""
    body = f"<!doctype html><title>{title}</title><p>{message}</p>".encode()
    await _send_whole(send, status, b"text/html; charset=utf-8", body, headers)


async def _send_whole(
    send: Send, status: int, content_type: bytes, body: bytes, headers: tuple[tuple[bytes, bytes], ...] = ()
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Answers 413 to a request body over its path's limit.

    A declared ``Content-Length`` over the limit is refused before the body is
    read; a chunked body is counted as it streams in and refused (through
    :class:`HTTPException`, so the API and the page each render it their way)
    as soon as it passes the limit.

    :param limit_for: the limit in bytes for a request path.
    """

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > limit:
                    await self._refuse(scope, send, limit)
                    return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise TooLarge(limit)
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        message = too_large(limit)
        if scope["path"].startswith(API_PREFIX):
            await send_json(send, 413, error_document(413, "too_large", message, limit=limit))
            return
        await send_html(send, 413, "Too large", message)


class TooLarge(HTTPException):
    """A body that passed its limit while streaming in.

    :ivar limit: the limit in bytes.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large(limit))
        self.limit = limit


def too_large(limit: int) -> str:
    """The message for a body over ``limit`` bytes."""
    return f"the request body is larger than this endpoint accepts ({limit} bytes)"


PUBLIC_PATHS = ("/healthz", "/openapi.json")
"""What stays open when an API key is set: the health check a load balancer polls and the API's description."""

PUBLIC_PREFIXES = ("/static/",)
"""The page's stylesheet and script, which hold nothing of anyone's."""


def is_public(path: str) -> bool:
    """Whether ``path`` is served without the key when one is set."""
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


class HostAllowList:
    """Answers 400 to a request whose ``Host`` the server does not answer to (DNS rebinding).

    A page on another site can point its own DNS name at 127.0.0.1 and then, in the
    user's browser, call a keyless loopback server as "same origin". Its requests still
    carry that name in ``Host``, so a keyless server answers only ``localhost``, IP
    addresses and the names it was given (:attr:`WebSettings.allowed_hosts`). With a key
    the list is enforced only when it was given: the key already keeps such a page out.
    A request without ``Host`` (HTTP/1.0 tools; never a browser) passes.
    """

    def __init__(self, app: ASGIApp, settings: WebSettings) -> None:
        self.app = app
        self.allowed = settings.allowed_hosts or ()
        self.enforced = settings.allowed_hosts is not None or settings.api_key is None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.enforced:
            await self.app(scope, receive, send)
            return
        host = next((value for name, value in scope["headers"] if name == b"host"), None)
        if host is None or host_allowed(host.decode("latin-1"), self.allowed):
            await self.app(scope, receive, send)
            return
        shown = host.decode("latin-1")[:100]
        message = (
            f"this server does not answer to the name '{shown}': it answers localhost and IP addresses; "
            "start it with --allowed-host to add a name"
        )
        if scope["path"].startswith(API_PREFIX):
            await send_json(send, 400, error_document(400, "bad_host", message))
            return
        await send_html(send, 400, "Unknown host", html.escape(message))


class ApiKey:
    """Guards the server: with a key, every route but :func:`is_public` ones needs it; without, the API is loopback-only.

    With a key set, the JSON API takes it as ``Authorization: Bearer KEY``, and the
    pages (which consult, audit and sign traces, so the key must cover them too) take
    it through HTTP Basic authentication, which a browser asks for itself: any user
    name, the key as the password. Either form is accepted everywhere, compared in
    constant time. ``/healthz``, ``/openapi.json`` and ``/static/`` stay open.

    Without a key, a request that reached the server on a non-loopback address is
    refused by the API: binding beyond loopback needs a key, however the server was
    started. The pages then stay open (the Host allow-list still applies).
    """

    def __init__(self, app: ASGIApp, settings: WebSettings) -> None:
        self.app = app
        self.expected = settings.api_key.encode() if settings.api_key else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        api = path.startswith(API_PREFIX)
        if self.expected is None:
            server = scope.get("server")
            if api and not is_loopback(server[0] if server else None):
                message = (
                    "the API is served beyond loopback without a key: start the server with --api-key or SELLEREXPERT_API_KEY"
                )
                await send_json(send, 403, error_document(403, "forbidden", message))
                return
        elif not is_public(path) and not hmac.compare_digest(_presented_key(scope), self.expected):
            if api:
                await send_json(
                    send,
                    401,
                    error_document(401, "unauthorized", "send the API key as 'Authorization: Bearer <key>'"),
                    ((b"www-authenticate", b'Bearer realm="sellerexpert"'),),
                )
            else:
                await send_html(
                    send,
                    401,
                    "Key needed",
                    "This server needs its API key: give any user name and the key as the password.",
                    ((b"www-authenticate", b'Basic realm="sellerexpert", charset="UTF-8"'),),
                )
            return
        await self.app(scope, receive, send)


def _presented_key(scope: Scope) -> bytes:
    """The key a request carries: a bearer token, or the password of HTTP Basic credentials."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.partition(b" ")
            if scheme.lower() == b"bearer":
                return bytes(token.strip())
            if scheme.lower() == b"basic":
                try:
                    decoded = base64.b64decode(token.strip(), validate=True)
                except (binascii.Error, ValueError):
                    return b""
                _, colon, password = decoded.partition(b":")
                return bytes(password) if colon else b""
    return b""


# -- CSRF ---------------------------------------------------------------------
# Double submit, signed: the browser holds a random value in a SameSite=Strict,
# HttpOnly cookie; each form carries an HMAC of it under the server's secret.
# Another site can neither read the cookie nor forge the HMAC, and nothing is
# stored on the server.

CSRF_COOKIE = "sellerexpert_csrf"
CSRF_FIELD = "csrf_token"


def new_csrf_cookie() -> str:
    """A fresh random value for the CSRF cookie."""
    return secrets.token_urlsafe(24)


def csrf_token(secret: bytes, cookie: str) -> str:
    """The form token that goes with ``cookie``."""
    return hmac.new(secret, b"csrf:" + cookie.encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: bytes, cookie: str | None, token: str | None) -> bool:
    """Whether a form's token matches its cookie (constant-time)."""
    if not cookie or not token:
        return False
    return hmac.compare_digest(csrf_token(secret, cookie), token)
