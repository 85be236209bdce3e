"""`sellerexpert serve`: its options reach the server, unsafe binds are refused, and the extra stays optional."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

pytest.importorskip("starlette", reason="the web extra is not installed")

import sellerexpert.web  # noqa: E402
from sellerexpert import cli  # noqa: E402
from sellerexpert.web import WebSettings, is_loopback, limits_from_env, settings_from_env  # noqa: E402


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Replaces uvicorn.run: records what the server would have been started with.

    serve() hands its settings to the workers through os.environ; the environment is restored afterwards.
    """
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append({"app": app, **options}))
    saved = dict(os.environ)
    for name in (
        "SELLEREXPERT_API_KEY",
        "SELLEREXPERT_WEB_RULES",
        "SELLEREXPERT_WEB_SECRET",
        "SELLEREXPERT_WEB_CORS",
        "SELLEREXPERT_WEB_ENGINE",
        "SELLEREXPERT_WEB_HOSTS",
        "SELLEREXPERT_WEB_TIME_LIMIT",
        "SELLEREXPERT_WEB_LIMITS",
    ):
        os.environ.pop(name, None)
    try:
        yield calls
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_serve_defaults_to_loopback_port_8000(runner: CliRunner, started: list[dict[str, Any]]) -> None:
    result = runner.invoke(cli, ["serve"], catch_exceptions=False)
    assert result.exit_code == 0
    assert started == [
        {
            "app": "sellerexpert.web:app_from_env",
            "host": "127.0.0.1",
            "port": 8000,
            "workers": 1,
            "factory": True,
            "access_log": True,
            "server_header": False,
            "proxy_headers": False,
            "log_level": "info",
            "http": "sellerexpert.web._protocol:BoundedProtocol",
            "ws": "none",
            "timeout_keep_alive": 5.0,
        }
    ]


