"""The inference: the compiled evaluator (fast, of record for results), the Experta engine (the reference it
is proven equal to), the decision policy both share, and the profile space the searches walk.

The one meaning of a rule book lives here. May import the layers below: :mod:`sellerexpert._results`,
:mod:`sellerexpert._rulebook`, :mod:`sellerexpert._profile`, :mod:`sellerexpert._files`,
:mod:`sellerexpert._errors` and :mod:`sellerexpert._i18n`.
"""
