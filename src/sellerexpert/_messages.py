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

from ._i18n import _, current, tidy


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


__all__ = ["Msg", "concat", "say"]
