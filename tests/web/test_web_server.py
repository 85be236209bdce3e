"""Against a real server on 127.0.0.1 (issue 23): each way a client could hold the server's memory, sockets or time.

One server, started with small limits so that each timeout shows within a second or two; every loop
here is bounded and every socket has a timeout. The tests that wait out a timeout of their own, start a
second server or send megabytes are marked slow (.ci/run runs them); one of each kind stays in the default run.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("uvicorn", reason="the web extra is not installed")

from hostile_web import costly_trace, resident_kib, running_server  # noqa: E402
from sellerexpert import Advisor  # noqa: E402

CAP = 40
LIMITS: dict[str, Any] = {
    "max_connections": CAP,
    "max_request_line": 4096,
    "max_header_bytes": 16384,
    "idle_timeout": 0.5,
    "header_timeout": 1.0,
    "read_timeout": 1.0,
    "write_timeout": 1.0,
    "linger_timeout": 3.0,
}
TIME_LIMIT = 2.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, int]]:
    """(base URL, port, server pid)."""
    log = tmp_path_factory.mktemp("server") / "server.log"
    with running_server({"time_limit": TIME_LIMIT}, LIMITS, log) as (base, process):
        yield base, int(base.rsplit(":", 1)[1]), process.pid
    assert "Traceback" not in log.read_text(errors="replace"), log.read_text(errors="replace")[-3000:]


def _connect(port: int, timeout: float = 5.0) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def _read_until_closed(sock: socket.socket, most: int = 1 << 20) -> bytes:
    """What the server sends until it closes the connection (or ``most`` bytes, or the socket's timeout)."""
    data = b""
    try:
        while len(data) < most:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return data


def _status(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), answer[:80]
    return int(answer[9:12])


def _get(port: int, path: str = "/healthz", host: str = "127.0.0.1") -> bytes:
    with _connect(port) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        return _read_until_closed(sock)


def _alive(sock: socket.socket) -> bool:
    """Whether the server still holds this (silent) connection open."""
    sock.settimeout(0.01)
    try:
        return sock.recv(1) != b""
    except TimeoutError:
        return True
    except OSError:
        return False


@pytest.mark.slow  # megabytes of header (431 on a header over the limit stays in the default run)
def test_a_huge_header_is_431_and_not_held_in_memory(server: tuple[str, int, int]) -> None:
    _, port, pid = server
    before = resident_kib(pid)
    with _connect(port) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ")
        sent = 0
        try:
            for _ in range(200):  # up to 200 MB, as the attacker sent
                sock.sendall(b"a" * (1 << 20))
                sent += 1
        except OSError:
            pass  # refused and closed part-way: what is wanted
        answer = _read_until_closed(sock)
    assert _status(answer) == 431
    assert b"the request line and headers are larger than this server accepts (16384 bytes)" in answer
    assert sent < 200
    assert resident_kib(pid) - before < 20_000  # it used to grow by 300 MB


@pytest.mark.parametrize("size", [17_000, 100_000], ids=["just-over", "in-one-read"])
def test_a_header_over_the_limit_sent_at_once_is_431(server: tuple[str, int, int], size: int) -> None:
    _, port, _ = server
    with _connect(port) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * size + b"\r\n\r\n")
        answer = _read_until_closed(sock)
    assert _status(answer) == 431


def test_a_long_request_line_is_414(server: tuple[str, int, int]) -> None:
    _, port, _ = server
    answer = _get(port, "/consult?" + "a=b&" * 2000)
    assert _status(answer) == 414
    assert b"the request line is longer than this server accepts (4096 bytes)" in answer


def test_an_idle_socket_is_closed_after_the_idle_timeout(server: tuple[str, int, int]) -> None:
    _, port, _ = server
    with _connect(port) as sock:
        started = time.monotonic()
        assert _read_until_closed(sock) == b""
        assert time.monotonic() - started < LIMITS["idle_timeout"] + 1.5


def test_a_keep_alive_connection_is_closed_when_idle(server: tuple[str, int, int]) -> None:
    _, port, _ = server
    with _connect(port) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")  # keep-alive: HTTP/1.1's default
        started = time.monotonic()
        answer = _read_until_closed(sock)  # the answer, then the close (not the socket's 5 s timeout)
        assert _status(answer) == 200
        assert answer.count(b"HTTP/1.1 ") == 1
        assert time.monotonic() - started < LIMITS["idle_timeout"] + 1.5


