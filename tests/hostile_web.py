"""Hostile inputs for the web tests: a costly trace, and a server started with small limits on a free loopback port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sellerexpert import Advisor

PROFILE = {"operational_capacity": "low", "platforms": ["temu", "aliexpress", "tiktok_shop"], "target_markets": ["US"]}


def costly_trace(advisor: Advisor, firings: int) -> bytes:
    """A schema-valid trace of ``firings`` firings (a real trace's, repeated): work that grows with ``firings``.

    The audit and the explanation are linear in a trace's size: 2,800 firings (about 2 MB, the audit
    endpoint's most) take about a fifth of a second.
    """
    data: dict[str, Any] = advisor.consult(PROFILE).trace.to_dict()
    real = data["firings"]
    data["firings"] = [dict(real[i % len(real)], seq=i + 1) for i in range(firings)]
    return json.dumps(data).encode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


_SERVE = """
import json, sys
from sellerexpert.web import ServerLimits, WebSettings, serve
settings, limits = json.loads(sys.argv[2]), json.loads(sys.argv[3])
serve(WebSettings(**settings), port=int(sys.argv[1]), access_log=False, limits=ServerLimits(**limits))
"""


@contextmanager
def running_server(
    settings: dict[str, Any], limits: dict[str, Any], log: Path, *, open_files: int | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``sellerexpert.web.serve`` in its own process on 127.0.0.1 with these settings and limits: (base URL, process).

    Its log goes to the file ``log`` (a pipe that nobody reads would fill and stop the server).

    :param open_files: the server's open-file limit (``ulimit -n``), when it is to be smaller than this process's.
    """
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SELLEREXPERT_")}

    def limit_files() -> None:
        import resource

        if open_files is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-c", _SERVE, str(port), json.dumps(settings), json.dumps(limits)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
            preexec_fn=limit_files if open_files is not None else None,  # sets a limit only: safe before exec
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise AssertionError(f"the server exited: {log.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("the server did not answer /healthz within 30 s")
            time.sleep(0.1)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def resident_kib(pid: int) -> int:
    """A process's resident memory in KiB (Linux)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for process {pid}")
