"""Score a partitioned data set on Dask: a CSV glob or Parquet in, one scored row per seller out.

Needs the optional extra: ``pip install 'sellerexpert[dask]'``. Dask does the
distributing (``map_partitions``); this module only says what one partition
becomes. Each worker process builds its advisor once, from the rule pack's
folder (the shipped rule book when ``rules_dir`` is ``None``), and keeps it
for every partition it scores, so the advisor never travels over the wire.

Quick use, on this machine or against a scheduler::

    from dask.distributed import Client
    from sellerexpert.on_dask import score_dataset

    client = Client()                        # or Client("tcp://scheduler:8786")
    scored = score_dataset("sellers-*.csv")  # lazy: a dask DataFrame
    scored.to_parquet("advice/")             # or scored.compute()

Each output row has :data:`COLUMNS`: ``partition`` and ``row`` (1-based within
its partition: a partition's position in the whole data set is not known
without reading it twice), ``status``, the best platform, model and
confidence, ``error`` for a row that failed, and ``record``: the very JSON
object ``sellerexpert batch`` writes for that row (with the partition's
``row``), so either engine and either tool give the same advice.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ._advisor import Advisor
from ._batch.batch import ENGINES, consult_row, json_line
from ._errors import ProfileError
from ._profile.profile import FIELDS_BY_NAME, closest
from ._profile.rows import Row, _column

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd

COLUMNS: tuple[str, ...] = (
    "partition",
    "row",
    "status",
    "best_platform",
    "best_model",
    "best_confidence",
    "error",
    "record",
)
"""The columns of a scored data set, in order."""
_DTYPES = {"partition": "int64", "row": "int64", "best_confidence": "float64"}
"""Columns that are not text; every other column is pandas' ``string`` dtype (missing is ``<NA>``)."""
# Real dtypes, not ``object``: Dask derives a Parquet schema from the frame's meta, and for an object
# column it has only a placeholder ``object()`` to infer from, which pyarrow cannot convert.


@functools.lru_cache(maxsize=4)
def _advisor(rules_dir: str | None) -> Advisor:
    """The advisor for a rule pack, built once per worker process."""
    return Advisor(rules_dir)


def _plain(value: Any, missing: Any = None) -> Any:
    """A cell as the profile reads it: NumPy scalars and arrays as Python values, missing as ``None``.

    :param missing: pandas' own missing value (``pd.NA``), which a nullable text column holds for an
        empty cell: the ``string`` dtype Parquet text columns are read as. It is neither ``None`` nor NaN.
    """
    if value is None or value is missing:
        return None
    if hasattr(value, "tolist"):  # NumPy scalars and arrays (Parquet list columns)
        value = value.tolist()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.astype({name: _DTYPES.get(name, "string") for name in COLUMNS})


def score_partition(
    frame: pd.DataFrame,
    rules_dir: str | None = None,
    engine: str = "compiled",
    partition_info: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Score one partition (a pandas DataFrame of profile fields): what each Dask worker runs.

    :param partition_info: filled in by Dask's ``map_partitions`` (the partition's number).
    """
    import pandas as pd

    advisor = _advisor(rules_dir)
    number = int(partition_info["number"]) if partition_info else 0
    source = f"partition {number}"
    names = [_column(str(name)) for name in frame.columns]
    rows: list[tuple[Any, ...]] = []
    for index, values in enumerate(frame.itertuples(index=False, name=None), start=1):
        data = {name: cell for name, value in zip(names, values, strict=True) if (cell := _plain(value, pd.NA)) is not None}
        outcome = consult_row(advisor, Row(index, index, data=data), source=source, engine=engine)
        record = outcome.record
        best = record.get("best") or {}
        error = record["error"]["message"] if "error" in record else None
        rows.append((number, index, record["status"], best.get("platform"), best.get("model"),
                     best.get("confidence", math.nan), error, json_line(record)[:-1]))
    return _frame(rows)


def read_dataset(
    source: str | Path | Sequence[str | Path], *, format: str | None = None, blocksize: str = "64MB"
) -> dd.DataFrame:
    """Read a partitioned data set of profiles: CSV files (a glob, or a list) or Parquet.

    CSV cells are read as text (an empty cell means unknown), exactly as ``sellerexpert batch`` reads them.

    :param format: ``csv`` or ``parquet``; by default from the suffix of the (first) path.
    :param blocksize: how much CSV one partition holds.
    :raises ProfileError: for an unknown format or a column that is not a profile field.
    """
    import dask.dataframe as dd

    paths = [str(source)] if isinstance(source, (str, Path)) else [str(item) for item in source]
    if not paths:
        raise ProfileError("no files given", allowed=("csv", "parquet"))
    chosen = format or ("parquet" if paths[0].rstrip("/").endswith((".parquet", ".pq")) or Path(paths[0]).is_dir() else "csv")
    if chosen == "csv":
        frame = dd.read_csv(paths, dtype=str, keep_default_na=False, blocksize=blocksize)
    elif chosen == "parquet":
        frame = dd.read_parquet(paths if len(paths) > 1 else paths[0])
    else:
        raise ProfileError(f"unknown data set format '{chosen}'", path=paths[0], allowed=("csv", "parquet"))
    for raw in frame.columns:
        name = _column(str(raw))
        if name not in FIELDS_BY_NAME:
            raise ProfileError(
                f"unknown column '{raw}'",
                field=str(raw),
                suggestion=closest(name, list(FIELDS_BY_NAME)),
                allowed=tuple(FIELDS_BY_NAME),
                path=paths[0],
            )
    return cast("dd.DataFrame", frame)


def score_dataset(
    source: str | Path | Sequence[str | Path] | dd.DataFrame,
    *,
    rules_dir: str | Path | None = None,
    engine: str = "compiled",
    format: str | None = None,
    blocksize: str = "64MB",
) -> dd.DataFrame:
    """Score every row of a partitioned data set on Dask, lazily (compute or write the result).

    Runs on whatever Dask scheduler is current: a ``dask.distributed.Client`` made
    before the call (on this machine or against a scheduler address), or Dask's
    local threads otherwise.

    :param source: CSV files (a glob or a list), a Parquet data set, or a dask DataFrame of profile fields.
    :param rules_dir: a custom rule pack's folder, readable at the same path on every worker
        (each worker builds its advisor from it once); ``None`` for the shipped rule book.
    :param engine: one of :data:`sellerexpert._batch.batch.ENGINES`; the records are the same for either.
    :raises ProfileError: for an unreadable source or a column that is not a profile field.
    :raises ValueError: for an unknown engine.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine '{engine}' (allowed: {', '.join(ENGINES)})")
    if isinstance(source, (str, Path)) or isinstance(source, Sequence):
        frame = read_dataset(source, format=format, blocksize=blocksize)
    else:
        frame = source
    rules = None if rules_dir is None else str(Path(rules_dir).resolve())
    scored = frame.map_partitions(score_partition, rules, engine, meta=_frame([]))  # type: ignore[no-untyped-call]
    return cast("dd.DataFrame", scored)


__all__ = ["COLUMNS", "read_dataset", "score_dataset", "score_partition"]
