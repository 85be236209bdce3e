"""Storms against `sellerexpert serve` on loopback: do idle sockets and slow clients starve the normal requests?

    python bench/web_storm.py                  # writes its section of bench/RESULTS.md
    python bench/web_storm.py --no-write --storm 500 --total 500

It starts the server itself (one process, ``--max-connections`` as given, every
other limit at its default, and at most ``--server-files`` open files, as a
small ``ulimit -n`` would allow) on a free 127.0.0.1 port, then sends a normal
load three times: ``POST /api/v1/consult``, each on a new connection (a
newcomer is what a storm keeps out; a client already connected is not), each
with its own seeded profile (another seed per phase, so no phase meets advice
the cache has seen):

* alone, the baseline;
* during an **idle-socket storm**: ``--storm`` connections that send nothing and
  reconnect as soon as the server closes them (several times the cap);
* during a **slow-client storm**: ``--storm`` connections that send their request
  a byte a second (half of them the headers, half a body), reconnecting when cut off.

For each it reports the normal load's errors and latency, and how many storm
connections were opened and how many the server closed. With ``--compare`` it
runs the same against the same application under uvicorn's own HTTP protocol,
without this project's limits: the "before". The storms stop when the load is
done; every phase is bounded by ``--max-seconds``. Only loopback addresses are
ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from web_load import LoadReport, _free_port, profiles, rss_mib, wait_until_up, write_section  # noqa: E402

START = "<!-- web-storm:start -->"
END = "<!-- web-storm:end -->"


@dataclass
class StormReport:
    """What the storm's connections met."""

    kind: str
    opened: int = 0
    closed_by_server: int = 0
    refused: int = 0