def test_pipelined_requests_are_all_answered(server: tuple[str, int, int]) -> None:
    _, port, _ = server
    with _connect(port) as sock:
        one = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        sock.sendall(one * 3)
        answers = _read_until_closed(sock)  # three answers, then the idle timeout closes it
    assert answers.count(b"HTTP/1.1 200 OK") == 3


@pytest.mark.slow  # waits out the header timeout (a trickle cut at it stays in the default run)
def test_half_sent_headers_are_408_after_the_header_timeout(server: tuple[str, int, int]) -> None:
    _, port, _ = server
    with _connect(port) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        answer = _read_until_closed(sock)
    assert _status(answer) == 408
    assert time.monotonic() - started < LIMITS["header_timeout"] + 1.5


def test_a_slowloris_header_trickle_is_cut_at_the_header_timeout(server: tuple[str, int, int]) -> None:
    _, port, _ = server
    with _connect(port, timeout=0.2) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        closed = False
        for index in range(40):  # a header line every 0.2 s, for at most 8 s
            try:
                sock.sendall(b"X-%d: a\r\n" % index)
                if sock.recv(65536):
                    closed = True
                    break
            except TimeoutError:
                continue
            except OSError:
                closed = True
                break
        assert closed
        assert time.monotonic() - started < LIMITS["header_timeout"] + 1.5


@pytest.mark.slow  # waits out the read timeout (the header timeout stays in the default run)
def test_a_half_sent_body_is_408_after_the_read_timeout(server: tuple[str, int, int]) -> None:
    _, port, _ = server
    with _connect(port) as sock:
        sock.sendall(b"POST /api/v1/consult HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{")
        started = time.monotonic()
        answer = _read_until_closed(sock)
    assert _status(answer) == 408
    assert b"the request's body arrived too slowly" in answer
    assert time.monotonic() - started < LIMITS["read_timeout"] + 1.5


@pytest.mark.slow  # waits out the minimum rate
def test_a_body_trickle_is_cut_by_the_minimum_rate(server: tuple[str, int, int]) -> None:
    _, port, _ = server
    with _connect(port, timeout=0.3) as sock:
        sock.sendall(b"POST /api/v1/consult HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n")
        started = time.monotonic()
        answer = b""
        for _ in range(30):  # a byte every 0.3 s: never silent for the read timeout, far under the rate
            try:
                sock.sendall(b" ")
                answer = sock.recv(65536)
                if answer:
                    break
            except TimeoutError:
                continue
            except OSError:
                break
    assert answer and _status(answer) == 408
    assert time.monotonic() - started < LIMITS["read_timeout"] + 2.0


def test_an_idle_socket_storm_does_not_keep_out_a_request(server: tuple[str, int, int]) -> None:
    _, port, _ = server
    storm = [_connect(port) for _ in range(CAP * 2)]
    try:
        time.sleep(0.1)
        assert _status(_get(port)) == 200
        assert sum(_alive(sock) for sock in storm) <= CAP
    finally:
        for sock in storm:
            sock.close()


@pytest.mark.slow  # a second server and 300 sockets
def test_with_256_open_files_300_idle_sockets_do_not_keep_out_a_request(tmp_path: Path) -> None:
    pytest.importorskip("resource", reason="open-file limits are POSIX")
    # The case: no --max-connections, so the cap comes from the open-file limit (256 less a reserve).
    with running_server({}, {}, tmp_path / "log", open_files=256) as (base, _):
        port = int(base.rsplit(":", 1)[1])
        idle = [_connect(port) for _ in range(300)]
        try:
            time.sleep(0.2)
            assert _status(_get(port)) == 200
            assert sum(_alive(sock) for sock in idle) <= 256 - 64
        finally:
            for sock in idle:
                sock.close()


def test_slow_senders_do_not_keep_out_a_request(server: tuple[str, int, int]) -> None:
    _, port, _ = server
    slow = []
    try:
        for index in range(CAP * 2):  # half of them sending headers, half a body, none of them finishing
            sock = _connect(port)
            if index % 2:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            else:
                sock.sendall(b"POST /api/v1/consult HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{")
            slow.append(sock)
        time.sleep(0.1)
        assert _status(_get(port)) == 200
        assert sum(_alive(sock) for sock in slow) <= CAP
    finally:
        for sock in slow:
            sock.close()


