"""The public API is exactly ``sellerexpert.__all__`` (as httpx checks its own): every other module is private."""

from __future__ import annotations

import importlib
import pkgutil

import sellerexpert

# Public as modules because they need optional extras (`web`, `dask`): documented in the README.
PUBLIC_SUBPACKAGES = {"web", "on_dask"}


def test_all_imports_are_exported() -> None:
    for name in sellerexpert.__all__:
        getattr(sellerexpert, name)  # every promised name resolves...
    public = sorted(name for name in vars(sellerexpert) if not name.startswith("_") or name == "__version__")
    # ...and, once all have, nothing else public is left on the package.
    assert public == sorted(set(sellerexpert.__all__) | (set(public) & PUBLIC_SUBPACKAGES))
    assert sellerexpert.__all__ == sorted(sellerexpert.__all__)


def test_every_implementation_module_is_private() -> None:
    modules = {info.name for info in pkgutil.iter_modules(sellerexpert.__path__)}
    public = {name for name in modules if not name.startswith("_")}
    assert public == PUBLIC_SUBPACKAGES, f"public modules beyond the documented subpackages: {public - PUBLIC_SUBPACKAGES}"


def test_dir_lists_the_api() -> None:
    assert set(sellerexpert.__all__) <= set(dir(sellerexpert))


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        sellerexpert.Advisr  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "Advisr" in str(exc)
    else:
        raise AssertionError("a misspelt name resolved")


def test_errors_are_one_hierarchy_and_lookups_are_lookup_errors() -> None:
    from sellerexpert import SellerExpertError, UnknownPlatformError, UnknownRuleError

    for name in sellerexpert.__all__:
        value = getattr(sellerexpert, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, SellerExpertError), name
    assert issubclass(UnknownRuleError, LookupError) and issubclass(UnknownPlatformError, LookupError)
    importlib.import_module("sellerexpert.on_dask")  # importable without its extra: it loads Dask when used


def test_each_public_name_is_listed_once_in_the_package_face() -> None:
    """One listing: the type checker's imports are the table the names load from and ``__all__``."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(sellerexpert.__file__).read_text(encoding="utf-8"))
    bound: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            bound += [alias.asname or alias.name for alias in node.names]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            bound += [target.id for target in targets if isinstance(target, ast.Name)]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in sellerexpert.__all__:
            bound.append(node.value)  # a name spelt out as a string would be a second listing
    for name in sellerexpert.__all__:
        if name == "__version__":
            continue  # imported eagerly (`sellerexpert --version` needs nothing else), and named in __all__ beside the table
        assert bound.count(name) == 1, f"{name} is listed {bound.count(name)} times in sellerexpert/__init__.py"


def test_docs_api_names_every_public_name() -> None:
    """docs/api.md says it lists the whole public API: every name in ``__all__`` appears there in code."""
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    code = " ".join(re.findall(r"`([^`\n]+)`", page))
    missing = [name for name in sellerexpert.__all__ if not re.search(rf"(?<![\w.]){re.escape(name)}\b", code)]
    assert not missing, f"docs/api.md does not name: {missing}"