class Storm(threading.Thread):
    """``count`` hostile connections on their own event loop until :attr:`stop` is set."""

    def __init__(self, kind: str, host: str, port: int, count: int) -> None:
        super().__init__(daemon=True)
        self.host, self.port, self.count = host, port, count
        self.report = StormReport(kind)
        self.stop = threading.Event()
        self.ready = threading.Event()

    def run(self) -> None:
        asyncio.run(self._storm())

    async def _storm(self) -> None:
        started = 0

        async def one(index: int) -> None:
            nonlocal started
            while not self.stop.is_set():
                try:
                    reader, writer = await asyncio.open_connection(self.host, self.port)
                except OSError:
                    self.report.refused += 1
                    await asyncio.sleep(0.1)
                    continue
                self.report.opened += 1
                started += 1
                if started >= self.count:
                    self.ready.set()
                try:
                    if await self._hold(index, reader, writer):
                        self.report.closed_by_server += 1
                except OSError:
                    self.report.closed_by_server += 1
                finally:
                    writer.close()

        await asyncio.gather(*(one(index) for index in range(self.count)))

    async def _hold(self, index: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Hold the connection as this storm does; whether the server closed it."""
        slow = self.report.kind == "slow"
        if slow:
            if index % 2:
                writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            else:
                writer.write(b"POST /api/v1/consult HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n")
        while not self.stop.is_set():
            try:
                data = await asyncio.wait_for(reader.read(65536), 1.0)
            except TimeoutError:
                if slow:
                    writer.write(b"a")
                continue
            if not data or not slow:
                return True  # the server closed it (an idle socket never gets data before that)
            # The slow client was answered (408, 503): it reads on until the close.
        return False


def _raise_open_file_limit(wanted: int) -> None:
    try:
        import resource
    except ImportError:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


def start_server(max_connections: int, files: int, stock: bool) -> tuple[subprocess.Popen[bytes], str]:
    """The server on a free loopback port, allowed ``files`` open files; the process and its base URL.

    :param stock: the same application under uvicorn's own protocol and defaults (no limits of ours).
    """
    port = _free_port()
    if stock:
        command = [sys.executable, "-m", "uvicorn", "sellerexpert.web:app_from_env", "--factory", "--port", str(port)]
        command += ["--no-access-log", "--log-level", "warning"]
    else:
        command = [sys.executable, "-m", "sellerexpert", "serve", "--port", str(port), "--no-access-log"]
        command += ["--max-connections", str(max_connections)]
    env = {k: v for k, v in os.environ.items() if k != "SELLEREXPERT_API_KEY"}

    def limit_files() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_NOFILE, (files, files))

    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        preexec_fn=limit_files if os.name == "posix" else None,  # sets a limit only: safe before exec
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_up(process, base)
    return process, base


async def _fresh_load(base: str, total: int, concurrency: int, max_seconds: float, seed: int) -> LoadReport:
    """``total`` consultations, each on a new connection (``Connection: close``), ``concurrency`` at a time."""
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    bodies = profiles(total, seed=seed)
    report = LoadReport(total=total, concurrency=concurrency)
    next_index = 0
    deadline = time.monotonic() + max_seconds

    async def one(body: bytes) -> None:
        head = (
            f"POST /api/v1/consult HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(head + body)
            answer = await reader.read()
        finally:
            writer.close()
        if not answer.startswith(b"HTTP/1.1 200 "):
            raise ConnectionError(answer[:60].decode(errors="replace") or "closed without an answer")
        report.response_bytes += len(answer)

    async def client() -> None:
        nonlocal next_index
        while next_index < total and time.monotonic() < deadline:
            body = bodies[next_index]
            next_index += 1
            started = time.perf_counter()
            try:
                await asyncio.wait_for(one(body), 10)
            except (TimeoutError, OSError, ConnectionError) as exc:
                report.errors += 1
                if len(report.error_samples) < 5:
                    report.error_samples.append(f"{type(exc).__name__}: {exc}")
            report.latencies_ms.append((time.perf_counter() - started) * 1000)
            report.completed += 1

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    report.seconds = time.perf_counter() - began
    return report


def phase(base: str, kind: str | None, args: argparse.Namespace, seed: int) -> tuple[LoadReport, StormReport | None]:
    """The normal load, alone or during a storm of ``kind``."""
    storm = None
    if kind is not None:
        parts = urlsplit(base)
        storm = Storm(kind, parts.hostname or "127.0.0.1", parts.port or 80, args.storm)
        storm.start()
        storm.ready.wait(timeout=30)  # every storm connection has been opened once
    try:
        report = asyncio.run(_fresh_load(base, args.total, args.concurrency, args.max_seconds, seed))
    finally:
        if storm is not None:
            storm.stop.set()
            storm.join(timeout=10)
    return report, storm.report if storm else None


def run_phases(base: str, process: subprocess.Popen[bytes] | None, label: str, args: argparse.Namespace) -> list[Row]:
    """The three phases against one server."""
    rows = []
    asyncio.run(_fresh_load(base, 100, args.concurrency, args.max_seconds, seed=99))  # warm-up
    kinds = (("alone", None), ("idle-socket storm", "idle"), ("slow-client storm", "slow"))
    for number, (name, kind) in enumerate(kinds):
        report, storm = phase(base, kind, args, seed=12 + number)
        rows.append(Row(f"{label}, {name}", report, storm, rss_mib(process.pid) if process else 0.0))
        if report.error_samples:
            print(f"{label}, {name}: error samples:", *report.error_samples, sep="\n  ", file=sys.stderr)
    return rows


@dataclass
class Row:
    """One phase's line in the table."""

    label: str
    report: LoadReport
    storm: StormReport | None
    rss: float


def section(args: argparse.Namespace, rows: list[Row]) -> str:
    command = "python bench/web_storm.py"
    if args.compare:
        command += " --compare"
    if (args.storm, args.total, args.max_connections, args.server_files) != (2000, 1000, 256, 512):
        command += f" --storm {args.storm} --total {args.total} --max-connections {args.max_connections}"
        command += f" --server-files {args.server_files}"
    lines = [
        START,
        "## Web server under storms (`bench/web_storm.py`)",
        "",
        f"Command: `{command}` (issue 23). `sellerexpert serve --max-connections {args.max_connections}` on 127.0.0.1, "
        "every other limit at its default",
        f"(idle 5 s, headers 10 s, body silence 10 s), allowed {args.server_files} open files. The normal load is "
        f"{args.total:,} `POST /api/v1/consult`,",
        f"each on a new connection, {args.concurrency} at a time, alone and then during each storm of "
        f"{args.storm:,} connections that reconnect",
        "as soon as they are closed (idle: they send nothing; slow: a byte a second of headers or of a body).",
        "The storm, the normal clients, the server and its two trace workers share the machine's cores, so the",
        "storm's churn shows in the latency; what the storm must not do is make a normal request fail.",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}.",
        "",
        "| server, phase | normal requests failed | p50 | p99 | max | storm connections opened | closed by the server "
        "| server RSS after |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        report, storm = row.report, row.storm
        opened = f"{storm.opened:,}" if storm else ""
        closed = f"{storm.closed_by_server:,}" if storm else ""
        worst = max(report.latencies_ms or [0.0])
        lines.append(
            f"| {row.label} | {report.errors} of {report.completed:,} | {report.p50_ms:.1f} ms | {report.p99_ms:.1f} ms | "
            f"{worst:.0f} ms | {opened} | {closed} | {row.rss:.0f} MiB |"
        )
    lines += [
        "",
        "Past the cap, a new connection pushes out the one heard from least recently, so the storm's sockets make",
        "room for each request that arrives whole. Under uvicorn's own protocol (`--compare`) the storm's sockets",
        "are kept until their client leaves, and once the open-file limit is reached new connections are not accepted.",
        "",
        END,
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--storm", type=int, default=2000, help="hostile connections in each storm (default 2,000)")
    parser.add_argument("--total", type=int, default=1000, help="normal requests in each phase (default 1,000)")
    parser.add_argument("--concurrency", type=int, default=8, help="normal clients (default 8)")
    parser.add_argument("--max-connections", type=int, default=256, help="the server's --max-connections (default 256)")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="stop a phase's load after this long (default 60)")
    parser.add_argument("--server-files", type=int, default=512, help="the server's open-file limit (default 512)")
    parser.add_argument("--compare", action="store_true", help="also run the storms against uvicorn's own protocol")
    parser.add_argument("--no-write", action="store_true", help="print the section instead of writing bench/RESULTS.md")
    args = parser.parse_args()
    if not 1 <= args.storm <= 20_000:
        parser.error("--storm must be between 1 and 20,000")
    _raise_open_file_limit(args.storm + args.concurrency + 256)
    rows: list[Row] = []
    for stock in (False, True) if args.compare else (False,):
        process, base = start_server(args.max_connections, args.server_files, stock)
        try:
            rows += run_phases(base, process, "uvicorn alone" if stock else "sellerexpert serve", args)
        finally:
            process.terminate()
            process.wait(timeout=30)
    text = section(args, rows)
    print(text)
    if not args.no_write:
        write_section(text, start=START, end=END)
        print("wrote bench/RESULTS.md", file=sys.stderr)


if __name__ == "__main__":
    main()
