"""Read JSON, YAML and TOML documents with errors that name the line."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any


FORMATS = ("json", "yaml", "toml")
_SUFFIXES = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml"}


class DocumentProblem(Exception):
    """A document could not be read or parsed; callers turn it into their own error."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        self.problem = problem
        self.line = line
        super().__init__(problem)


def format_for(path: Path) -> str | None:
    """The document format a file name implies, or ``None`` if the suffix says nothing."""
    return _SUFFIXES.get(path.suffix.lower())


def read_text(path: Path) -> str:
    """Read a file as UTF-8 text, refusing directories and binary junk."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DocumentProblem("no such file") from None
    except IsADirectoryError:
        raise DocumentProblem("is a directory, not a file") from None
    except OSError as exc:
        raise DocumentProblem(f"cannot be read ({exc.strerror})") from None
    if b"\x00" in raw:
        raise DocumentProblem("is a binary file, not JSON, YAML or TOML text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentProblem(f"is not UTF-8 text (bad byte at offset {exc.start})") from None


def parse(text: str, fmt: str | None) -> Any:
    """Parse ``text`` as ``fmt``; with ``fmt=None`` guess among JSON, YAML and TOML."""
    if fmt is None:
        fmt = _sniff(text)
    if fmt == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise DocumentProblem(f"malformed JSON: {exc.msg}", exc.lineno) from None
    if fmt == "yaml":
        try:
            import yaml  # here: most commands never read YAML, and it costs to import

            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise DocumentProblem(
                f"malformed YAML: {problem}", mark.line + 1 if mark is not None else None
            ) from None
    if fmt == "toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            found = re.search(r"\(at line (\d+)", str(exc))
            message = re.sub(r"\s*\(at line.*\)$", "", str(exc))
            raise DocumentProblem(f"malformed TOML: {message}", int(found.group(1)) if found else None) from None
    raise DocumentProblem(f"unknown format '{fmt}' (allowed: {', '.join(FORMATS)})")


def _sniff(text: str) -> str:
    stripped = text.lstrip()
    # A TOML table header ("[section]" alone on its line) also opens with "[".
    first_line = stripped.splitlines()[0] if stripped else ""
    toml_header = re.match(r"\[\[?[A-Za-z0-9_.\- ]+\]\]?\s*$", first_line)
    if stripped.startswith("{") or (stripped.startswith("[") and not toml_header):
        return "json"
    # search, not match: a document may open with comment lines before its first key.
    if re.search(r"^\s*(\[[^\]]+\]|[A-Za-z0-9_\-\"']+\s*=)", text, re.MULTILINE) and not re.search(
        r"^\s*[A-Za-z0-9_\-]+\s*:", text, re.MULTILINE
    ):
        return "toml"
    return "yaml"


def load(path: Path, fmt: str | None = None) -> Any:
    """Read and parse one document file."""
    return parse(read_text(path), fmt or format_for(path))
