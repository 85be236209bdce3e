"""The examples shipped with the package: seller profiles, margin files and a batch input to try the commands on.

The top-level ``examples/`` folder is the one place they are written: a wheel carries it as
``sellerexpert/examples`` (``pyproject.toml`` maps it in, as it does ``rules/``), and a source
checkout or an editable install reads the folder itself.

Imports: :mod:`sellerexpert._errors`, :mod:`sellerexpert._i18n`, :mod:`sellerexpert._i18n.messages`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .._errors import ExamplesError
from .._i18n import N_
from .._i18n.messages import Msg

DESCRIPTIONS: dict[str, str] = {
    "catalogue-ningbo-home.csv": N_("thirty products of one seller, one a row: the input of catalogue"),
    "catalogue-ningbo-home.yaml": N_("the company profile of catalogue-ningbo-home.csv, with a typical product's numbers"),
    "margin-home-goods.toml": N_("a profile with its own quotes (an economics section): try margin on it"),
    "margin-starter.toml": N_(
        "first numbers only (unit cost, prices, weight, markets): margin fills in the rest from dated tables"
    ),
    "no-data.json": N_("an empty profile: the advice on nothing known, and what it assumes"),
    "one-person-shop.yaml": N_("a one-person shop in Shenzhen with no logistics of its own, selling to the US"),
    "sea-freight-factory.toml": N_("a factory that ships by sea to Germany and France, with no shop staff abroad"),
    "sellers.csv": N_("five sellers, one a row: the input of batch"),
    "tiktok-creator-brand.yaml": N_("a beauty brand that sells through live streams and creators in the UK"),
    "us-brand-with-warehouse.json": N_("an established brand with its own US warehouse and staff"),
}
"""One line on each shipped example, by file name (a test holds it to the files in the folder)."""


@dataclass(frozen=True)
class Example:
    """One shipped example file.

    :ivar name: the file name (``one-person-shop.yaml``).
    :ivar path: where the installed package keeps it.
    :ivar description: one line on what it is for, in English (translated where shown).
    """

    name: str
    path: Path
    description: str


def shipped_examples_dir() -> Path:
    """Where the examples shipped with the package live.

    A wheel carries them as ``sellerexpert/examples``; a source checkout (or an editable
    install) reads the top-level ``examples/`` folder.
    """
    packaged = resources.files("sellerexpert") / "examples"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "examples"


def example_files() -> list[Example]:
    """The shipped examples, in name order."""
    folder = shipped_examples_dir()
    return [
        Example(path.name, path, DESCRIPTIONS.get(path.name, ""))
        for path in sorted(folder.iterdir())
        if path.is_file() and not path.name.startswith(".")
    ]


def copy_examples(target: str | Path) -> list[Path]:
    """Copy every shipped example into the folder ``target`` (made if missing), overwriting nothing.

    Nothing is copied when any example's name is already taken there, so a second copy never
    changes a file a user has edited.

    :param target: the folder to copy into.
    :returns: the files written, in name order.
    :raises ExamplesError: when ``target`` is not a folder, already holds a file of an example's
        name, or cannot be written.
    """
    folder = Path(target)
    if folder.exists() and not folder.is_dir():
        raise ExamplesError(Msg(N_("is not a folder")), path=folder, suggestion=Msg(N_("name a new or empty folder")))
    examples = example_files()
    taken = [example.name for example in examples if (folder / example.name).exists() or (folder / example.name).is_symlink()]
    if taken:
        raise ExamplesError(
            Msg(N_("already holds {names}: nothing was copied"), names=", ".join(taken)),
            path=folder,
            suggestion=Msg(N_("choose another folder, or move those files away first")),
        )
    written: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for example in examples:
            destination = folder / example.name
            # O_EXCL: a file that appeared since the check above is never overwritten (nor a link followed).
            descriptor = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(example.path.read_bytes())
            written.append(destination)
    except OSError as exc:
        where = Path(exc.filename) if exc.filename else folder
        raise ExamplesError(
            Msg(N_("cannot write there ({reason})"), reason=exc.strerror or str(exc)),
            path=where,
            suggestion=Msg(N_("name a folder you can write to")),
        ) from None
    return written


__all__ = ["DESCRIPTIONS", "Example", "copy_examples", "example_files", "shipped_examples_dir"]
