"""Money: the landed cost of each route per market (the seller's numbers and the dated tables, worked
out exactly), the margin comparison with its scenarios and break-evens and its report and chart, and the
catalogue (advice per product, and the split).

May import the layers below: :mod:`sellerexpert._results`, :mod:`sellerexpert._rulebook`,
:mod:`sellerexpert._profile`, :mod:`sellerexpert._files`, :mod:`sellerexpert._errors` and
:mod:`sellerexpert._i18n`; never the engine (the advisor brings the two together).
"""
