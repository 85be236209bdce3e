"""The language machinery: choosing the language, the catalogues' completeness, numbers, wide-character wrapping.

An internal on purpose: the translation functions (``_``, ``number``, ``wrap``, ``fit``, ``width``, ``shown``) are
private and used by every renderer; here each is tested on its own, on cases a whole report seldom reaches.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from sellerexpert import LanguageError, ProfileError, TraceError, _i18n, _language
from sellerexpert._i18n.messages import Msg, say

SRC = Path(_i18n.__file__).parents[1]
LOCALE = SRC / "locale"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def _marked() -> dict[str, list[str]]:
    """Every string the code marks for translation (the web page's templates included), with where it is marked."""
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(SRC),
        method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")],
        options_map={"**/templates/**.html": {"trim_blocks": "true", "lstrip_blocks": "true"}},
        keywords=KEYWORDS,
        directory_filter=lambda path: Path(path).name != "__pycache__",
    ):
        ids = message if isinstance(message, tuple) else (message,)
        for msgid in ids:
            if msgid:
                found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def _catalogue_entries(lang: str) -> dict[str, list[tuple[str, str]]]:
    """msgid -> [(file, translation)] over every .po of ``lang``."""
    entries: dict[str, list[tuple[str, str]]] = {}
    for path in sorted((LOCALE / lang / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert not message.fuzzy, f"{path.name}: {ids[0]!r} is marked fuzzy: review it"
            for msgid, msgstr in zip(ids, strings * len(ids) if len(strings) == 1 else strings, strict=False):
                entries.setdefault(msgid, []).append((path.name, msgstr))
    return entries


def test_every_marked_string_has_a_chinese_translation() -> None:
    marked = _marked()
    entries = _catalogue_entries("zh")
    missing = [
        f"{where[0]}: {msgid!r}" for msgid, where in sorted(marked.items()) if not any(t for _, t in entries.get(msgid, []))
    ]
    assert not missing, "untranslated program strings:\n" + "\n".join(missing)


def test_translations_use_the_same_placeholders_as_the_english() -> None:
    wrong = [
        f"{name}: {msgid!r} has {_i18n.placeholders(msgid)}, the translation {_i18n.placeholders(text)}"
        for msgid, found in _catalogue_entries("zh").items()
        for name, text in found
        if text and _i18n.placeholders(text) != _i18n.placeholders(msgid)
    ]
    assert not wrong, "\n".join(wrong)


def test_catalogues_agree_and_hold_nothing_stale() -> None:
    marked = _marked()
    entries = _catalogue_entries("zh")
    conflicting = [msgid for msgid, found in entries.items() if len({t for _, t in found}) > 1]
    assert not conflicting, f"translated differently in two catalogues: {conflicting}"
    stale = [f"{found[0][0]}: {msgid!r}" for msgid, found in entries.items() if msgid not in marked]
    assert not stale, "catalogue entries no code uses any more:\n" + "\n".join(stale)


def test_translation_follows_the_language_in_force() -> None:
    message = "language {lang} is not one the advisor speaks (allowed: {allowed})"
    assert _i18n._(message) == message
    with _language.use("zh"):
        assert _i18n.current() == "zh"
        assert "不支持" in _i18n._(message)
        with _language.use("en"):
            assert _i18n._(message) == message
        assert _i18n.current() == "zh"
    assert _i18n.current() == "en"


def test_unknown_language_is_a_language_error() -> None:
    with pytest.raises(LanguageError) as info:
        with _language.use("fr"):
            pass
    assert info.value.lang == "fr" and info.value.allowed == ("en", "zh")
    assert "'fr'" in str(info.value) and "en, zh" in str(info.value)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW.UTF-8"}, "zh"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, "en"),
        ({"LANG": "zh_CN.UTF-8", "LANGUAGE": "en:zh"}, "en"),
        ({"LANG": "zh_CN.UTF-8", "SELLEREXPERT_LANG": "en"}, "en"),
        ({"LANG": "en_US.UTF-8", "SELLEREXPERT_LANG": "ZH"}, "zh"),
    ],
)
def test_language_from_the_environment(environ: dict[str, str], expected: str) -> None:
    assert _language.from_environment(environ) == expected


def test_a_mistyped_sellerexpert_lang_is_an_error_not_a_silent_fallback() -> None:
    with pytest.raises(LanguageError):
        _language.from_environment({"SELLEREXPERT_LANG": "chinese"})


def test_numbers_and_dates_are_written_for_the_language() -> None:
    assert _i18n.percent(0.42) == "42%"
    assert _i18n.number(12345.6, digits=1) == "12,345.6"
    assert _i18n.day("2026-05-03") == "2026-05-03"
    with _language.use("zh"):
        assert _i18n.percent(0.42) == "42%"
        assert _i18n.number(12345.6, digits=1) == "12,345.6"
        assert _i18n.day("2026-05-03") == "2026年5月3日"
        assert _i18n.day("2025-05") == "2025年5月" and _i18n.day("2024") == "2024年"  # one date style in a text
    assert _i18n.day("2025-05") == "2025-05"


def test_width_counts_chinese_characters_as_two_columns() -> None:
    assert _i18n.width("Temu") == 4
    assert _i18n.width("全托管") == 6
    assert _i18n.width("速卖通 Choice") == 13
    assert _i18n.ljust("全托管", 8) == "全托管  "


@given(st.text(alphabet="全托管半海外仓备货头程尾程，。（）ab Temu-12%", min_size=0, max_size=200), st.integers(20, 100))
def test_wrapped_lines_fit_and_keep_every_character(text: str, columns: int) -> None:
    lines = _i18n.wrap(text, columns, initial="  ", subsequent="    ")
    for line in lines:
        # A single unbreakable run (a long Latin word) may overflow, as textwrap lets it.
        assert _i18n.width(line) <= columns or " " not in line.strip()
    joined = "".join(line.strip() for line in lines).replace(" ", "")
    assert joined == text.replace(" ", "")


