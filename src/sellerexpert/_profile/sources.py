"""Where a profile comes from: a file, standard input, and fields given one by one, merged.

The command line reads a profile from ``--profile FILE`` (``-`` for stdin) and lets field options
(``--operational-capacity low``, ``--platform temu,aliexpress``, ``--no-local-warehouse``)
change it; reading and merging live here, beside the profile, and are public
(``sellerexpert.read_profile`` and ``sellerexpert.merge_profile``), so the CLI only calls them and
turns their errors into option errors.

Imports: :mod:`sellerexpert._files.documents`, :mod:`sellerexpert._errors`, :mod:`sellerexpert._profile.fields`,
:mod:`sellerexpert._i18n` and :mod:`sellerexpert._profile.profile`.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import IO, Any

from .._errors import ProfileError
from .._files import documents
from .profile import SellerProfile

STDIN = "-"
"""The source that names standard input."""


def read_stdin_profile(stream: IO[bytes] | None = None) -> SellerProfile:
    """The profile on standard input (or ``stream``), read no further than a profile file may be long.

    :raises ProfileError: naming ``<stdin>``, for text too long, not UTF-8, malformed, or a bad profile.
    """
    if stream is None:
        stream = sys.stdin.buffer  # looked up at call time: a test runner swaps sys.stdin
    raw = stream.read(documents.SIZE_LIMITS["profile"] + 1)  # bounded, like a profile file
    try:
        if len(raw) > documents.SIZE_LIMITS["profile"]:
            raise documents.too_large("profile")
        text = documents.decode(raw)
    except documents.DocumentProblem as exc:
        raise ProfileError(exc.problem, path="<stdin>") from None
    return SellerProfile.from_text(text, source="<stdin>")


def read_profile(source: str | None, *, stdin: IO[bytes] | None = None) -> SellerProfile:
    """The profile in ``source``: a file, ``-`` for standard input, or ``None`` for a profile with nothing known.

    :raises ProfileError: naming the file (and line) at fault.
    """
    if source is None:
        return SellerProfile()
    if source == STDIN:
        return read_stdin_profile(stdin)
    return SellerProfile.from_file(source)


def with_given(profile: SellerProfile, given: Mapping[str, Any]) -> SellerProfile:
    """``profile`` with the fields in ``given`` (field names to values, as a profile file holds them) replacing its own.

    :raises ProfileError: naming the given field whose value is refused.
    """
    return profile.with_changes(**SellerProfile.from_dict(given).to_dict()) if given else profile

