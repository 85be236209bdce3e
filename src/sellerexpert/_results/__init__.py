"""What a consultation gives: the result records (recommendations per platform and market, reasons,
caveats, assumptions), the trace that replays it, signing a trace, and the result as text or markdown.

May import the layers below: :mod:`sellerexpert._i18n`, :mod:`sellerexpert._errors`, :mod:`sellerexpert._files`,
:mod:`sellerexpert._profile` and :mod:`sellerexpert._rulebook`.
"""
