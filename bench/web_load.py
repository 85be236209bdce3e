"""Load test of the JSON API on loopback: N consultations from C concurrent clients against `sellerexpert serve`.

    python bench/web_load.py                      # 2 rounds of 10,000 consultations, 32 clients, writes bench/RESULTS.md
    python bench/web_load.py --total 2000 --no-write
    python bench/web_load.py --url http://127.0.0.1:8000   # against a server you started yourself

It starts the server itself (on a free 127.0.0.1 port, ``--workers`` processes,
no access log), sends a warm-up, then measured rounds: every request is
``POST /api/v1/consult?trace=true`` (the full trace in every answer) with its
own profile from a seeded mix (a different seed per round), so two runs send
the same bodies. For each round it reports throughput, p50/p90/p99/max latency,
errors, and the server's resident memory (all its processes) at the start, at
each quarter and at the end; then the HTTP floor (``GET /healthz``) and the
in-process cost of one consultation.

The run is bounded in count and in time (``--max-seconds``) and only ever
talks to the loopback address.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.parse import urlsplit
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parents[1]
# The population lives beside this script; the web tests import this file by path, so say where.
sys.path.insert(0, str(ROOT / "bench"))
RESULTS = ROOT / "bench" / "RESULTS.md"
START = "<!-- web-load:start -->"
END = "<!-- web-load:end -->"


def profiles(count: int, seed: int = 12) -> list[bytes]:
    """``count`` JSON profile bodies of diverse sellers (bench/population.py): they differ in what the rules read."""
    from population import json_bodies

    return json_bodies(count, seed=seed)


def cache_line(args: argparse.Namespace) -> str:
    """The advice cache's hit rate in each round, the warm-up and the rounds before it filling one cache."""
    from population import hit_rates
    from sellerexpert import Advisor

    passes = [profiles(args.warmup, seed=99), *(profiles(args.total, seed=12 + n) for n in range(args.rounds))]
    found = hit_rates(Advisor(), [[json.loads(body) for body in bodies] for bodies in passes])
    rates = ", ".join(f"round {i}: {hits / max(count, 1):.1%} ({distinct:,} of {count:,} distinct to the rules)"
                      for i, (count, distinct, hits) in enumerate(found[1:], start=1))
    return (f"Advice-cache hit rate (one cache through the warm-up and the rounds; with {args.workers} workers each "
            f"has its own, so at most this): {rates}.")


@dataclass
class LoadReport:
    """What one run measured."""

    total: int
    concurrency: int
    completed: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    error_samples: list[str] = field(default_factory=list)
    response_bytes: int = 0

    @property
    def throughput(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]

    @property
    def p50_ms(self) -> float:
        return self.percentile(50)

    @property
    def p99_ms(self) -> float:
        return self.percentile(99)


class Connection:
    """One keep-alive HTTP/1.1 connection on asyncio streams.

    A load generator that shares two cores with the server must cost little per
    request: this writes a request and reads a ``Content-Length`` response with
    no more work than that (the API always sends a length; anything else is an
    error). httpx2 costs several times more CPU per request.
    """

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (
            f"{method} {path} HTTP/1.1\r\nhost: {self.host}:{self.port}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\n{self.extra}\r\n"
        )
        self.writer.write(head.encode("latin-1") + body)
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        length = None
        while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:
            raise ConnectionError("a response without Content-Length")
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass


async def _run(
    base: str,
    total: int,
    concurrency: int,
    with_trace: bool,
    max_seconds: float,
    headers: dict[str, str],
    floor: bool = False,
    seed: int = 12,
) -> LoadReport:
    parts = urlsplit(base)
    if not _is_loopback_url(base) or parts.hostname is None:
        raise SystemExit(f"{base}: this load test only talks to loopback addresses")
    # A distinct seeded profile per request (a warm-up uses another seed): the engine's reuse of advice
    # for sellers its rules cannot tell apart then helps only as much as it would with real sellers.
    bodies = [] if floor else profiles(total, seed=seed)
    report = LoadReport(total=total, concurrency=concurrency)
    path = "/healthz" if floor else "/api/v1/consult" + ("?trace=true" if with_trace else "")
    next_index = 0
    deadline = time.monotonic() + max_seconds

    async def worker() -> None:
        nonlocal next_index
        connection = Connection(parts.hostname or "127.0.0.1", parts.port or 80, headers)
        try:
            while next_index < total and time.monotonic() < deadline:
                index = next_index
                next_index += 1
                started = time.perf_counter()
                body = b""
                try:
                    if floor:
                        status, body = await asyncio.wait_for(connection.request("GET", path), 30)
                    else:
                        status, body = await asyncio.wait_for(connection.request("POST", path, bodies[index]), 30)
                    ok = status == 200 and (floor or not with_trace or b'"trace": {' in body)
                    if not ok and len(report.error_samples) < 5:
                        report.error_samples.append(f"{status}: {body[:200]!r}")
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
                    ok = False
                    if len(report.error_samples) < 5:
                        report.error_samples.append(f"{type(exc).__name__}: {exc}")
                    await connection.close()
                    connection = Connection(parts.hostname or "127.0.0.1", parts.port or 80, headers)
                report.latencies_ms.append((time.perf_counter() - started) * 1000)
                report.completed += 1
                report.response_bytes += len(body)
                if not ok:
                    report.errors += 1
        finally:
            await connection.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    report.seconds = time.perf_counter() - began
    return report


def run_load(
    base: str,
    *,
    total: int,
    concurrency: int,
    with_trace: bool = True,
    max_seconds: float = 600.0,
    api_key: str | None = None,
    floor: bool = False,
    seed: int = 12,
) -> LoadReport:
    """Send ``total`` consultations from ``concurrency`` clients to the server at ``base`` (a loopback URL).

    :param floor: send ``GET /healthz`` instead: what the HTTP layer and this client manage with no advice to give.
    """
    headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
    outcome: list[LoadReport] = []
    # A thread of its own, so that the caller may already run an event loop (a test, a notebook).
    runner = threading.Thread(
        target=lambda: outcome.append(
            asyncio.run(_run(base.rstrip("/"), total, concurrency, with_trace, max_seconds, headers, floor, seed))
        )
    )
    runner.start()
    runner.join()
    if not outcome:
        raise RuntimeError("the load run failed; see the error above")
    return outcome[0]


def _is_loopback_url(base: str) -> bool:
    from sellerexpert.web import is_loopback

    return is_loopback(urlsplit(base).hostname)


