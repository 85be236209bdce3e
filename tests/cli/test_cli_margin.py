"""sellerexpert margin: formats, the chart, its own options, and bad input (exit 2, one line naming the field)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sellerexpert import Advisor, SellerProfile, cli, write_chart
from sellerexpert import render_margins as render

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "margin-home-goods.toml"


def test_json_is_the_api_comparison(runner: CliRunner, advisor: Advisor) -> None:
    expected = advisor.compare_margins(SellerProfile.from_file(EXAMPLE))
    result = runner.invoke(cli, ["margin", "-p", str(EXAMPLE), "-f", "json"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout == expected.to_json() + "\n"
    data = json.loads(result.stdout)
    assert [p["platform_name"] for p in data["platforms"]] == ["Temu", "AliExpress", "TikTok Shop"]
    assert data["platforms"][0]["leader"] == expected.platforms[0].leader


def test_text_shows_each_line_with_its_formula_and_the_json_numbers(runner: CliRunner) -> None:
    text = runner.invoke(cli, ["margin", "-p", str(EXAMPLE)], catch_exceptions=False).stdout
    data = json.loads(runner.invoke(cli, ["margin", "-p", str(EXAMPLE), "-f", "json"]).stdout)
    temu = data["platforms"][0]
    assert f"Temu in the US: {temu['leader']} leaves USD {temu['gap_per_month']:,.2f} more a month" in text
    unsold = {m: {line["key"]: line for line in temu["models"][m]["per_unit"]}["unsold_stock"] for m in temu["models"]}
    row = next(line for line in text.splitlines() if line.strip().startswith("Unsold stock written off"))
    assert f"{unsold['fully-managed']['value']:.2f}" in row and f"{unsold['semi-managed']['value']:.2f}" in row
    assert row.endswith(unsold["semi-managed"]["formula"])
    for item in data["platforms"]:
        if item["break_even_units"] is not None:
            assert f"Break-even: {item['break_even_units']:,.2f} units a month" in text
    # Every line a person reads carries where it comes from: a table estimate names its source and date.
    assert "Estimates (from the dated tables" in text and "as of 2026-02-24" in text
    assert "counted as 0" not in text


def test_markdown_is_a_table_per_platform(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["margin", "-p", str(EXAMPLE), "--format", "markdown"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout.count("| Line | fully-managed | semi-managed | Formula |") == 3
    assert "| Contribution per month |" in result.stdout


def test_monthly_units_option_moves_the_volume(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["margin", "-p", str(EXAMPLE), "--monthly-units", "1000", "-f", "json"], catch_exceptions=False)
    data = json.loads(result.stdout)
    assert data["monthly_units"] == 1000
    for item in data["platforms"]:
        for model in item["models"].values():
            per_unit = next(line["value"] for line in model["per_unit"] if line["key"] == "contribution_per_unit")
            month = {line["key"]: line["value"] for line in model["per_month"]}
            expected = per_unit * 1000 + month["fixed_costs"] + month["deposit_cost"]
            assert month["contribution_per_month"] == pytest.approx(expected, abs=10)
    bad = runner.invoke(cli, ["margin", "-p", str(EXAMPLE), "--monthly-units", "0"])
    assert bad.exit_code == 2
    assert "--monthly-units" in bad.stderr


def test_same_input_gives_byte_identical_output(runner: CliRunner) -> None:
    outputs = {runner.invoke(cli, ["margin", "-p", str(EXAMPLE), "-f", fmt]).stdout for fmt in ("json",) * 3}
    assert len(outputs) == 1


BAD_INPUT = [
    ("[economics]\nmonthly_units = 10\nunit_cost = -2\nprice = 5\n", "economics.unit_cost: -2 is negative"),
    (
        '[economics]\nmonthly_units = 10\nunit_cost = 2\nprice = 5\ncommission = "150%"\n',
        "economics.commission: 150% is outside 0-100%",
    ),
    (
        "[economics]\nmonthly_units = 10\nunit_cost = 2\nprice = 5\nreturn_rate = 1.5\n",
        "economics.return_rate: 1.5 is more than 1",
    ),
    ("[economics]\nmonthly_units = 0\nunit_cost = 2\nprice = 5\n", "economics.monthly_units: 0 units"),
    ("[economics]\nmonthly_units = 10\nunit_cost = 2\n", "economics.platforms.temu.fully-managed.price: no price"),
    ('fee_sensitivity = "high"\n', "economics: is not given"),
]


@pytest.mark.parametrize(
    ("text", "message"), BAD_INPUT, ids=["negative", "percent", "return rate 1.5", "zero units", "no price", "no economics"]
)
def test_bad_input_exits_2_with_one_line_naming_the_field(runner: CliRunner, tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "profile.toml"
    path.write_text(text)
    result = runner.invoke(cli, ["margin", "-p", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: {path}: {message}") or result.stderr.startswith(f"Error: {message}")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_numbers_are_required(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["margin"])
    assert result.exit_code == 2
    assert result.stderr.endswith("Error: give --profile FILE (a profile with an economics section) or --economics FILE.\n")


def test_economics_from_their_own_file(runner: CliRunner, tmp_path: Path, advisor: Advisor) -> None:
    quotes = tmp_path / "quotes.yaml"
    quotes.write_text(
        "monthly_units: 100\nunit_cost: 4\nfully-managed: {price: 10}\nsemi-managed: {price: 12, fixed_per_month: 50}\n"
    )
    alone = runner.invoke(cli, ["margin", "--economics", str(quotes), "-f", "json"], catch_exceptions=False)
    assert alone.exit_code == 0
    assert [p["platform"] for p in json.loads(alone.stdout)["platforms"]] == ["temu", "aliexpress", "tiktok_shop"]
    # With a profile, the file's numbers replace the profile's and the profile picks the platforms.
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps({"platforms": ["tiktok_shop"], "economics": {"monthly_units": 1, "unit_cost": 1, "price": 2}}))
    both = json.loads(runner.invoke(cli, ["margin", "-p", str(profile), "--economics", str(quotes), "-f", "json"]).stdout)
    assert [p["platform"] for p in both["platforms"]] == ["tiktok_shop"] and both["monthly_units"] == 100
    consulted = runner.invoke(
        cli, ["consult", "-p", str(profile), "--economics", str(quotes), "-f", "json"], catch_exceptions=False
    )
    reasons = [r["rule"] for r in json.loads(consulted.stdout)["recommendations"][0]["reasons"]]
    assert any(rule.startswith("own_margin_") for rule in reasons)
    # Errors name the quotes file and the field.
    quotes.write_text("monthly_units: 100\nunit_cost: 4\nprice: 10\nreturn_rate: 2\n")
    bad = runner.invoke(cli, ["consult", "-p", str(profile), "--economics", str(quotes)])
    assert bad.exit_code == 2
    assert bad.stderr.startswith(f"Error: {quotes}: economics.return_rate: 2 is more than 1")


def test_chart_svg_is_written_and_deterministic(runner: CliRunner, tmp_path: Path, advisor: Advisor) -> None:
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    for path in (first, second):
        result = runner.invoke(cli, ["margin", "-p", str(EXAMPLE), "--chart", str(path)], catch_exceptions=False)
        assert result.exit_code == 0
    svg = first.read_text()
    assert svg.startswith("<?xml") and "<svg" in svg
    for text in ("Temu in the US", "AliExpress", "TikTok Shop", "units a month", "fully-managed", "semi-managed"):
        assert text in svg, text
    assert first.read_bytes() == second.read_bytes()


def test_chart_png_and_a_bad_suffix(runner: CliRunner, tmp_path: Path) -> None:
    png = tmp_path / "m.png"
    assert runner.invoke(cli, ["margin", "-p", str(EXAMPLE), "--chart", str(png)], catch_exceptions=False).exit_code == 0
    assert png.read_bytes().startswith(b"\x89PNG")
    bad = runner.invoke(cli, ["margin", "-p", str(EXAMPLE), "--chart", str(tmp_path / "m.pdf")])
    assert bad.exit_code == 2
    assert bad.stderr.strip().endswith("a chart is written as .svg or .png, not '.pdf'")


def test_chart_without_matplotlib_says_which_extra(
    monkeypatch: pytest.MonkeyPatch, advisor: Advisor, tmp_path: Path
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name: str, *args: object, **kwargs: object) -> object:
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ModuleNotFoundError(f"No module named '{name}'", name=name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'sellerexpert\[chart\]'"):
        write_chart(advisor.compare_margins(SellerProfile.from_file(EXAMPLE)), tmp_path / "margin.svg")
    assert not (tmp_path / "margin.svg").exists()


def test_render_refuses_an_unknown_format(advisor: Advisor) -> None:
    with pytest.raises(ValueError, match="unknown format 'html'"):
        render(advisor.compare_margins(SellerProfile.from_file(EXAMPLE)), "html")