def test_wrap_never_starts_a_line_with_closing_punctuation() -> None:
    text = "半托管需要你自己备货到海外仓，并承担头程和尾程的费用。" * 4
    for line in _i18n.wrap(text, 30)[1:]:
        assert line[0] not in "，。）"


def test_english_wraps_exactly_as_before() -> None:
    import textwrap

    text = "You have little staff or systems to run storage, shipping and after-sales, and fully-managed hands it over."
    assert _i18n.wrap(text, 40, initial="  + ", subsequent="    ") == textwrap.wrap(
        text, 40, initial_indent="  + ", subsequent_indent="    "
    )


def test_tidy_drops_only_the_space_between_two_chinese_characters() -> None:
    assert _i18n.tidy("速卖通 全托管的理由") == "速卖通全托管的理由"
    assert _i18n.tidy("Temu 全托管，领先于 TikTok Shop") == "Temu 全托管，领先于 TikTok Shop"
    assert _i18n.tidy("fully managed here") == "fully managed here"


@pytest.mark.parametrize(
    ("value", "english", "chinese"),
    [("low", "low", "低"), ("medium", "medium", "中"), ("high", "high", "高"), ("none", "none", "无"),
     (True, "yes", "是"), (False, "no", "否"), (["US", "DE"], "US, DE", "US, DE"), ("CN", "CN", "CN"),
     ("fully-managed", "fully-managed", "全托管"), (120, "120", "120")],
)
def test_values_as_people_read_them(value: object, english: str, chinese: str) -> None:
    assert _i18n.shown(value) == english
    with _language.use("zh"):
        assert _i18n.shown(value) == chinese


def test_fit_keeps_every_line_within_the_width_in_both_languages() -> None:
    with _language.use("zh"):
        text = "  ├─ [+3 全托管] low_capacity_favours_full：" + "你没有足够的人手和系统做仓储、发货和售后；" * 4
        for columns in (80, 120):
            lines = _i18n.fit(text, columns).splitlines()
            assert all(_i18n.width(line) <= columns for line in lines), lines
            assert lines[1].startswith("  │  ")
    row = "    Platform commission" + " " * 30 + "0.00" + " " * 11 + "0.00  − (price − refunds) × commission rate per unit"
    lines = _i18n.fit(row, 80).splitlines()
    assert all(_i18n.width(line) <= 80 for line in lines) and lines[0].endswith("0.00")


# -- messages: English data, said in the language in force at display ---------------------------


def test_errors_are_english_text_and_said_in_the_language_in_force(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as info:
        from sellerexpert import SellerProfile

        SellerProfile.from_file(tmp_path / "none.yaml")
    error = info.value
    assert str(error) == f"{tmp_path / 'none.yaml'}: no such file"
    with _language.use("zh"):
        assert str(error) == f"{tmp_path / 'none.yaml'}: no such file"  # the error's text is data
        assert say(error) == f"{tmp_path / 'none.yaml'}: 文件不存在"
    assert say(error) == str(error)


def test_a_message_keeps_its_translation_through_pickle() -> None:
    error = TraceError(Msg("no such file or folder"), path="x")
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == "x: no such file or folder"
    with _language.use("zh"):
        assert say(copy) == "x: 文件或文件夹不存在"


def test_the_fixed_parts_of_errors_are_said_in_chinese() -> None:
    from sellerexpert import FiringLimitError, RuleBookError

    typo = ProfileError(
        "'hgh' is not allowed", field="operational_capacity", suggestion="high", allowed=("low", "high"), path="p.yaml", line=3
    )
    other = ProfileError("must be a number", field="monthly_units", path="p.yaml")
    both = ProfileError.several([typo, other])
    loop = FiringLimitError(500, [])
    book = RuleBookError("must be a list", path="r.toml", rule_id="r1", field="when")
    assert str(typo) == "p.yaml:3: operational_capacity: 'hgh' is not allowed - did you mean 'high'? (allowed: low, high)"
    assert str(both).startswith("p.yaml: 2 problems:\n  p.yaml:3: ")
    assert str(loop).endswith("last rules fired: none")
    assert str(book) == "r.toml: rule 'r1': when: must be a list"
    with _language.use("zh"):
        assert say(typo) == (
            "p.yaml:3: operational_capacity（运营能力）：'hgh' is not allowed，是不是要写“high”？（可选：low, high）"
        )
        assert say(both).startswith("p.yaml: 2 个问题：\n  p.yaml:3: ") and "是不是要写" in say(both)
        assert say(loop) == "规则触发了 500 次仍未收敛（规则循环？）；最后触发的规则：无"
        assert say(book) == "r.toml: 规则“r1”：when: must be a list"


HOSTILE_NAME = "Shop \x1b]0;owned\x07\x1b[2J\u202eevil\r"
"""A seller's name written to take over a terminal (tests/cli/test_cli_terminal.py sends it through the commands)."""


def test_printable_writes_controls_and_bidi_marks_as_escapes() -> None:
    assert _i18n.printable(HOSTILE_NAME) == "Shop \\x1b]0;owned\\x07\\x1b[2J\\u202eevil\\r"
    assert _i18n.printable("two\nlines\tand\x00", keep="\n") == "two\nlines\\tand\\x00"
    assert _i18n.printable("Café 中 👨\u200d👩 \u200c") == "Café 中 👨\u200d👩 \u200c"  # joiners are part of writing
