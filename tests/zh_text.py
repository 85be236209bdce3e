"""English left in a Chinese text: what "a Chinese seller reads it without meeting English" means in a test.

One definition for every Chinese test: a run of ``min_words`` or more Latin words in a row is an
untranslated phrase, once platform and product names, ids (``rule_id``, ``field_name``) and the names
a test allows are set aside.
"""

from __future__ import annotations

import re

NAMES = ("TikTok Shop", "Temu", "sellerexpert audit")
_ID = re.compile(r"\S*_\S*")
_CODE = re.compile(r"[A-Z0-9]{2,4}")


def english_runs(text: str, allowed: tuple[str, ...] = (), *, min_words: int = 3) -> list[str]:
    """Runs of ``min_words`` or more English words in ``text`` outside names, ids and ``allowed``."""
    for name in sorted({*NAMES, *allowed} - {""}, key=len, reverse=True):
        text = text.replace(name, " ")
    text = _ID.sub(" ", text)
    run = re.compile(rf"[A-Za-z][A-Za-z'-]*(?:[ ,]+[A-Za-z][A-Za-z'-]*){{{min_words - 1},}}")
    # A list of codes (market codes "EU, DE, FR", abbreviations such as VAT) is not a sentence.
    return [found for found in run.findall(text) if not all(_CODE.fullmatch(word) for word in re.split(r"[ ,]+", found))]
