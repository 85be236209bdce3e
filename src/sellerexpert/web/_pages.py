"""The consultation page: the interview as plain HTML forms that work with JavaScript off.

Every page is a GET whose URL holds the answers (:mod:`._answers`), so the
server keeps nothing between requests. A question's form submits the answers
so far plus the new one; the server records it and redirects (303) to the
canonical URL of the next page. ``edit=FIELD`` shows a question again with its
answer filled in (or, for one not asked yet, empty); answering it keeps every
later answer, so going back and forth loses nothing.

Each page speaks one language (:mod:`._lang`): every string goes through the
CLI's catalogues, the advice comes from the advisor in that language.

The one form that changes nothing but is still a POST (checking a trace file)
carries a CSRF token (:mod:`._security`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from .. import FIELDS_BY_NAME, ConsultationResult, FieldSpec, Interview, SellerProfile, Trace, Why, _i18n
from .._errors import ProfileError, TraceError
from .._i18n import N_, _, day, model_words, ngettext, shown
from .._language import use
from .._version import __version__
from ._answers import UNKNOWN, Answers, is_unknown
from ._context import WebContext, context, heavy, switch_links
from ._lang import PageLanguage, page_language
from ._numbers import INPUTS as NUMBER_INPUTS
from ._numbers import PARAMS as NUMBER_PARAMS
from ._numbers import draw_chart, economics_from, figure_error, margin_rows
from ._security import CSRF_COOKIE, CSRF_FIELD, csrf_ok, csrf_token, new_csrf_cookie
from ._seller import UNKNOWN_WORDS, rulebook_version, seller_view, value_words
from ._work import audit_body

SECONDS_PER_QUESTION = 15
"""What one question takes a seller, for the time left the progress line shows."""

EXAMPLES: dict[str, dict[str, str]] = {
    "operational_capacity": {
        "low": N_("A few people; no warehouse or after-sales team"),
        "medium": N_("A small team that already ships orders and answers buyers"),
        "high": N_("Warehouse staff, a shipping system and an after-sales team"),
    },
    "control_priority": {
        "low": N_("The platform may set prices and run promotions"),
        "medium": N_("You want a say in prices and promotions"),
        "high": N_("You set your own prices, stock and brand"),
    },
    "fee_sensitivity": {
        "low": N_("Convenience matters more than fees"),
        "medium": N_("Fees matter, and so does convenience"),
        "high": N_("Thin margins: every point of fees counts"),
    },
    "working_capital": {
        "low": N_("Little money to tie up in stock or freight"),
        "medium": N_("Enough for some stock in one market"),
        "high": N_("Enough for stock in several markets and slow payouts"),
    },
    "content_control": {
        "low": N_("No live selling or creator marketing planned"),
        "medium": N_("Some short videos or creator posts"),
        "high": N_("You run live selling and creators yourself"),
    },
    "customer_service": {
        "none": N_("No one to answer buyers or handle returns"),
        "basic": N_("You answer messages; returns are hard for you"),
        "full": N_("You handle messages and returns in the buyers' language"),
    },
}
"""An example for each word of a scale, so "medium" means the same to every seller."""


@dataclass(frozen=True)
class Choice:
    """One option of a question's control."""

    value: str
    label: str
    checked: bool
    example: str = ""


@dataclass(frozen=True)
class Control:
    """The form control for one field: ``checkboxes``, ``radios``, ``number`` or ``text``."""

    kind: str
    name: str
    choices: tuple[Choice, ...] = ()
    value: str = ""
    hint: str = ""


Handler = Callable[[Request], Awaitable[Response]]


def localized(handler: Handler) -> Handler:
    """Run ``handler`` in the page's language (``request.state.page``)."""

    @functools.wraps(handler)
    async def run(request: Request) -> Response:
        page = page_language(request, context(request).settings.lang)
        request.state.page = page
        with use(page.lang):
            return await handler(request)

    return run


def _page(request: Request) -> PageLanguage:
    page: PageLanguage = request.state.page
    return page


def _query(request: Request, answers: Answers, **extra: str) -> str:
    """The answers (and ``extra``) as a query string, with the page's language when the URL chose it."""
    return answers.query(**extra, **_page(request).params())


