"""The HTTP connection as ``serve`` runs it: uvicorn's httptools protocol with sizes, timeouts and a connection cap.

uvicorn caps none of these by itself: a 200 MB header was read whole, an idle
or half-sent request held its socket for ever, and enough idle sockets used up
the process's file descriptors. :class:`BoundedProtocol` adds, from
:class:`~sellerexpert.web.ServerLimits`:

* sizes: the request line (414) and the request line with its headers (431),
  counted as the bytes arrive, so no more than one read past the limit is held;
* timeouts by phase: silence before a request (``idle``), the headers
  (``header``), the body (silence and a minimum rate), and an answer the client
  does not read (``write``); one timer per connection, re-armed only when it
  fires or a phase needs an earlier deadline, so a busy connection costs nothing;
* a cap on open connections: past it, of the connections waiting on their
  client (idle, or still sending a request), the one heard from least
  recently is closed, so idle sockets and slow senders cannot crowd out a
  request that arrives whole; when every connection is busy in the
  application, the newcomer is answered 503;
* a lingering close: a request refused before its body arrived (413 from the
  application, 431) has its answer sent, the writing half shut, and up to
  ``linger_bytes`` of the rest read and dropped, so a client that writes the
  whole body before reading (``urllib``, ``requests``) gets the answer, not a reset.

It relies on uvicorn's ``HttpToolsProtocol`` callbacks (``on_url``,
``on_headers_complete``, ``on_message_complete``, ``on_response_complete``,
``send_400_response``); ``tests/web/test_web_server.py`` drives each limit on a real
socket, so an uvicorn release that changes them fails there.
"""

from __future__ import annotations

import asyncio
import enum
import weakref
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from ._settings import limits_from_env


class Phase(enum.Enum):
    """Where a connection is in its request."""

    IDLE = "idle"  # nothing of the next request yet
    HEAD = "head"  # part of the request line or headers
    BODY = "body"  # headers done, body still arriving
    BUSY = "busy"  # request read; the application answers
    LINGER = "linger"  # refused: the answer is sent, the rest of the body is read and dropped


class _Refused(Exception):
    """Raised from a parser callback to stop parsing; the refusal is in ``BoundedProtocol._refusal``."""


# The connections of each server that wait on their client (all but BUSY ones, whose request the
# application has in hand), least recently heard from first: the ones a newcomer may push out when
# the cap is reached. A dict keeps insertion order, and moving one to the back is a pop and a store.
_WAITING: weakref.WeakKeyDictionary[ServerState, dict[BoundedProtocol, None]] = weakref.WeakKeyDictionary()


class BoundedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol held to :class:`ServerLimits` (read from ``SELLEREXPERT_WEB_LIMITS``)."""

    def __init__(
        self, config: Config, server_state: ServerState, app_state: dict[str, Any], _loop: asyncio.AbstractEventLoop | None = None
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits_from_env()
        self.phase = Phase.IDLE
        self._since = 0.0  # when the phase began
        self._last_read = 0.0
        self._head_bytes = 0
        self._header_size = 0
        self._body_bytes = 0
        self._dropped = 0
        self._write_paused_since: float | None = None
        self._refusal: tuple[int, str] | None = None
        self._over_capacity = False
        self._watch: asyncio.TimerHandle | None = None
        self._raw: asyncio.Transport | None = None
        self._guarded: _GuardedTransport | None = None
        self._waiting = _WAITING.setdefault(server_state, {})

    # -- the connection ---------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._raw = transport
        self._guarded = _GuardedTransport(transport, self)
        super().connection_made(self._guarded)
        self._enter(Phase.IDLE)
        cap = self.limits.max_connections
        if cap is not None and len(self.connections) > cap:
            oldest = next((other for other in self._waiting if other is not self), None)
            if oldest is not None:
                oldest.drop()
            else:
                self._over_capacity = True

    def connection_lost(self, exc: Exception | None) -> None:
        self._waiting.pop(self, None)
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        super().connection_lost(exc)

    def drop(self) -> None:
        """Close at once, without an answer (an idle connection pushed out, a stalled one)."""
        self._waiting.pop(self, None)
        if self._guarded is not None:
            self._guarded.close_now()

    def data_received(self, data: bytes) -> None:
        if self.phase is Phase.LINGER:
            self._dropped += len(data)
            if self._dropped > self.limits.linger_bytes:
                self.drop()
            else:
                self._heard_from()
            return
        self._last_read = self.loop.time()
        if self.phase is Phase.IDLE:
            self._enter(Phase.HEAD)
            self._head_bytes = 0
        if self.phase is Phase.HEAD:
            self._head_bytes += len(data)
        elif self.phase is Phase.BODY:
            self._body_bytes += len(data)
        super().data_received(data)
        self._heard_from()
        if self.phase is Phase.HEAD and self._head_bytes > self.limits.max_header_bytes and not self.transport.is_closing():
            self.refuse(431, self._too_large_head())

    def _too_large_head(self) -> str:
        return f"the request line and headers are larger than this server accepts ({self.limits.max_header_bytes} bytes)"

    def pause_writing(self) -> None:
        super().pause_writing()
        self._write_paused_since = self.loop.time()
        self._arm()

    def resume_writing(self) -> None:
        super().resume_writing()
        self._write_paused_since = None

    # -- the parser's callbacks ---------------------------------------------------

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > self.limits.max_request_line:
            self._refusal = (414, f"the request line is longer than this server accepts ({self.limits.max_request_line} bytes)")
            raise _Refused

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_size = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        super().on_header(name, value)
        # Counted here too: a head that arrived in one read is parsed whole before data_received can look.
        self._header_size += len(name) + len(value) + 4
        if len(self.url) + self._header_size > self.limits.max_header_bytes:
            self._refusal = (431, self._too_large_head())
            raise _Refused

    def on_headers_complete(self) -> None:
        cap = self.limits.max_connections
        if self._over_capacity and cap is not None and len(self.connections) > cap:
            self._refusal = (503, f"the server has its most connections open ({self.limits.max_connections}): try again shortly")
            raise _Refused
        self._over_capacity = False
        self._enter(Phase.BODY)
        self._body_bytes = 0
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._enter(Phase.BUSY)
        super().on_message_complete()

    def on_response_complete(self) -> None:
        cycle = self.cycle
        if cycle is not None and cycle.response_complete and cycle.more_body and not self.transport.is_closing():
            # Answered before the body was read (a 413): the rest of the body is not wanted, so the
            # connection cannot be used again; close it, lingering so the client reads the answer.
            self.transport.close()
        super().on_response_complete()
        # Idle again, unless a pipelined request is already in hand.
        if not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete):
            self._enter(Phase.IDLE)

    def send_400_response(self, msg: str) -> None:
        # uvicorn's answer to a parser error, which is also how a callback's _Refused ends the parse.
        status, message = self._refusal or (400, msg)
        self._refusal = None
        self.refuse(status, message)

    # -- refusing and closing -------------------------------------------------------

    def refuse(self, status: int, message: str, *, linger: bool = True) -> None:
        """Answer ``status`` with a one-line plain-text ``message`` and close (lingering when ``linger``)."""
        if self.transport.is_closing():
            return
        body = message.encode() + b"\n"
        head = [
            STATUS_LINE[status],
            b"content-type: text/plain; charset=utf-8\r\n",
            b"x-content-type-options: nosniff\r\n",
            b"content-length: %d\r\n" % len(body),
            b"connection: close\r\n",
        ]
        if status == 503:
            head.append(b"retry-after: 1\r\n")
        self.transport.write(b"".join([*head, b"\r\n", body]))
        if linger:
            self.transport.close()
        else:
            self.drop()

    def start_lingering(self) -> bool:
        """Begin a lingering close if part of the request has not arrived; whether it began."""
        raw = self._raw
        if raw is None or raw.is_closing() or self.phase not in (Phase.HEAD, Phase.BODY) or not raw.can_write_eof():
            return False
        self._enter(Phase.LINGER)
        self._dropped = 0
        raw.write_eof()  # the answer is flushed first, then the client reads end-of-file after it
        raw.resume_reading()
        return True

    # -- timeouts ---------------------------------------------------------------------

    def _enter(self, phase: Phase) -> None:
        self.phase = phase
        self._since = self.loop.time()
        self._heard_from()
        self._arm()

    def _heard_from(self) -> None:
        """Move to the back of the connections a newcomer may push out (or leave it, when the application has the request)."""
        self._waiting.pop(self, None)
        if self.phase is not Phase.BUSY:
            self._waiting[self] = None

    def _deadline(self, now: float) -> float | None:
        limits = self.limits
        if self._write_paused_since is not None:
            return self._write_paused_since + limits.write_timeout
        if self.phase is Phase.IDLE:
            return self._since + limits.idle_timeout
        if self.phase is Phase.HEAD:
            return self._since + limits.header_timeout
        if self.phase is Phase.BODY:
            if self.flow.read_paused:
                # The application is not reading yet: the client is not the slow one.
                self._last_read = now
                return now + limits.read_timeout
            silence = self._last_read + limits.read_timeout
            rate = self._since + limits.read_timeout + self._body_bytes / limits.min_body_rate
            return min(silence, rate)
        if self.phase is Phase.LINGER:
            return self._since + limits.linger_timeout
        return None

    def _arm(self) -> None:
        when = self._deadline(self.loop.time())
        if when is None:
            return
        if self._watch is not None:
            if self._watch.when() <= when:
                return  # an earlier check is due anyway; it will look again
            self._watch.cancel()
        self._watch = self.loop.call_at(when, self._check)

    def _check(self) -> None:
        self._watch = None
        if self._raw is None or self._raw.is_closing():
            return
        now = self.loop.time()
        when = self._deadline(now)
        if when is None:
            return
        if now < when:
            self._arm()
            return
        if self._write_paused_since is not None:
            # The client has read nothing for a while: closing would wait for the buffered answer to
            # drain, which it never will; abort drops it, and the application sees the client gone.
            self.transport.abort()
        elif self.phase in (Phase.IDLE, Phase.LINGER):
            self.drop()
        elif self.phase is Phase.HEAD:
            self.refuse(408, f"the request's headers did not arrive within {self.limits.header_timeout:g} s", linger=False)
        elif self.cycle is not None and self.cycle.response_started:
            self.drop()
        else:
            self.refuse(408, "the request's body arrived too slowly", linger=False)


class _GuardedTransport(asyncio.Transport):
    """The socket's transport as uvicorn sees it: closing it while a request is half read lingers first."""

    def __init__(self, raw: asyncio.Transport, protocol: BoundedProtocol) -> None:
        super().__init__()
        self._raw_transport = raw
        self._protocol = protocol
        self._closing = False

    def close(self) -> None:
        if not self._closing:
            self._closing = True
            if self._protocol.start_lingering():
                return
        self._raw_transport.close()

    def close_now(self) -> None:
        """Close without lingering (the buffered answer is still sent)."""
        self._closing = True
        self._raw_transport.close()

    def is_closing(self) -> bool:
        return self._closing or self._raw_transport.is_closing()

    def abort(self) -> None:
        self._closing = True
        self._raw_transport.abort()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self._raw_transport.write(data)

    def writelines(self, list_of_data: Any) -> None:
        self._raw_transport.writelines(list_of_data)

    def write_eof(self) -> None:
        self._raw_transport.write_eof()

    def can_write_eof(self) -> bool:
        return self._raw_transport.can_write_eof()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._raw_transport.get_extra_info(name, default)

    def pause_reading(self) -> None:
        self._raw_transport.pause_reading()

    def resume_reading(self) -> None:
        self._raw_transport.resume_reading()

    def is_reading(self) -> bool:
        return self._raw_transport.is_reading()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._raw_transport.set_write_buffer_limits(high, low)

    def get_write_buffer_size(self) -> int:
        return self._raw_transport.get_write_buffer_size()

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._raw_transport.get_write_buffer_limits()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._raw_transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._raw_transport.get_protocol()
