"""Safe defaults as plain ASGI middleware: security headers, request body limits, the API key, and CSRF tokens.

They are written against ASGI directly rather than Starlette's ``BaseHTTPMiddleware``
so that they add no task or copy per request (the API is meant to answer hundreds
of consultations a second) and so that a streamed batch body is counted as it
arrives.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._settings import WebSettings, is_loopback

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


async def send_html(send: Send, status: int, title: str, message: str) -> None:
    """Send a short HTML page from middleware: ``title`` and ``message`` (already escaped, or plain words)."""
    body = f"<!doctype html><title>{title}</title><p>{message}</p>".encode()
    await _send_whole(send, status, b"text/html; charset=utf-8", body)


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


class ApiKey:
    """Guards the JSON API (``/api/...``): a bearer token when a key is set, else loopback only.

    The token is compared in constant time. Without a key, a request that reached
    the server on a non-loopback address is refused: binding beyond loopback
    needs a key, however the server was started. The page, ``/healthz`` and
    ``/openapi.json`` stay open.
    """

    def __init__(self, app: ASGIApp, settings: WebSettings) -> None:
        self.app = app
        self.expected = settings.api_key.encode() if settings.api_key else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX) or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        if self.expected is None:
            server = scope.get("server")
            if not is_loopback(server[0] if server else None):
                message = (
                    "the API is served beyond loopback without a key: start the server with --api-key or SELLEREXPERT_API_KEY"
                )
                await send_json(send, 403, error_document(403, "forbidden", message))
                return
        elif not hmac.compare_digest(_bearer(scope), self.expected):
            await send_json(
                send,
                401,
                error_document(401, "unauthorized", "send the API key as 'Authorization: Bearer <key>'"),
                ((b"www-authenticate", b'Bearer realm="sellerexpert"'),),
            )
            return
        await self.app(scope, receive, send)


def _bearer(scope: Scope) -> bytes:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.partition(b" ")
            if scheme.lower() == b"bearer":
                return bytes(token.strip())
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