def _render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    page = _page(request)
    html = context(request).templates.get_template(template).render(
        page=page, switch=switch_links(request, page), lang_params=page.params(), **values
    )
    response = HTMLResponse(html, status_code=status)
    # The URL holds a seller's answers: keep the page out of shared caches.
    response.headers["cache-control"] = "no-store"
    return response


def _canonical(spec: FieldSpec, text: str) -> Any:
    try:
        return spec.convert(text)
    except ProfileError:
        return None


def _label(value: str) -> str:
    words = shown(value)
    return words[:1].upper() + words[1:]


def control(ctx: WebContext, spec: FieldSpec, text: str | None) -> Control:
    """The control that asks for ``spec``'s value, filled in with ``text`` (an earlier or a rejected answer).

    The platforms start all ticked: the advice covers every platform unless the seller takes one out.
    """
    given = "" if text is None or is_unknown(text) else text
    current = _canonical(spec, given) if given else None
    lang = _i18n.current()
    if spec.kind == "platforms":
        chosen = current or (spec.allowed if text is None else ())
        platforms = ctx.advisor.rules.platforms
        return Control(
            "checkboxes",
            spec.name,
            tuple(Choice(p, platforms[p].name_in(lang) if p in platforms else p, p in chosen) for p in spec.allowed),
        )
    if spec.kind == "bool":
        return Control("radios", spec.name, (Choice("yes", _("Yes"), current is True), Choice("no", _("No"), current is False)))
    if spec.allowed:
        examples = EXAMPLES.get(spec.name, {})
        return Control(
            "radios",
            spec.name,
            tuple(
                Choice(v, _label(v), v == current, _(examples[v]) if v in examples else "")
                for v in spec.allowed
            ),
        )
    if spec.kind == "count":
        return Control("number", spec.name, value=given, hint=_("A whole number, 0 or more."))
    return Control("text", spec.name, value=given, hint=_("Country codes or names, such as US, DE, 美国."))


def why_plain(why: Why) -> list[str]:
    """ "Why am I asked?" in one to three plain sentences: what the answer could change, and what "I don't know" does."""
    if why.field == "platforms":
        return [_("The advice is given platform by platform, so this decides which platforms it covers.")]
    sentences = []
    if why.unsettled:
        names = [name for name, _models in why.unsettled]
        sentences.append(
            _("Your answer can still change the advice for {platforms}: fully-managed or semi-managed.").format(
                platforms=_names(names)
            )
        )
    else:
        sentences.append(_("Your answer can make the advice firmer; it cannot change which model is advised."))
    sentences.append(_("If you answer “I don't know”: {consequence}").format(consequence=why.if_unknown))
    return sentences


def _names(names: list[str]) -> str:
    text = names[0] if names else ""
    for name in names[1:]:
        text = _("{earlier}, {later}").format(earlier=text, later=name)
    return text


def _progress(remaining: int) -> str:
    """What is left, honestly: at most so many questions can still matter, and about how long they take."""
    if remaining <= 0:
        return _("This is the last question that can still change the advice.")
    minutes = max(1, round(remaining * SECONDS_PER_QUESTION / 60))
    return ngettext(
        "At most {count} more question can still change the advice (about {minutes} min); you can stop at any time.",
        "At most {count} more questions can still change the advice (about {minutes} min); you can stop at any time.",
        remaining,
    ).format(count=remaining, minutes=minutes)


def _question_page(
    request: Request, answers: Answers, field: str, *, error: str | None = None, typed: str | None = None, status: int = 200
) -> Response:
    ctx = context(request)
    spec = FIELDS_BY_NAME[field]
    editing = field in answers.fields()
    before = answers.before(field) if editing else answers
    after = answers.pairs[answers.index(field) + 1 :] if editing else ()
    interview, _problem_ = before.replay(ctx.advisor)
    why: Why = interview.why(field)
    if before.pairs:
        back = "/consult?" + _query(request, answers, edit=before.pairs[-1][0])
    else:
        back = "/" + ("?" + _query(request, Answers()) if _page(request).explicit else "")
    return _render(
        request,
        "question.html",
        status,
        spec=spec,
        question=spec.question_text,
        number=len(before.pairs) + 1,
        progress=_progress(len(interview.relevant()) - 1),
        why=why,
        why_plain=why_plain(why),
        control=control(ctx, spec, typed if typed is not None else answers.get(field)),
        error=error,
        before=before.pairs,
        after=after,
        then=after[0][0] if after else None,
        back=back,
        advice_now="/result?" + _query(request, answers),
        answered=answers.pairs,
    )