# -- the server and its memory ------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (uvicorn's worker processes)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            found = re.search(r"^PPid:\s+(\d+)", status, re.M)
            if found:
                parents[int(entry.name)] = int(found.group(1))
    family, frontier = [pid], [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        family.extend(children)
        frontier.extend(children)
    return family


def rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` and its descendants, in MiB."""
    total_kib = 0
    for member in _tree(pid):
        try:
            found = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{member}/status").read_text(), re.M)
        except OSError:
            continue
        if found:
            total_kib += int(found.group(1))
    return total_kib / 1024


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) ``pid`` and its descendants have used so far, in seconds."""
    ticks = 0
    for member in _tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime and stime, fields 14 and 15 of the line
    return ticks / os.sysconf("SC_CLK_TCK")


class Sampler(threading.Thread):
    """Samples the server's memory twice a second while the load runs."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.5):
            self.samples.append(rss_mib(self.pid))

    @property
    def peak(self) -> float:
        return max(self.samples, default=0.0)

    def quarters(self) -> list[float]:
        """The memory a quarter, half, three quarters of the way through the run, and at its end."""
        if not self.samples:
            return []
        last = len(self.samples) - 1
        return [self.samples[round(last * q / 4)] for q in (1, 2, 3, 4)]


def start_server(workers: int, engine: str = "compiled") -> tuple[subprocess.Popen[bytes], str]:
    """``sellerexpert serve`` on a free loopback port; returns the process and its base URL."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "sellerexpert",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--engine",
        engine,
        "--no-access-log",
    ]
    env = {k: v for k, v in os.environ.items() if k != "SELLEREXPERT_API_KEY"}
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    base = f"http://127.0.0.1:{port}"
    wait_until_up(process, base)
    return process, base


def wait_until_up(process: subprocess.Popen[bytes], base: str, seconds: float = 60) -> None:
    """Wait for the server at ``base`` to answer ``/healthz``; stop it and exit when it does not within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urlopen(base + "/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except (URLError, OSError):
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"the server did not start within {seconds:g} s")


# -- report ---------------------------------------------------------------------


def in_process_cost(engine: str, count: int = 1000) -> dict[str, float]:
    """Milliseconds per consultation in this process, without HTTP: the engine, and the JSON the API sends."""
    from sellerexpert import Advisor, SellerProfile

    advisor = Advisor()
    parsed = [SellerProfile.from_text(body.decode(), format="json") for body in profiles(count, seed=7)]
    advisor.consult(parsed[0], engine=engine)  # type: ignore[arg-type]
    began = time.perf_counter()
    results = [advisor.consult(profile, engine=engine) for profile in parsed]  # type: ignore[arg-type]
    consult = (time.perf_counter() - began) / count * 1000
    began = time.perf_counter()
    for result in results:
        result.to_json(indent=None)[:-1] + ', "trace": ' + result.trace.to_json(indent=None) + "}"
    encode = (time.perf_counter() - began) / count * 1000
    return {"engine": consult, "encode": encode}


@dataclass
class Round:
    """One measured run and the server's memory during it."""

    report: LoadReport
    rss_before: float
    rss_quarters: list[float]
    rss_after: float
    load: tuple[float, float]
    cpu_ms: float = 0.0
    """The server's CPU time per consultation (all its processes): what the two cores' sharing does not change."""


def _section(args: argparse.Namespace, rounds: list[Round], cost: dict[str, float], floor: LoadReport | None) -> str:
    command = "python bench/web_load.py"
    command += f" --workers {args.workers}" if args.workers != 2 else ""
    command += f" --total {args.total}" if args.total != 10_000 else ""
    command += f" --engine {args.engine}" if args.engine != "compiled" else ""
    first = rounds[0].report
    kib = first.response_bytes // max(first.completed, 1) // 1024

    def row(label: str, values: list[str], target: str = "") -> str:
        return f"| {label} | " + " | ".join(values) + f" | {target} |"

    def each(fmt: Any) -> list[str]:
        return [fmt(r) for r in rounds]

    lines = [
        START,
        "## Web API under load (`bench/web_load.py`)",
        "",
        f"Command: `{command}` (issue 12). `sellerexpert serve --workers {args.workers} --engine {args.engine}` "
        "on 127.0.0.1; "
        f"{args.warmup} warm-up requests, then {len(rounds)} rounds of {args.total:,} "
        "`POST /api/v1/consult?trace=true`, each request with",
        f"its own seeded profile (a different seed per round), every answer carrying the full trace (about {kib} KiB), from",
        f"{args.concurrency} concurrent keep-alive clients "
        "(plain asyncio HTTP/1.1 connections in one process on the same two cores).",
        "The first round starts with the engine's advice cache nearly empty (the advisor reuses the advice of sellers its",
        "rules cannot tell apart, up to 4,096 per process); "
        "the second starts with it as the first left it: a server that has run a while.",
        cache_line(args),
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}.",
        "",
        "| measure | " + " | ".join(f"round {i + 1}" for i in range(len(rounds))) + " | target |",
        "|---|" + "---|" * len(rounds) + "---|",
        row("consultations", each(lambda r: f"{r.report.completed:,}"), f"{args.total:,}"),
        row("errors", each(lambda r: str(r.report.errors)), "0"),
        row("wall time", each(lambda r: f"{r.report.seconds:.1f} s")),
        row("throughput", each(lambda r: f"{r.report.throughput:,.0f} /s"), ">= 500 /s"),
        row("latency p50", each(lambda r: f"{r.report.percentile(50):.1f} ms")),
        row("latency p90", each(lambda r: f"{r.report.percentile(90):.1f} ms")),
        row("latency p99", each(lambda r: f"{r.report.percentile(99):.1f} ms"), "<= 100 ms"),
        row("latency max", each(lambda r: f"{max(r.report.latencies_ms or [0]):.1f} ms")),
        row("server CPU per consultation", each(lambda r: f"{r.cpu_ms:.2f} ms" if r.cpu_ms else "not measured")),
        row("server RSS at the start", each(lambda r: f"{r.rss_before:.1f} MiB")),
        row("server RSS at 1/4, 1/2, 3/4", each(lambda r: " / ".join(f"{m:.0f}" for m in r.rss_quarters[:3]) + " MiB")),
        row("server RSS at the end", each(lambda r: f"{r.rss_after:.1f} MiB"), "flat"),
        row("load average before / after", each(lambda r: f"{r.load[0]:.1f} / {r.load[1]:.1f}")),
        "",
        "The load average counts the other work that shared these two cores during the run.",
    ]
    if floor is not None:
        lines += [
            f"The HTTP floor, `GET /healthz` from the same client ({floor.completed:,} requests): "
            f"{floor.throughput:,.0f} requests/s,",
            f"p50 {floor.p50_ms:.1f} ms, p99 {floor.p99_ms:.1f} ms: "
            "what the server and this client manage with no advice to give.",
        ]
    lines += [
        f"In one process without HTTP, a consultation took {cost['engine']:.2f} ms in the {args.engine} engine "
        f"and {cost['encode']:.2f} ms",
        "to become the JSON the API sends (result and trace): "
        f"at most {1000 / (cost['engine'] + cost['encode']):,.0f} consultations/s per core before HTTP.",
        "",
    ]
    if args.note:
        lines += [args.note, ""]
    lines.append(END)
    return "\n".join(lines) + "\n"


def write_section(text: str, path: Path = RESULTS, *, start: str = START, end: str = END) -> None:
    """Replace a benchmark's section of RESULTS.md (between its markers, this one's by default), leaving others alone."""
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    if start in current and end in current:
        head, rest = current.split(start, 1)
        _, tail = rest.split(end, 1)
        updated = head + text.rstrip("\n") + tail
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    path.write_text(updated, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--total", type=int, default=10_000, help="consultations per round (default 10,000)")
    parser.add_argument("--rounds", type=int, default=2, help="measured rounds, each with its own profiles (default 2)")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--workers", type=int, default=2, help="server processes (default 2, one per core here)")
    parser.add_argument("--warmup", type=int, default=300, help="requests before measuring (default 300)")
    parser.add_argument(
        "--engine", choices=["compiled", "experta"], default="compiled", help="the server's --engine (default compiled)"
    )
    parser.add_argument("--max-seconds", type=float, default=600.0, help="stop a round after this long (default 600)")
    parser.add_argument("--url", help="an already running server (loopback only); its memory is not measured")
    parser.add_argument("--no-trace", action="store_true", help="ask for the result only, without the trace")
    parser.add_argument("--no-write", action="store_true", help="print the section instead of writing bench/RESULTS.md")
    parser.add_argument("--note", default="", help="a sentence to add under the table")
    args = parser.parse_args()
    process = None
    if args.url:
        base = args.url
    else:
        process, base = start_server(args.workers, args.engine)
    rounds: list[Round] = []
    try:
        run_load(base, total=args.warmup, concurrency=args.concurrency, with_trace=not args.no_trace, seed=99)
        for number in range(args.rounds):
            load_before = os.getloadavg()[0]
            rss_before = rss_mib(process.pid) if process else 0.0
            cpu_before = cpu_seconds(process.pid) if process else 0.0
            sampler = Sampler(process.pid) if process else None
            if sampler:
                sampler.start()
            report = run_load(
                base,
                total=args.total,
                concurrency=args.concurrency,
                with_trace=not args.no_trace,
                max_seconds=args.max_seconds,
                seed=12 + number,
            )
            if sampler:
                sampler.stop.set()
                sampler.join()
            rss_after = rss_mib(process.pid) if process else 0.0
            cpu_ms = (cpu_seconds(process.pid) - cpu_before) * 1000 / max(report.completed, 1) if process else 0.0
            quarters = sampler.quarters() if sampler else []
            rounds.append(Round(report, rss_before, quarters, rss_after, (load_before, os.getloadavg()[0]), cpu_ms))
            if report.error_samples:
                print(f"round {number + 1} error samples:", *report.error_samples, sep="\n  ", file=sys.stderr)
        floor = run_load(base, total=3000, concurrency=args.concurrency, floor=True)
    finally:
        if process:
            process.terminate()
            process.wait(timeout=30)
    section = _section(args, rounds, in_process_cost(args.engine), floor)
    print(section)
    if not args.no_write:
        write_section(section)
        print(f"wrote {RESULTS.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
