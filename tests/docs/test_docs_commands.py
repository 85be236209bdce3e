"""Every shell command in the README and docs/*.md runs, as printed, and does what the page says.

The commands are read from the pages' ``sh`` code blocks. Each page runs in order in a temporary folder
that holds what a clone holds for them (``examples/`` and a copy of ``rules/``), so a command that needs a
file uses the one an earlier command on the page made. :data:`EXPECTED` gives each command's exit code and a
piece of its output; a command added to a page and not listed there fails
:func:`test_every_command_in_the_pages_is_listed`, and a listed one no page shows any more fails too.

``sellerexpert`` commands (with ``VAR=value`` before them or ``> FILE`` after) run in-process through
CliRunner, which keeps the default run to seconds; anything else (pipes, ``cp``, ``printf``, ``curl``)
runs in bash with the installed entry point first on ``PATH``. The default run runs the pages in :data:`SAMPLE`;
the slow set runs every page, with the commands that install packages or start a server; two are never run,
each for the reason given beside it.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES, REPO
from sellerexpert import cli, shipped_rules_dir

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Expect:
    """What a command does: its exit code, and text its output (stdout, or the file it writes to) holds.

    :ivar codes: the exit codes it may end with (two only where the answer depends on today's date).
    :ivar out: text its output holds.
    :ivar err: text its stderr holds (the interview's questions, for one).
    :ivar stdin: what is typed at its prompts.
    :ivar slow: run only in the slow set (installs packages, starts a server).
    :ivar skip: why it is never run here.
    """

    codes: tuple[int, ...] = (0,)
    out: str = ""
    err: str = ""
    stdin: str | None = None
    slow: bool = False
    skip: str | None = None


LIN = "Advice for Lin's phone accessories"
BENCH = "a benchmark: minutes of CPU on a shared machine, and it rewrites bench/RESULTS.md; its figures are its test"
EXPECTED: dict[str, Expect] = {
    # README.md: the two commands
    "python3 -m venv .venv && .venv/bin/pip install -q . && .venv/bin/sellerexpert consult --profile "
    "examples/one-person-shop.yaml": Expect(out=LIN, slow=True),
    "python3 -m venv .venv && .venv/bin/pip install -q '.[test]' && .venv/bin/python -m pytest -q -n auto": Expect(
        skip="it is this test run: .ci/run runs it word for word (tests/docs/test_readme.py checks that)"
    ),
    # README.md: common tasks, margin
    "sellerexpert consult --profile examples/one-person-shop.yaml": Expect(out=LIN),
    "sellerexpert consult --operational-capacity low --platform temu --no-local-warehouse -f json": Expect(
        out='"model": "fully-managed"'
    ),
    "sellerexpert consult -p examples/one-person-shop.yaml --trace shop.json": Expect(out=LIN),
    "sellerexpert explain shop.json": Expect(out="Temu: fully-managed"),
    "sellerexpert audit shop.json": Expect(out="OK   shop.json: reproduces"),
    "sellerexpert batch examples/sellers.csv -o advice.jsonl": Expect(),
    "sellerexpert rules list": Expect(out="low_capacity_favours_full"),
    "sellerexpert examples": Expect(out="sellers.csv"),
    "sellerexpert margin --profile examples/margin-starter.toml": Expect(out="(USD) at 300 units a month"),
    "sellerexpert margin -p examples/margin-starter.toml -f json": Expect(out='"break_evens"'),
    "sellerexpert margin -p examples/margin-home-goods.toml --chart margin.svg": Expect(
        out="(USD) at 600 units a month", slow=True
    ),
    "sellerexpert margin -p examples/margin-home-goods.toml --lang zh": Expect(out="到岸成本"),
    # README.md and docs/catalogue.md: per-product advice
    "sellerexpert catalogue examples/catalogue-ningbo-home.csv -p examples/catalogue-ningbo-home.yaml": Expect(
        out="30 products advised", err="columns set aside"
    ),
    "sellerexpert catalogue examples/catalogue-ningbo-home.csv -p examples/catalogue-ningbo-home.yaml -f json "
    "--trace traces/": Expect(out='"split"'),
    "sellerexpert catalogue examples/catalogue-ningbo-home.csv -p examples/catalogue-ningbo-home.yaml -f json": Expect(
        out='"close_call"'
    ),
    "sellerexpert catalogue examples/catalogue-ningbo-home.csv -p examples/catalogue-ningbo-home.yaml -f csv "
    "-o advice.csv": Expect(),
    "sellerexpert catalogue examples/catalogue-ningbo-home.csv -p examples/catalogue-ningbo-home.yaml -f xlsx "
    "-o advice.xlsx": Expect(),
    "sellerexpert catalogue examples/catalogue-ningbo-home.csv -p examples/catalogue-ningbo-home.yaml --chart split.svg": Expect(
        out="Temu: run both stores"
    ),
    "sellerexpert catalogue examples/catalogue-ningbo-home.csv -p examples/catalogue-ningbo-home.yaml --trace traces/": Expect(
        out="Per product"
    ),
    "sellerexpert audit traces/": Expect(out="30 traces: 30 reproduce, 0 failed"),
    "sellerexpert catalogue examples/catalogue-ningbo-home.csv -p examples/catalogue-ningbo-home.yaml -f csv --jobs 2": Expect(
        out="sku,name,platform,market,route,model,contribution_per_unit"
    ),
    # docs/audit.md
    "sellerexpert batch examples/sellers.csv -o advice.jsonl --trace traces/": Expect(),
    "sellerexpert audit traces/ --format json": Expect(out='"ok": true'),
    "SELLEREXPERT_TRACE_KEY=s3cret sellerexpert consult -p examples/one-person-shop.yaml --trace signed.json": Expect(out=LIN),
    "SELLEREXPERT_TRACE_KEY=s3cret sellerexpert audit signed.json": Expect(out="signature valid"),
    "sellerexpert audit signed.json --no-verify": Expect(out="OK   signed.json: reproduces"),
    "cp -r rules old-rules": Expect(),
    "sellerexpert audit traces/ --rules-then old-rules/": Expect(out="5 traces: 5 reproduce, 0 failed"),
    # docs/batch.md
    "sellerexpert batch examples/sellers.csv --output advice.jsonl --jobs 2": Expect(),
    "sellerexpert batch examples/sellers.csv -f csv > advice.csv": Expect(out="5,ok,Harbour Toys,"),
    "sellerexpert batch examples/sellers.csv -o advice.jsonl --resume": Expect(),
    "printf '%s\\n' '{\"operational_capacity\": \"low\"}' '{\"operational_capacity\": \"high\", \"platforms\": [\"temu\"]}' "
    "> sellers.jsonl": Expect(),
    "sellerexpert batch sellers.jsonl -f csv": Expect(out="2,ok,,temu,"),
    # docs/benchmarks.md
    "python bench/run.py --quick": Expect(skip=BENCH),
    "python bench/batch.py --quick": Expect(skip=BENCH),
    "python bench/audit.py --quick": Expect(skip=BENCH),
    "python bench/dask.py --quick": Expect(skip=BENCH),
    "python bench/web_load.py --no-write": Expect(skip=BENCH),
    "python bench/web_storm.py --compare": Expect(skip=BENCH),
    # docs/commands.md
    "sellerexpert consult -p examples/one-person-shop.yaml --explain | head -1": Expect(out=LIN + "\n"),
    "sellerexpert consult --operational-capacity low --platform temu --platform tiktok_shop --no-local-warehouse -f json": Expect(
        out='"platform": "tiktok_shop"'
    ),
    "sellerexpert consult -p examples/one-person-shop.yaml --explain --trace shop.json": Expect(out="How:"),
    "sellerexpert consult -p examples/one-person-shop.yaml --details": Expect(out="low_capacity_favours_full"),
    "sellerexpert consult --target-market DE --company-base CN --vat-market none --platform tiktok_shop": Expect(
        out="TikTok Shop"
    ),
    "sellerexpert consult -p examples/one-person-shop.yaml --lang zh": Expect(out="全托管"),
    "sellerexpert consult --interactive --save answers.yaml": Expect(
        out="Temu, the US", err="Question 1:", stdin="temu\nUS\nquit\n"
    ),
    "sellerexpert consult --profile answers.yaml --interactive": Expect(out="Temu, the US", stdin="quit\n"),
    "sellerexpert explain shop.json --dot shop.dot": Expect(),
    "sellerexpert explain shop.json --lang zh": Expect(out="全托管"),
    "sellerexpert schema trace > trace-1.json": Expect(out='"$schema"'),
    "sellerexpert examples copy my-examples": Expect(out="my-examples/one-person-shop.yaml"),
    # docs/design.md: the confidence the page works out by hand
    "sellerexpert consult --platform temu --no-local-warehouse --sea-freight": Expect(out="40% (low)"),
    "sellerexpert consult --platform temu --target-market BR --no-local-warehouse --sea-freight": Expect(out="35% (low)"),
    # docs/rules.md
    "sellerexpert rules show semi_out_of_reach": Expect(out="semi_out_of_reach"),
    "sellerexpert rules show decide": Expect(out="decide"),
    # Exit 1 once a shipped platform fact is past its review date (then its only findings are stale facts).
    "sellerexpert rules lint": Expect(codes=(0, 1)),
    "sellerexpert rules review --within 180": Expect(),
    "sellerexpert rules coverage": Expect(out="Profile space: "),
    "cp -r rules my-rules": Expect(),
    "sellerexpert rules lint --rules my-rules/": Expect(codes=(0, 1)),
    "sellerexpert consult --rules my-rules/ -p examples/one-person-shop.yaml": Expect(out=LIN),
    # docs/web.md: each server runs on a free port in place of 8000 until the page is done
    "sellerexpert serve": Expect(slow=True),
    "curl -s localhost:8000/api/v1/consult -H 'content-type: application/json' -d '{\"operational_capacity\": \"low\"}'": Expect(
        out='"recommendations"', slow=True
    ),
    "SELLEREXPERT_API_KEY=s3cret sellerexpert serve --host 0.0.0.0 --workers 2": Expect(slow=True),
    "curl -s localhost:8000/api/v1/rules -H 'authorization: Bearer s3cret'": Expect(out='"low_capacity_favours_full"', slow=True),
}


def commands(page: Path) -> list[str]:
    """The shell commands of a page's ``sh`` blocks, in order, each without its trailing comment."""
    found = []
    for block in re.findall(r"^```(?:sh|bash|shell)\n(.*?)^```", page.read_text(encoding="utf-8"), flags=re.S | re.M):
        for line in block.splitlines():
            command = _without_comment(line)
            if command:
                found.append(command)
    return found


def _without_comment(line: str) -> str:
    """The line up to a ``#`` that starts a shell comment (outside quotes, after a space)."""
    quote: str | None = None
    for index, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].strip()
    return line.strip()


def _page_id(page: Path) -> str:
    return page.relative_to(REPO).as_posix()


def test_every_command_in_the_pages_is_listed() -> None:
    shown = {command: _page_id(page) for page in PAGES for command in commands(page)}
    unlisted = [f"{where}: {command}" for command, where in shown.items() if command not in EXPECTED]
    assert not unlisted, "commands with no expected outcome in EXPECTED:\n" + "\n".join(unlisted)
    assert not set(EXPECTED) - set(shown), f"listed but on no page: {sorted(set(EXPECTED) - set(shown))}"


class _Page:
    """Runs one page's commands in order in a folder, and stops the servers it started."""

    def __init__(self, folder: Path, runner: CliRunner, *, slow: bool) -> None:
        self.folder = folder
        self.runner = runner
        self.slow = slow
        self.servers: list[subprocess.Popen[bytes]] = []
        self.port: int | None = None

    def run(self, command: str) -> None:
        expect = EXPECTED[command]
        if expect.skip or (expect.slow and not self.slow):
            return
        if command.startswith("python3 -m venv"):
            self._install_and_run(command, expect)
            return
        words = shlex.split(command)
        env = {}
        while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
            name, _, value = words.pop(0).partition("=")
            env[name] = value
        if words[:2] == ["sellerexpert", "serve"]:
            self._serve(command)
            return
        plain = words[0] == "sellerexpert" and not set(words) & {"|", "&&", ";", "<"}
        if plain and (">" not in words or words.index(">") == len(words) - 2):
            target = words[-1] if ">" in words else None
            args = words[1 : words.index(">")] if target else words[1:]
            result = self.runner.invoke(cli, args, env=env or None, input=expect.stdin)
            output, error = result.stdout, result.stderr
            if target is not None:
                (self.folder / target).write_text(output, encoding="utf-8")
            code = result.exit_code
        else:
            if self.port is not None:
                command = command.replace("localhost:8000", f"localhost:{self.port}")
            done = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=self.folder, capture_output=True, text=True,
                                  input=expect.stdin, env=self._environment(), timeout=120, check=False)
            output, error, code = done.stdout, done.stderr, done.returncode
            if command.endswith("| head -1"):
                # The pipeline's code is sellerexpert's (pipefail): 141 when it wrote after head had gone (the
                # closed pipe, said quietly), 0 when the pipe's buffer took everything first; never a message.
                assert code in (0, 141) and error == "", f"{command}: exit {code}, stderr {error!r}"
                code = 0
        assert code in expect.codes, f"{command}: exit {code}\n{output}\n{error}"
        assert "Traceback" not in output + error, f"{command}:\n{error}"
        assert expect.out in output, f"{command}: no {expect.out!r} in\n{output[:2000]}"
        assert expect.err in error, f"{command}: no {expect.err!r} in its stderr\n{error[:2000]}"

    def _environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("SELLEREXPERT_TRACE_KEY", "SELLEREXPERT_API_KEY", "NO_COLOR")}
        return {**env, "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}", "SELLEREXPERT_LANG": "en"}

    def _serve(self, command: str) -> None:
        self.stop()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        log = self.folder / f"server-{len(self.servers)}.log"
        with log.open("wb") as sink:
            server = subprocess.Popen(["bash", "-c", f"{command} --port {self.port}"], cwd=self.folder, env=self._environment(),
                                      stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
        self.servers.append(server)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert server.poll() is None, f"{command}: the server ended ({server.returncode}):\n{log.read_text()}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as answer:
                    assert answer.status == 200
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"{command}: /healthz did not answer within 60 s")

    def _install_and_run(self, command: str, expect: Expect) -> None:
        # A fresh copy of the working tree, as a clone has it (not this checkout's .venv or caches).
        source = self.folder / "sellerexpert"
        ignore = shutil.ignore_patterns(".git", ".venv", ".ci-venv", "__pycache__", "*.egg-info", ".pytest_cache", ".mypy_cache",
                                        ".hypothesis", "build", "dist")
        shutil.copytree(REPO, source, ignore=ignore)
        env = {k: v for k, v in self._environment().items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != str(BIN))
        done = subprocess.run(["bash", "-c", command], cwd=source, capture_output=True, text=True, env=env, timeout=900,
                              check=False)
        assert done.returncode in expect.codes, f"{command}: exit {done.returncode}\n{done.stderr[-3000:]}"
        assert expect.out in done.stdout

    def stop(self) -> None:
        for server in self.servers:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait(timeout=20)
        self.servers.clear()