@localized
async def home(request: Request) -> Response:
    """``GET /``: what the advisor does, and the button that starts the consultation."""
    return _render(request, "home.html")


@localized
async def consult(request: Request) -> Response:
    """``GET /consult``: the next question worth asking, an earlier one or one not asked yet (``edit``), or the result."""
    params = request.query_params
    answers = Answers.from_params(params.multi_items())
    asked = params.get("q")
    if asked is not None:
        if asked not in Interview.ASKED:
            raise HTTPException(422, _("'{field}' is not a question of this consultation").format(field=asked))
        if "skip" in params:
            answers = answers.set(asked, UNKNOWN)
        elif not answers.get(asked):
            without = Answers(tuple(pair for pair in answers.pairs if pair[0] != asked))
            pending = answers if asked in answers.fields() else without
            return _question_page(
                request, pending, asked, error=_("Please choose an answer, or press “I don't know”."), status=422
            )
        then = params.get("then")
        extra = {"edit": then} if then and then in answers.fields() and then != asked else {}
        return RedirectResponse("/consult?" + _query(request, answers, **extra), status_code=303)
    interview, problem = answers.replay(context(request).advisor)
    if problem is not None and problem.field in answers.fields():
        return _question_page(
            request, answers, problem.field, error=_problem(problem), typed=answers.get(problem.field), status=422
        )
    edit = params.get("edit")
    if edit is not None and edit in Interview.ASKED:
        return _question_page(request, answers, edit)
    question = interview.next_question()
    if question is None:
        return RedirectResponse("/result?" + _query(request, answers), status_code=303)
    return _question_page(request, answers, question.field)


def _problem(exc: ProfileError) -> str:
    """The error said once: its problem, a suggestion, and the allowed values unless the problem names them."""
    hint = _(" Did you mean “{suggestion}”?").format(suggestion=exc.suggestion) if exc.suggestion else ""
    allowed = exc.allowed if isinstance(exc.allowed, str) else _names([shown(a) for a in exc.allowed or ()])
    problem = exc.problem
    also = _(" Allowed: {allowed}.").format(allowed=allowed) if allowed and allowed not in problem else ""
    end = "" if problem.endswith((".", "。")) else "。" if _i18n.current() == "zh" else "."
    return f"{problem[0].upper()}{problem[1:]}{end}{hint}{also}"


def _result_of(ctx: WebContext, answers: Answers, lang: str) -> tuple[Interview, ConsultationResult] | str:
    """The interview and the advice on ``answers``, or the field whose answer must be asked again."""
    with use(lang):
        interview, problem = answers.replay(ctx.advisor)
        if problem is not None and problem.field in answers.fields():
            return problem.field
        # The interview's answers, consulted like any other (Interview.result() with the server's engine).
        return interview, ctx.advisor.consult(interview.profile, engine=ctx.settings.engine, lang=lang)