def test_options_reach_every_worker_through_the_environment(
    runner: CliRunner, started: list[dict[str, Any]], rules_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = runner.invoke(
        cli,
        [
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            "9000",
            "--workers",
            "3",
            "--api-key",
            "k",
            "--cors-origin",
            "https://a.example",
            "--no-access-log",
            "--rules",
            str(rules_dir),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert (started[0]["host"], started[0]["port"], started[0]["workers"], started[0]["access_log"]) == (
        "0.0.0.0",
        9000,
        3,
        False,
    )
    settings = settings_from_env()
    assert settings.api_key == "k"
    assert settings.rules_dir == rules_dir
    assert settings.cors_origins == ("https://a.example",)
    assert settings.engine == "compiled"
    assert len(settings.secret) == 32


def test_the_limits_reach_every_worker_through_the_environment(runner: CliRunner, started: list[dict[str, Any]]) -> None:
    result = runner.invoke(
        cli,
        ["serve", "--allowed-host", "Shop.Example", "--allowed-host", "tools.example:8000", "--time-limit", "2.5",
         "--max-connections", "50"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    settings = settings_from_env()
    assert settings.allowed_hosts == ("shop.example", "tools.example")
    assert settings.time_limit == 2.5
    assert limits_from_env().max_connections == 50
    assert started[0]["timeout_keep_alive"] == limits_from_env().idle_timeout


def test_without_allowed_hosts_the_default_applies(runner: CliRunner, started: list[dict[str, Any]]) -> None:
    assert runner.invoke(cli, ["serve"], catch_exceptions=False).exit_code == 0
    assert settings_from_env().allowed_hosts is None
    assert settings_from_env().time_limit == 10.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--time-limit", "0"], "Invalid value for '--time-limit': 0.0 is not in the range 0<x<=3600."),
        (["--max-connections", "0"], "Invalid value for '--max-connections': 0 is not in the range 1<=x<=100000."),
    ],
    ids=["no-time", "no-connections"],
)
def test_limits_out_of_range_are_refused(runner: CliRunner, started: list[dict[str, Any]], args: list[str], message: str) -> None:
    result = runner.invoke(cli, ["serve", *args])
    assert result.exit_code == 2
    assert started == []
    assert result.stderr.strip().splitlines()[-1] == f"Error: {message}"


def test_the_engine_of_record_on_request(runner: CliRunner, started: list[dict[str, Any]]) -> None:
    assert runner.invoke(cli, ["serve", "--engine", "experta"], catch_exceptions=False).exit_code == 0
    assert settings_from_env().engine == "experta"


def test_the_key_may_come_from_the_environment(
    runner: CliRunner, started: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SELLEREXPERT_API_KEY", "from-env")
    result = runner.invoke(cli, ["serve", "--host", "192.0.2.1"], catch_exceptions=False)
    assert result.exit_code == 0
    assert settings_from_env().api_key == "from-env"


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1", "example.com"])
def test_binding_beyond_loopback_without_a_key_is_refused(runner: CliRunner, started: list[dict[str, Any]], host: str) -> None:
    result = runner.invoke(cli, ["serve", "--host", host])
    assert result.exit_code == 2
    assert started == []
    assert result.stderr.strip().splitlines()[-1] == (
        f"Error: Invalid value for '--host': {host} is not a loopback address, so the API needs a key: "
        "set --api-key or SELLEREXPERT_API_KEY"
    )


def test_a_broken_rule_pack_is_refused_before_the_port_is_bound(
    runner: CliRunner, started: list[dict[str, Any]], rules_dir: Path
) -> None:
    (rules_dir / "broken.toml").write_text("[[rule]]\nid = 'x'\n", encoding="utf-8")
    result = runner.invoke(cli, ["serve", "--rules", str(rules_dir)])
    assert result.exit_code == 2
    assert started == []
    assert "broken.toml" in result.stderr


def test_without_the_web_extra_serve_says_what_to_install(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sellerexpert.web", None)  # as if starlette were not installed
    result = runner.invoke(cli, ["serve"])
    assert result.exit_code == 2
    assert "pip install 'sellerexpert[web]'" in result.stderr


def test_the_cli_and_the_package_do_not_import_the_web_stack() -> None:
    code = (
        "import sys, sellerexpert, sellerexpert._cli.cli; "
        "print(sorted(m for m in ('starlette', 'uvicorn', 'jinja2') if m in sys.modules))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        (None, True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.0.0.1", False),
        ("example.com", False),
    ],
    ids=str,
)
def test_is_loopback(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_settings_round_trip_through_the_environment() -> None:
    settings = WebSettings(rules_dir=Path("/r"), api_key="k", cors_origins=("https://a", "https://b"), engine="experta")
    again = settings_from_env(settings.to_env())
    assert (again.rules_dir, again.api_key, again.secret, again.cors_origins, again.engine) == (
        Path("/r"),
        "k",
        settings.secret,
        ("https://a", "https://b"),
        "experta",
    )
    assert settings_from_env({}).api_key is None
    assert WebSettings(api_key="  ").api_key is None
    assert "secret" not in repr(settings)


def test_the_web_module_is_importable_as_documented() -> None:
    assert callable(sellerexpert.web.create_app)
    assert set(sellerexpert.web.__all__) <= set(dir(sellerexpert.web))


def test_a_port_already_in_use_is_one_line_and_exit_1(runner: CliRunner) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = runner.invoke(cli, ["serve", "--port", str(port), "--no-access-log"])
    assert result.exit_code == 1, result.output
    assert f"could not start on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.output


def test_serve_lang_sets_the_pages_default_language(runner: CliRunner, started: list[dict[str, Any]]) -> None:
    from sellerexpert.web import settings_from_env

    assert runner.invoke(cli, ["serve", "--lang", "zh"], catch_exceptions=False).exit_code == 0
    assert os.environ["SELLEREXPERT_WEB_LANG"] == "zh"
    assert settings_from_env().lang == "zh"


def test_the_servers_application_freezes_what_survives_a_full_collection() -> None:
    """``app_from_env`` (each server process's application) moves what outlives a full collection out of the
    collector's sight, so later full collections do not walk the advisor's stores again (the API's p99)."""
    code = (
        "import gc\n"
        "from sellerexpert.web import app_from_env\n"
        "app_from_env()\n"
        "app_from_env()\n"
        "frozen = gc.get_freeze_count()\n"
        "kept = [[index] for index in range(1000)]\n"
        "gc.collect()\n"
        "print(gc.get_freeze_count() - frozen >= 1000)\n"
        "print(sum(getattr(callback, '__name__', '') == '_freeze_survivors' for callback in gc.callbacks))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    # Built twice in one process (as tests and embedding apps do), the application freezes survivors once per collection.
    assert done.stdout.split() == ["True", "1"]