@pytest.mark.slow  # a second server, and seconds of work to keep it busy
def test_past_the_cap_with_every_request_at_work_a_newcomer_gets_503(tmp_path: Path) -> None:
    costly = costly_trace(Advisor(), 2_800)  # work queued on one worker process: each stays in the application's hands
    with running_server({"time_limit": 1.0, "work_processes": 1}, {"max_connections": 4}, tmp_path / "log") as (base, _):
        port = int(base.rsplit(":", 1)[1])
        working = []
        try:
            for _ in range(4):
                sock = _connect(port)
                head = b"POST /api/v1/audit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n" % len(costly)
                sock.sendall(head + costly)
                working.append(sock)
            # Long enough for the server to take the four in, shorter than one audit (about 0.25 s), so the
            # first is still at work when the newcomer comes.
            time.sleep(0.1)
            answer = _get(port)
            assert _status(answer) == 503
            assert b"the server has its most connections open (4): try again shortly" in answer
            assert b"retry-after: 1" in answer
        finally:
            for sock in working:
                sock.close()


@pytest.mark.parametrize("size", [2 << 20, 20 << 20], ids=["2MB", "20MB"])
def test_urllib_sends_a_whole_oversize_body_and_reads_the_413(server: tuple[str, int, int], size: int) -> None:
    base, _, _ = server
    request = urllib.request.Request(
        base + "/api/v1/consult", data=b" " * size, headers={"content-type": "application/json"}, method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:  # not ConnectionResetError or BrokenPipeError
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 413
    assert json.loads(refused.value.read())["error"]["limit"] == 256 * 1024


def test_a_rebinding_host_is_refused(server: tuple[str, int, int]) -> None:
    _, port, _ = server
    assert _status(_get(port, "/api/v1/rules", host="rebind.attacker.example")) == 400
    assert _status(_get(port, "/api/v1/rules", host=f"localhost:{port}")) == 200


@pytest.mark.slow  # megabytes pass through a 4 KiB window before the cut shows
def test_a_client_that_does_not_read_its_answer_is_dropped(server: tuple[str, int, int]) -> None:
    _, port, _ = server
    body = b'{"operational_capacity": "low", "platforms": ["temu", "aliexpress", "tiktok_shop"]}\n' * 1000
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(5)
    sock.connect(("127.0.0.1", port))
    with sock:
        head = b"POST /api/v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n" % len(body)
        sock.sendall(head + body)
        time.sleep(LIMITS["write_timeout"] + 0.7)  # read nothing: the server's buffer fills and stays full
        received = _read_until_closed(sock, most=64 << 20)
    assert _status(received) == 200
    assert not received.endswith(b"0\r\n\r\n")  # cut off: the chunked answer never ended


@pytest.mark.slow  # a second server and seconds of work (the limit in-process: tests/web/test_web_limits.py)
def test_a_costly_audit_is_stopped_at_the_time_limit_and_others_are_not_slowed(tmp_path: Path) -> None:
    # The audit is linear in a trace's size: about 2 MB (the endpoint's most) is a fifth of a second of work,
    # so this server gives a twentieth.
    limit = 0.05
    costly = costly_trace(Advisor(), 2_800)
    outcome: dict[str, Any] = {}
    with running_server({"time_limit": limit}, LIMITS, tmp_path / "log") as (base, _):
        port = int(base.rsplit(":", 1)[1])
        _stopped_while_others_are_answered(base, port, costly, outcome, limit)


def _stopped_while_others_are_answered(base: str, port: int, costly: bytes, outcome: dict[str, Any], limit: float) -> None:
    def send() -> None:
        request = urllib.request.Request(base + "/api/v1/audit", data=costly, method="POST")
        started = time.monotonic()
        try:
            urllib.request.urlopen(request, timeout=30)
        except urllib.error.HTTPError as exc:
            outcome["status"], outcome["error"] = exc.code, json.loads(exc.read())["error"]
        outcome["took"] = time.monotonic() - started

    audit = threading.Thread(target=send)
    audit.start()
    slowest = 0.0
    while audit.is_alive():  # bounded by the audit's own 30 s timeout
        started = time.monotonic()
        assert _status(_get(port)) == 200
        slowest = max(slowest, time.monotonic() - started)
        time.sleep(0.05)
    audit.join()
    assert outcome["status"] == 503
    assert outcome["error"]["type"] == "time_limit"
    assert limit <= outcome["took"] < limit + 2
    assert slowest < 0.5  # the audit ran in a worker process, not on the server's loop