@localized
async def result(request: Request) -> Response:
    """``GET /result``: the advice on the answers in the URL, written for the seller, details for auditors."""
    ctx = context(request)
    lang = _page(request).lang
    answers = Answers.from_params(request.query_params.multi_items())
    outcome = await run_in_threadpool(_result_of, ctx, answers, lang)
    if isinstance(outcome, str):
        return RedirectResponse("/consult?" + _query(request, answers, edit=outcome), status_code=303)
    interview, consulted = outcome
    abroad = request.query_params.get("abroad") == "1"

    def urls(**extra: str) -> str:
        return "/consult?" + _query(request, answers, **extra)

    def build() -> Any:
        with use(lang):
            return seller_view(consulted, ctx.advisor, interview, answers.fields(), urls, lang=lang, abroad=abroad)

    view = await run_in_threadpool(build)
    profile: SellerProfile = interview.profile
    answered = [
        (
            FIELDS_BY_NAME[name].question_text,
            _(UNKNOWN_WORDS) if is_unknown(text) else value_words(name, getattr(profile, name), ctx.advisor, lang),
            urls(edit=name),
        )
        for name, text in answers.pairs
    ]
    query = _query(request, answers)
    return _render(
        request,
        "result.html",
        result=consulted,
        view=view,
        model_words=model_words,
        answered=answered,
        query=query,
        abroad=abroad,
        abroad_link="/result?" + _query(request, answers, **({} if abroad else {"abroad": "1"})),
        today=day(date.today()),
        version=__version__,
        rulebook=rulebook_version(ctx.advisor),
    )


async def trace_download(request: Request) -> Response:
    """``GET /result/trace.json``: the consultation's trace as a file, signed when ``SELLEREXPERT_TRACE_KEY`` is set."""
    answers = Answers.from_params(request.query_params.multi_items())
    outcome = await run_in_threadpool(_result_of, context(request), answers, "en")
    if isinstance(outcome, str):
        return RedirectResponse("/consult?" + answers.query(edit=outcome), status_code=303)
    _interview, consulted = outcome
    return Response(
        consulted.trace.signed().to_json() + "\n",
        media_type="application/json",
        headers={"content-disposition": 'attachment; filename="sellerexpert-trace.json"', "cache-control": "no-store"},
    )


_EDITED = {
    "signature": N_("The file's signature does not match: it was changed after it was made, or signed with another key."),
    "input": N_("The file was edited: its answers are not ones the advisor accepts."),
    "consistency": N_("The file was edited: its answers and its advice no longer belong together."),
    "fingerprint": N_("The rule book has changed since this file was made."),
    "replay": N_("Today's rules do not give the advice recorded in the file."),
}
"""Each audit check's failure in plain words."""


def _advice_table(ctx: WebContext, raw: bytes, lang: str) -> list[tuple[str, str, str]]:
    """(platform, the advice in the file, today's advice on the file's answers), best effort."""
    try:
        document = json.loads(raw)
        recorded = document["result"]["recommendations"]
        profile = SellerProfile.from_dict(document["profile"])
        today = {r.platform: r for r in ctx.advisor.consult(profile, engine=ctx.settings.engine, lang=lang).recommendations}
    except (ValueError, KeyError, TypeError, ProfileError):
        return []
    rows = []
    with use(lang):
        for rec in recorded if isinstance(recorded, list) else []:
            if not isinstance(rec, dict):
                continue
            platform = str(rec.get("platform", ""))
            now = today.get(platform)
            name = now.platform_name if now else platform
            rows.append((name, model_words(str(rec.get("model", ""))), model_words(now.model) if now else "—"))
    return rows


@localized
async def check(request: Request) -> Response:
    """``GET /check`` shows the form; ``POST /check`` audits the uploaded or pasted trace (``sellerexpert audit``)."""
    ctx = context(request)
    cookie = request.cookies.get(CSRF_COOKIE)
    fresh = cookie is None
    action = "/check" + (f"?lang={_page(request).lang}" if _page(request).explicit else "")
    if request.method == "GET":
        cookie = cookie or new_csrf_cookie()
        response = _render(
            request, "check.html", token=csrf_token(ctx.settings.secret, cookie), report=None, error=None, action=action
        )
        if fresh:
            response.set_cookie(
                CSRF_COOKIE, cookie, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/check"
            )
        return response
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise HTTPException(403, "a form from another site cannot be submitted here")
    async with request.form(max_files=1, max_fields=4) as form:
        token = form.get(CSRF_FIELD)
        if not csrf_ok(ctx.settings.secret, cookie, token if isinstance(token, str) else None):
            raise HTTPException(403, "the form has expired or did not come from this page: reload it and try again")
        upload = form.get("trace_file")
        pasted = form.get("trace_text")
        if isinstance(upload, UploadFile) and upload.filename:
            raw = await upload.read()
        elif isinstance(pasted, str) and pasted.strip():
            raw = pasted.encode("utf-8")
        else:
            raw = b""
    assert cookie is not None
    token = csrf_token(ctx.settings.secret, cookie)
    values: dict[str, Any] = {"token": token, "action": action}
    if not raw:
        return _render(request, "check.html", 422, report=None, error=_("Choose a trace file, or paste one."), **values)
    try:
        report = await heavy(request, audit_body, raw, _("the trace"), Trace.signing_key())
    except TraceError as exc:
        return _render(
            request, "check.html", 422, report=None, error=_("This is not a trace file sellerexpert can read."), detail=str(exc),
            **values,
        )
    lang = _page(request).lang
    advice = await run_in_threadpool(_advice_table, ctx, raw, lang)
    failed = [f for f in report.findings if f.failed]
    edited = list(dict.fromkeys(_(_EDITED[f.check]) for f in failed if f.check in _EDITED))
    return _render(request, "check.html", report=report, error=None, advice=advice, edited=edited, **values)


