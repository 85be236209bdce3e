"""Messages that are English as data and translated only when shown to a person.

A finding an audit records, the reason a file was skipped, the problem an error names: these end
up in JSON that scripts read (``audit -f json``, batch output) and must stay English there, yet the
same words shown on a terminal should be in the seller's language. A :class:`Msg` is both: a
``str`` whose value is the English text (so JSON, comparisons and ``in`` tests see English, exactly
as before), which also remembers its catalogue template and values, so :func:`say` can render it
in the language in force at display time.
"""

from __future__ import annotations

from typing import Any

from . import N_, _, current, tidy


class Msg(str):
    """English text that can say itself in the language in force.

    ``Msg(N_("cannot be read ({reason})"), reason=...)``: the value is the English text; the
    template is looked up in the catalogues by :meth:`translated`. Values may themselves be
    messages (translated in turn). Mark the template with ``N_`` so the catalogue test sees it.
    """

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> Msg:
        self = super().__new__(cls, template.format(**params) if params else template)
        self.template = template
        self.params = params
        return self

    def translated(self) -> str:
        """The message in the language in force (English: the value itself)."""
        text = _(self.template)
        if not self.params:
            return text
        # A Chinese template spaces its placeholders for Latin values ("结果中的{key}为 {result}"); where the
        # value said is Chinese too, the space between two Chinese characters goes (as _i18n.tidy says).
        return tidy(text.format(**{k: say(v) for k, v in self.params.items()})) if current() != "en" else text.format(
            **{k: say(v) for k, v in self.params.items()}
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled with its template (batch workers send errors back to the parent process).
        return (_rebuild, (self.template, self.params))


def spoken(template: str, /, **params: Any) -> Msg:
    """A :class:`Msg` whose text is ``template`` in the language in force now, said again in the language
    in force wherever it is shown.

    For an error raised in one language and shown in another: a batch row is read in English (its
    record is for programs) and its problem shown on stderr in the seller's language. Raised and shown
    in one language, it reads exactly as ``_(template).format(**params)``.
    """
    message = Msg.__new__(Msg, template, **params)
    if current() != "en":
        said = Msg.__new__(Msg, "{text}", text=message.translated())
        said.template, said.params = template, params
        return said
    return message


class Said(Msg):
    """An id or a quoted value that stays as it is in English (and in JSON) and reads as words in another language.

    ``temu`` is Temu and ``tiktok_shop`` TikTok Shop, ``confidence`` 置信度, ``"semi-managed"`` 半托管,
    where a person reads the audit in Chinese.
    """

    words: str

    def __new__(cls, english: str, words: str) -> Said:
        self = str.__new__(cls, english)
        self.template, self.params, self.words = english, {}, words
        return self

    def translated(self) -> str:
        """The words in the language in force: the English value itself in English."""
        return str(self) if current() == "en" else _(self.words)


_PLATFORM_WORDS = {"temu": N_("Temu"), "aliexpress": N_("AliExpress"), "tiktok_shop": N_("TikTok Shop")}
def platform_words(platform: Any) -> Any:
    """A platform id as an audit line names it: the id in English, the platform's name in Chinese (速卖通)."""
    return Said(platform, _PLATFORM_WORDS[platform]) if isinstance(platform, str) and platform in _PLATFORM_WORDS else platform


def _rebuild(template: str, params: dict[str, Any]) -> Msg:
    return Msg(template, **params)


def concat(*parts: object) -> Msg:
    """Parts joined into one message; each part that is a :class:`Msg` is translated on its own."""
    names = {f"p{i}": part for i, part in enumerate(parts)}
    # The joining template has only placeholders, so no catalogue holds it: it renders as itself.
    return Msg("".join("{" + name + "}" for name in names), **names)


def say(value: object) -> str:
    """``value`` for a person: a :class:`Msg` (or an error carrying one) translated, anything else as ``str``."""
    if isinstance(value, Msg):
        return value.translated()
    if isinstance(value, BaseException):
        first = value.args[0] if len(value.args) == 1 else None
        return first.translated() if isinstance(first, Msg) else str(value)
    return str(value)


__all__ = ["Msg", "Said", "concat", "platform_words", "say", "spoken"]
