"""A catalogue advised as it is read (issue 19's speed and memory): worker processes, and json/csv written a
product at a time, byte for byte what the whole catalogue renders; bad files still leave nothing written."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import EXAMPLES, sampled

from sellerexpert import Advisor, CatalogueStream, SellerProfile, cli, render_catalogue, use_language, write_catalogue

CHUNK = 16
"""Products handed to a worker process at a time: the tests cross chunk borders with more than one chunk."""

CSV = EXAMPLES / "catalogue-ningbo-home.csv"
COMPANY = EXAMPLES / "catalogue-ningbo-home.yaml"
ARGS = ["catalogue", str(CSV), "-p", str(COMPANY)]


@pytest.fixture(scope="module")
def shipped(advisor: Advisor) -> Any:
    """The shipped example, advised whole, once for the module (the rendering as it was before streaming)."""
    return advisor.catalogue(SellerProfile.from_file(COMPANY), CSV)


@pytest.mark.parametrize("format", CatalogueStream.FORMATS)
def test_streamed_output_is_what_the_whole_catalogue_renders(runner: CliRunner, shipped: Any, format: str) -> None:
    result = runner.invoke(cli, [*ARGS, "-f", format], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout == render_catalogue(shipped, format)


@pytest.mark.parametrize("format", sampled(["json", "csv", "text"], {"json"}))  # csv and text: -m slow
def test_jobs_2_writes_the_same_bytes_as_jobs_1(runner: CliRunner, tmp_path: Path, format: str) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    first = runner.invoke(cli, [*ARGS, "-f", format, "-o", str(one), "--jobs", "1"], catch_exceptions=False)
    second = runner.invoke(cli, [*ARGS, "-f", format, "-o", str(two), "--jobs", "2"], catch_exceptions=False)
    assert (first.exit_code, second.exit_code) == (0, 0)
    assert first.stderr == second.stderr
    assert one.read_bytes() == two.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one", "two"]  # no temporary file left beside them


def test_workers_keep_the_order_bad_rows_and_traces(advisor: Advisor) -> None:
    # More products than a worker takes at a time, with bad rows among them: each keeps its place.
    rows: list[dict[str, Any]] = [
        {"sku": f"P-{n}", "unit_cost": f"{1 + n % 7}.50", "full_price": "9.90", "semi_price": "19.99", "monthly_units": "50"}
        for n in range(CHUNK * 2 + 3)
    ]
    rows[3] = {"sku": "BAD-1", "weight_kg": "-2"}
    rows[CHUNK + 1] = {"name": "no sku"}
    profile = SellerProfile.from_file(COMPANY)
    here = advisor.catalogue(profile, rows)
    there = advisor.catalogue(profile, rows, jobs=2)
    assert there.to_json() == here.to_json()
    assert [e.row for e in there.errors] == [4, CHUNK + 2]
    # A trace built again in this process, from the product's profile, is the one the product got there.
    assert there.products[-1].result.trace.to_json() == here.products[-1].result.trace.to_json()


def test_texts_written_in_the_workers_are_those_written_here(advisor: Advisor) -> None:
    # With worker processes a product's text is written there (the render goes to them) and only the text
    # and what the split reads come back: the texts, the rows that failed and the split are the same.
    profile = SellerProfile.from_file(COMPANY)
    rows: list[dict[str, Any]] = [
        {"sku": f"T-{n}", "unit_cost": f"{1 + n % 5}.25", "full_price": "9.90", "semi_price": "19.99", "monthly_units": "40"}
        for n in range(CHUNK + 5)
    ]
    rows[2] = {"sku": "BAD-2", "weight_kg": "heavy"}  # made a product in a worker: its error travels back
    texts, splits, errors = [], [], []
    for jobs in (1, 2):
        with advisor.catalogue_stream(profile, rows, jobs=jobs) as stream:
            texts.append(list(stream.texts(repr)))
            splits.append(stream.split.to_dict())
            errors.append([e.to_dict() for e in stream.errors])
    assert texts[0] == texts[1] and len(texts[0]) == CHUNK + 4
    assert splits[0] == splits[1]
    assert errors[0] == errors[1] and errors[0][0]["field"] == "weight_kg"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_row_read_wrong_in_a_worker_is_worded_as_here(advisor: Advisor, lang: str) -> None:
    # The workers make the products of the rows' cells: a row's error is worded in the language in force where
    # the catalogue is read, as it is without workers (not in the language of the advice, nor the worker's own).
    profile = SellerProfile.from_file(COMPANY)
    rows = [{"sku": f"G-{n}", "category": "garden" if n == 1 else "home", "full_price": "9.90"} for n in range(3)]
    with use_language(lang):
        messages = [[e.message for e in advisor.catalogue(profile, rows, lang="en", jobs=jobs).errors] for jobs in (1, 2)]
    assert messages[0] == messages[1] and len(messages[0]) == 1
    assert ("不是" in messages[0][0]) == (lang == "zh")


_rows = st.lists(
    st.fixed_dictionaries(
        {
            "unit_cost": st.decimals(min_value=1, max_value=40, places=2).map(str),
            "semi_price": st.decimals(min_value=2, max_value=160, places=2).map(str),
            "weight_class": st.sampled_from(["parcel", "heavy", "oversized", "huge"]),
            "colour": st.sampled_from(["red", ""]),
        }
    ),
    max_size=3,
).map(lambda rows: [{"sku": f"P-{index}", "full_price": "9.50", **row} for index, row in enumerate(rows)])


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(_rows, st.sampled_from(CatalogueStream.FORMATS))
def test_any_catalogue_streams_to_the_same_bytes(advisor: Advisor, rows: list[dict[str, str]], format: str) -> None:
    # Empty lists, rows with errors ("huge" is no weight class) and a column set aside included.
    profile = SellerProfile.from_file(COMPANY)
    out = io.StringIO()
    with advisor.catalogue_stream(profile, rows) as stream:
        write_catalogue(stream, format, out)
    assert out.getvalue() == render_catalogue(advisor.catalogue(profile, rows), format)
    # A binary file gets the same text in UTF-8 (a product's JSON written in UTF-8 as it is made).
    with tempfile.TemporaryFile("w+b") as binary:
        with advisor.catalogue_stream(profile, rows) as stream:
            write_catalogue(stream, format, binary)
        binary.seek(0)
        assert binary.read() == out.getvalue().encode("utf-8")
    # So does a binary buffer, which has no mode to say so (a web app's BytesIO).
    buffer = io.BytesIO()
    with advisor.catalogue_stream(profile, rows) as stream:
        write_catalogue(stream, format, buffer)
    assert buffer.getvalue() == out.getvalue().encode("utf-8")
    # The same through the command line, from a file.
    columns = list(dict.fromkeys(key for row in rows for key in row)) or ["sku"]
    table = io.StringIO()
    writer = csv.DictWriter(table, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as folder:
        products = Path(folder) / "products.csv"
        products.write_text(table.getvalue(), encoding="utf-8")
        streamed = CliRunner().invoke(cli, ["catalogue", str(products), "-p", str(COMPANY), "-f", format])
        whole = advisor.catalogue(profile, products)
    assert streamed.exit_code == (1 if whole.errors else 0), streamed.output  # a product that failed exits 1
    assert streamed.stdout == render_catalogue(whole, format)
    if format == "json":
        json.loads(streamed.stdout)


def _late_duplicate(tmp_path: Path) -> Path:
    lines = ["sku,unit_cost,full_price,semi_price"]
    lines += [f"S-{n},2.{n % 10}0,6.50,14.99" for n in range(CHUNK * 2)]
    lines.append("S-1,3.00,6.50,14.99")
    path = tmp_path / "products.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_sku_twice_late_in_the_file_writes_nothing(runner: CliRunner, tmp_path: Path, jobs: str) -> None:
    products = _late_duplicate(tmp_path)
    target = tmp_path / "out" / "advice.json"
    target.parent.mkdir()
    result = runner.invoke(cli, ["catalogue", str(products), "-p", str(COMPANY), "-f", "json", "-o", str(target), "-j", jobs])
    assert result.exit_code == 2
    assert "SKU 'S-1' appears twice" in result.stderr
    assert "Traceback" not in result.output
    assert list(target.parent.iterdir()) == []  # neither the output nor a temporary file beside it
    to_stdout = runner.invoke(cli, ["catalogue", str(products), "-p", str(COMPANY), "-f", "csv", "-j", jobs])
    assert to_stdout.exit_code == 2
    assert to_stdout.stdout == ""


def test_the_brief_comparison_differs_only_by_what_margin_alone_shows() -> None:
    # An internal on purpose: the rules and a catalogue read the brief comparison (no scenarios, no
    # break-evens), remembered apart from margin's full one; a fresh advisor so neither is remembered yet.
    from datetime import date

    profile = SellerProfile.from_file(COMPANY)
    advisor = Advisor()
    today = date(2026, 12, 1)
    brief = advisor._landed(profile, "en", today, brief=True)
    full = advisor._landed(profile, "en", today)
    assert full is not brief
    assert full.markets and all(item.scenarios for item in full.markets if item.compared)
    for short, whole in zip(brief.markets, full.markets, strict=True):
        assert (short.scenarios, short.break_evens.notes) == ((), ())
        same = (whole.needed, whole.summary, whole.leader, whole.gap_pct, whole.break_even_units)
        assert (short.needed, short.summary, short.leader, short.gap_pct, short.break_even_units) == same
        # Each model in brief keeps what its readers read (the price, the contributions, the fixed costs and every
        # needed number), line for line as in full; the other lines are margin's alone.
        for mine, theirs in zip(short.models, whole.models, strict=True):
            assert (mine.model, mine.route, mine.needed) == (theirs.model, theirs.route, theirs.needed)
            assert mine.not_given == theirs.not_given
            kept = (*mine.per_unit, *mine.per_month)
            assert [line.key for line in kept] == ["price", "contribution_per_unit", "fixed_costs", "deposit_cost",
                                                   "contribution_per_month"]
            assert all(line == theirs.line(line.key) for line in kept)
            assert (mine.contribution_per_month, mine.fixed_per_month) == (theirs.contribution_per_month, theirs.fixed_per_month)
            assert mine.cash == ()
    assert advisor._landed(profile, "en", today, brief=True) is full  # a full comparison serves a brief request


def test_the_split_names_its_products_as_they_are_read(advisor: Advisor, shipped: Any) -> None:
    # The streamed split keeps each product it names as a SKU and an index (memory for 100,000 products): read
    # back, the names are the whole catalogue's split, in order; the counts alone come without them.
    with advisor.catalogue_stream(SellerProfile.from_file(COMPANY), CSV) as stream:
        assert sum(1 for _ in stream) == len(shipped.products)
        assert stream.advised == shipped.split.products
        kinds = ("close_calls", "not_carried", "off_company", "leaves_less")
        assert any(getattr(shipped.split, kind) for kind in kinds)
        for kind in kinds:
            assert tuple(stream.mentions(kind)) == getattr(shipped.split, kind)
        counts = stream.split_counts()
        assert all(getattr(counts, kind) == () for kind in kinds)
        assert (counts.routes, counts.totals, counts.both_stores) == (
            shipped.split.routes, shipped.split.totals, shipped.split.both_stores,
        )
        assert stream.split == shipped.split


def test_a_route_worked_out_once_serves_only_products_giving_the_same_numbers(advisor: Advisor) -> None:
    # A route's part of the arithmetic is kept by the names of the numbers a product gives (a number the product
    # gives replaces the tables'): a product after one that gave other numbers gets its own numbers counted.
    base = {"unit_cost": "3.10", "full_price": "9.50", "semi_price": "19.99"}
    rows = [
        {"sku": "A", **base},
        {"sku": "B", **base, "commission": "0.05", "semi-managed.freight_per_unit": "4.5", "duty_rate": "0.2"},
        {"sku": "C", **base, "commission": "0.30", "semi-managed.freight_per_unit": "4.5", "duty_rate": "0.2"},
    ]
    profile = SellerProfile.from_file(COMPANY)
    forward = advisor.catalogue(profile, rows).to_dict()["products"]
    backward = {product["sku"]: product for product in advisor.catalogue(profile, rows[::-1]).to_dict()["products"]}
    for product in forward:
        assert {**product, "row": 0, "line": 0} == {**backward[product["sku"]], "row": 0, "line": 0}

    def months(product: dict[str, Any]) -> list[Any]:
        return [market["contribution_per_month"] for platform in product["platforms"] for market in platform["markets"]]

    # B and C differ in their commission alone: every route they are priced on leaves them different amounts.
    priced = [(b, c) for b, c in zip(months(forward[1]), months(forward[2]), strict=True) if b is not None]
    assert priced and all(b > c for b, c in priced)

