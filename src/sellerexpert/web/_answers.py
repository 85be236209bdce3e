"""The consultation's state, which lives in the URL: the answers given so far, in the order they were given.

The page keeps nothing on the server. Each link and form carries every answer
as a query parameter named after its profile field (``operational_capacity=low``);
a question answered "I don't know" carries the word ``unknown``. Replaying the
answers, in order, through :class:`~sellerexpert._interview.interview.Interview` rebuilds
the interview exactly, so the browser's back button, a bookmark or a shared
link all show the same page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from .. import FIELDS_BY_NAME, Advisor, Interview
from .._errors import ProfileError

UNKNOWN = "unknown"
"""The value that records "I don't know" (no asked field accepts it as a value)."""

_LIST_KINDS = ("platforms", "markets")


@dataclass(frozen=True)
class Answers:
    """The answers so far: ``(field, text)`` pairs in the order given, each field once.

    The text is kept as the seller gave it (the interview normalises it), so a
    bad answer can be shown back with its error.
    """

    pairs: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_params(cls, params: Iterable[tuple[str, str]]) -> Answers:
        """Read the answers from query or form parameters, ignoring every other parameter.

        A field given several times (the platform checkboxes) has its values
        joined with commas when it holds a list; otherwise the last one wins.
        """
        values: dict[str, list[str]] = {}
        for name, value in params:
            if name in Interview.ASKED:
                values.setdefault(name, []).append(value.strip())
        pairs = []
        for name, texts in values.items():
            if FIELDS_BY_NAME[name].kind in _LIST_KINDS:
                text = ",".join(t for t in texts if t)
            else:
                text = texts[-1]
            pairs.append((name, text))
        return cls(tuple(pairs))

    def fields(self) -> tuple[str, ...]:
        """The fields answered, in order."""
        return tuple(name for name, _ in self.pairs)

    def get(self, field: str) -> str | None:
        """The text given for ``field``, if any."""
        return next((text for name, text in self.pairs if name == field), None)

    def index(self, field: str) -> int:
        """Where ``field`` stands in the order of answers.

        :raises ValueError: when it was not answered.
        """
        return self.fields().index(field)

    def set(self, field: str, text: str) -> Answers:
        """A copy with ``field`` answered ``text``: in its old place when it had one, else last."""
        if field in self.fields():
            return Answers(tuple((name, text if name == field else old) for name, old in self.pairs))
        return Answers((*self.pairs, (field, text)))

    def before(self, field: str) -> Answers:
        """The answers given before ``field`` was asked."""
        return Answers(self.pairs[: self.index(field)])

    def query(self, **extra: str) -> str:
        """The answers (and ``extra`` parameters) as a URL query string."""
        return urlencode([*self.pairs, *extra.items()])

    def replay(self, advisor: Advisor) -> tuple[Interview, ProfileError | None]:
        """An interview that has been given these answers, in order.

        :returns: the interview, and the first answer's error (the interview then holds the answers before it).
        """
        interview = Interview(advisor)
        for name, text in self.pairs:
            try:
                if is_unknown(text):
                    interview.skip(name)
                else:
                    interview.answer(name, text)
            except ProfileError as exc:
                return interview, exc
        return interview, None


def is_unknown(text: str) -> bool:
    """Whether an answer means "I don't know" (the same words the terminal interview accepts)."""
    return Interview.classify_reply(text) == "unknown"