def _comparison(ctx: WebContext, answers: Answers, params: Mapping[str, str], lang: str) -> Any:
    """The margin comparison on the answers and the figures in ``params``; ``None`` without figures.

    :raises ProfileError: when a figure is not usable.
    """
    section = economics_from(params)
    if section is None:
        return None
    with use(lang):
        interview, _problem_ = answers.replay(ctx.advisor)
        profile = SellerProfile.from_dict({**interview.profile.to_dict(), "economics": section})
        return ctx.advisor.compare_margins(profile, lang=lang)


@localized
async def numbers(request: Request) -> Response:
    """``GET /numbers``: the optional step with the seller's own figures: the margin of each model, and its chart."""
    ctx = context(request)
    lang = _page(request).lang
    answers = Answers.from_params(request.query_params.multi_items())
    params = {name: request.query_params.get(name, "") for name in NUMBER_PARAMS}
    error = None
    rows: list[Any] = []
    try:
        comparison = await run_in_threadpool(_comparison, ctx, answers, params, lang)
    except ProfileError as exc:
        comparison, error = None, figure_error(exc.field)
    orders = answers.get("monthly_orders") or ""
    if not any(params.values()) and orders and not is_unknown(orders):
        params["n_units"] = orders  # a start: the orders a month the seller gave
    if comparison is not None:
        rows = margin_rows(comparison.to_dict())
    query = _query(request, answers)
    figures = "&".join(f"{k}={quote(v)}" for k, v in params.items() if v)
    return _render(
        request,
        "numbers.html",
        422 if error else 200,
        inputs=NUMBER_INPUTS,
        values=params,
        answers=answers.pairs,
        rows=rows,
        error=error,
        chart=f"/numbers/chart.svg?{query}&{figures}" if rows else None,
        back="/result?" + query,
    )


async def numbers_chart(request: Request) -> Response:
    """``GET /numbers/chart.svg``: the margin chart of :func:`numbers` (contribution a month against volume)."""
    ctx = context(request)
    lang = page_language(request, ctx.settings.lang).lang
    answers = Answers.from_params(request.query_params.multi_items())
    params = {name: request.query_params.get(name, "") for name in NUMBER_PARAMS}

    def draw() -> bytes | None:
        comparison = _comparison(ctx, answers, params, lang)
        if comparison is None:
            return None
        with use(lang):
            return draw_chart(comparison)

    try:
        svg = await run_in_threadpool(draw)
    except ModuleNotFoundError:
        raise HTTPException(404, "the chart needs the chart extra (matplotlib)") from None
    if svg is None:
        raise HTTPException(404, "no figures to draw")
    return Response(svg, media_type="image/svg+xml", headers={"cache-control": "no-store"})


ROUTES = [
    Route("/", home, methods=["GET"]),
    Route("/consult", consult, methods=["GET"]),
    Route("/result", result, methods=["GET"]),
    Route("/result/trace.json", trace_download, methods=["GET"]),
    Route("/check", check, methods=["GET", "POST"]),
    Route("/numbers", numbers, methods=["GET"]),
    Route("/numbers/chart.svg", numbers_chart, methods=["GET"]),
]
