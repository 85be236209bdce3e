"""Scoring a partitioned data set on Dask: the same records as `sellerexpert batch`, on a real LocalCluster."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_batch_output import write_sellers

from sellerexpert import ProfileError, cli

pd = pytest.importorskip("pandas")
pytest.importorskip("dask.dataframe")
on_dask = pytest.importorskip("sellerexpert.on_dask")


def _batch_lines(path: Path) -> list[str]:
    result = CliRunner().invoke(cli, ["batch", str(path)])
    return _same_but_where(result.stdout.splitlines())


def _same_but_where(lines: Any) -> list[str]:
    """The records with an error's file and line left out (a partition is not a file)."""
    out = []
    for line in lines:
        record = json.loads(line)
        if "error" in record:
            record["error"] = {k: v for k, v in record["error"].items() if k not in ("message", "line")}
        out.append(json.dumps(record))
    return out


def test_one_partition_gives_the_batch_records(tmp_path: Path) -> None:
    path = write_sellers(tmp_path / "part.csv", 30)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    scored = on_dask.score_partition(frame, None, "compiled", {"number": 4})
    assert list(scored.columns) == list(on_dask.COLUMNS)
    assert _same_but_where(scored["record"]) == _batch_lines(path)
    assert set(scored["partition"]) == {4}
    failed = scored[scored["status"] == "error"]
    assert list(failed["row"]) == [6, 23]
    assert failed["error"].iloc[0].startswith("partition 4:6: operational_capacity: 'huge' is not one of")


def test_typed_parquet_cells_are_read_like_text(tmp_path: Path) -> None:
    typed = pd.DataFrame({
        "operational_capacity": ["low", None],
        "monthly_orders": [120, 7],
        "local_warehouse": [True, False],
        "target_markets": [["US", "DE"], ["UK"]],
    })
    text = pd.DataFrame({
        "operational_capacity": ["low", ""],
        "monthly_orders": ["120", "7"],
        "local_warehouse": ["yes", "no"],
        "target_markets": ["US;DE", "UK"],
    })
    assert list(on_dask.score_partition(typed)["record"]) == list(on_dask.score_partition(text)["record"])


# Dask's Parquet reader calls reset_index(inplace=True), which pandas 3.1 deprecates: theirs, not ours.
@pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning")
def test_missing_cells_of_a_nullable_text_column_are_unknown(tmp_path: Path) -> None:
    # pandas' own text dtype holds an empty cell as pd.NA (neither None nor NaN), and Parquet text
    # columns are read back with that dtype: every such cell once made its row an error.
    path = write_sellers(tmp_path / "sellers.csv", 30)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False).replace("", None).astype("string")
    frame.to_parquet(tmp_path / "sellers.parquet", index=False)
    assert frame.isna().any().any()
    scored = on_dask.score_dataset(str(tmp_path / "sellers.parquet")).compute()
    assert _same_but_where(scored["record"]) == _batch_lines(path)
    assert list(scored.loc[scored["status"] == "error", "row"]) == [6, 23]


def test_an_unknown_column_is_refused_before_any_work(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("capacity\nlow\n")
    with pytest.raises(ProfileError, match="unknown column 'capacity' - did you mean 'operational_capacity'"):
        on_dask.score_dataset(str(path))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::ResourceWarning", "ignore::UserWarning")
def test_a_csv_glob_and_parquet_on_a_local_cluster(tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    parts = [write_sellers(tmp_path / f"sellers-{index}.csv", 20 + index) for index in range(3)]
    pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in parts]).to_parquet(tmp_path / "sellers.parquet")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        scored = on_dask.score_dataset(str(tmp_path / "sellers-*.csv")).compute()
        expected = [line for path in parts for line in _batch_lines(path)]
        assert _same_but_where(scored["record"]) == expected
        assert list(scored.groupby("partition").size()) == [20, 21, 22]
        whole = on_dask.score_dataset(str(tmp_path / "sellers.parquet"), engine="experta").compute()
        assert sorted(whole["best_model"].dropna()) == sorted(scored["best_model"].dropna())
        built: dict[str, Any] = client.run(lambda: on_dask._advisor.cache_info().misses)
        assert len(built) == 2 and all(count <= 1 for count in built.values())  # each worker built its advisor once


def _written(out: Path) -> Any:
    """The Parquet data set as pandas reads it back, in partition and row order."""
    frame = pd.read_parquet(out)
    return frame.sort_values(["partition", "row"], kind="stable").reset_index(drop=True)


def test_the_scored_frame_has_real_types_and_writes_parquet(tmp_path: Path) -> None:
    path = write_sellers(tmp_path / "sellers.csv", 25)
    scored = on_dask.score_dataset(str(path))
    # Dask builds the Parquet schema from the frame's meta: an object column there has no type to give.
    assert {str(t) for t in scored.dtypes} == {"int64", "float64", "string"}
    assert dict(scored.dtypes) == dict(scored._meta.dtypes) == dict(scored.compute().dtypes)
    scored.to_parquet(str(tmp_path / "advice"), write_index=False)
    written = _written(tmp_path / "advice")
    assert list(written.columns) == list(on_dask.COLUMNS)
    assert _same_but_where(written["record"]) == _batch_lines(path)
    assert written["error"].isna().sum() == 23 and list(written.loc[written["status"] == "error", "row"]) == [6, 23]


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::ResourceWarning", "ignore::UserWarning")
def test_the_readme_example_writes_parquet_on_a_local_cluster(tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    parts = [write_sellers(tmp_path / f"sellers-{index}.csv", 20 + index) for index in range(3)]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        scored = on_dask.score_dataset(str(tmp_path / "sellers-*.csv"))
        scored.to_parquet(str(tmp_path / "advice"))  # the call docs/batch.md shows, as written there
    written = _written(tmp_path / "advice")
    assert _same_but_where(written["record"]) == [line for path in parts for line in _batch_lines(path)]
    assert list(written.groupby("partition").size()) == [20, 21, 22]