@contextmanager
def _page_folder(tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch, *, slow: bool) -> Iterator[_Page]:
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    shutil.copytree(shipped_rules_dir(), tmp_path / "rules")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SELLEREXPERT_LANG", "en")
    page = _Page(tmp_path, runner, slow=slow)
    try:
        yield page
    finally:
        page.stop()


def _has(page: Path, *, slow: bool) -> bool:
    return any(not EXPECTED[c].skip and EXPECTED[c].slow == slow for c in commands(page) if c in EXPECTED)


SAMPLE = {REPO / "README.md", REPO / "docs" / "audit.md"}
"""The pages whose commands the default run runs: the README shows a command of each kind (the others' in-process
commands run in a second or two each, so they wait for the slow set, which runs every page)."""


@pytest.mark.parametrize("page", [p for p in PAGES if p in SAMPLE and _has(p, slow=False)], ids=_page_id)
def test_the_commands_of_a_page_run_in_order(
    page: Path, tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _page_folder(tmp_path, runner, monkeypatch, slow=False) as run:
        for command in commands(page):
            run.run(command)


@pytest.mark.slow
@pytest.mark.parametrize(
    "page", [p for p in PAGES if _has(p, slow=True) or (p not in SAMPLE and _has(p, slow=False))], ids=_page_id
)
def test_every_command_of_a_page_runs_in_order_installs_and_servers_too(
    page: Path, tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _page_folder(tmp_path, runner, monkeypatch, slow=True) as run:
        for command in commands(page):
            run.run(command)
