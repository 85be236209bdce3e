"""The consultation page: the interview as plain HTML forms that work with JavaScript off.

Every page is a GET whose URL holds the answers (:mod:`._answers`), so the
server keeps nothing between requests. A question's form submits the answers
so far plus the new one; the server records it and redirects (303) to the
canonical URL of the next page. ``edit=FIELD`` shows an earlier question again
with its answer filled in; answering it keeps every later answer, so going
back and forth loses nothing.

The one form that changes nothing but is still a POST (checking a trace file)
carries a CSRF token (:mod:`._security`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from .._errors import ProfileError, TraceError
from .._explain import explain
from .._interview import ASKED, Interview
from .._interview_questions import Why
from .._profile import FIELDS_BY_NAME, FieldSpec, normalise_value
from .._report import confidence_text
from .._result import ConsultationResult
from .._signing import key_from_env
from ._answers import UNKNOWN, Answers, is_unknown
from ._api import signed
from ._context import WebContext, context, heavy
from ._security import CSRF_COOKIE, CSRF_FIELD, csrf_ok, csrf_token, new_csrf_cookie
from ._work import audit_body

WHY_NOT_FIELDS = 1
"""The most profile fields the result page's why-not search changes."""

BASIS_WORDS = {
    "exclusion": "the other model is ruled out for you",
    "scores": "the reasons for it outweigh the reasons against",
    "tie": "the reasons are evenly balanced, so the platform's emphasis (or the safer default) decides",
    "both-excluded": "both models are ruled out for you; take this as weak advice",
}
"""How each ``basis`` reads on the page."""


@dataclass(frozen=True)
class Choice:
    """One option of a question's control."""

    value: str
    label: str
    checked: bool


@dataclass(frozen=True)
class Control:
    """The form control for one field: ``checkboxes``, ``radios``, ``number`` or ``text``."""

    kind: str
    name: str
    choices: tuple[Choice, ...] = ()
    value: str = ""
    hint: str = ""


def _render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    html = context(request).templates.get_template(template).render(**values)
    response = HTMLResponse(html, status_code=status)
    # The URL holds a seller's answers: keep the page out of shared caches.
    response.headers["cache-control"] = "no-store"
    return response


def _canonical(spec: FieldSpec, text: str) -> Any:
    try:
        return normalise_value(spec, text)
    except ProfileError:
        return None


def control(ctx: WebContext, spec: FieldSpec, text: str | None) -> Control:
    """The control that asks for ``spec``'s value, filled in with ``text`` (an earlier or a rejected answer)."""
    given = "" if text is None or is_unknown(text) else text
    current = _canonical(spec, given) if given else None
    if spec.kind == "platforms":
        chosen = current or ()
        platforms = ctx.advisor.rules.platforms
        return Control(
            "checkboxes",
            spec.name,
            tuple(Choice(p, platforms[p].name if p in platforms else p, p in chosen) for p in spec.allowed),
        )
    if spec.kind == "bool":
        return Control("radios", spec.name, (Choice("yes", "Yes", current is True), Choice("no", "No", current is False)))
    if spec.allowed:
        return Control("radios", spec.name, tuple(Choice(v, v.capitalize(), v == current) for v in spec.allowed))
    if spec.kind == "count":
        return Control("number", spec.name, value=given, hint=spec.allowed_text)
    return Control("text", spec.name, value=given, hint=spec.allowed_text)


def _question_page(
    request: Request, answers: Answers, field: str, *, error: str | None = None, typed: str | None = None, status: int = 200
) -> Response:
    ctx = context(request)
    spec = FIELDS_BY_NAME[field]
    editing = field in answers.fields()
    before = answers.before(field) if editing else answers
    after = answers.pairs[answers.index(field) + 1 :] if editing else ()
    interview, _ = before.replay(ctx.advisor)
    why: Why = interview.why(field)
    if before.pairs:
        back = "/consult?" + answers.query(edit=before.pairs[-1][0])
    else:
        back = "/"
    return _render(
        request,
        "question.html",
        status,
        spec=spec,
        number=len(before.pairs) + 1,
        remaining=len(interview.relevant()),
        why=why,
        control=control(ctx, spec, typed if typed is not None else answers.get(field)),
        error=error,
        before=before.pairs,
        after=after,
        then=after[0][0] if after else None,
        back=back,
        advice_now="/result?" + answers.query(),
        answered=answers.pairs,
    )


async def home(request: Request) -> Response:
    """``GET /``: what the advisor does, and the button that starts the consultation."""
    return _render(request, "home.html")


async def consult(request: Request) -> Response:
    """``GET /consult``: the next question worth asking, an earlier one (``edit``), or on to the result."""
    params = request.query_params
    answers = Answers.from_params(params.multi_items())
    asked = params.get("q")
    if asked is not None:
        if asked not in ASKED:
            raise HTTPException(422, f"'{asked}' is not a question of this consultation")
        if "skip" in params:
            answers = answers.set(asked, UNKNOWN)
        elif not answers.get(asked):
            without = Answers(tuple(pair for pair in answers.pairs if pair[0] != asked))
            pending = answers if asked in answers.fields() else without
            return _question_page(request, pending, asked, error="Please choose an answer, or press “I don't know”.", status=422)
        then = params.get("then")
        extra = {"edit": then} if then and then in answers.fields() and then != asked else {}
        return RedirectResponse("/consult?" + answers.query(**extra), status_code=303)
    interview, problem = answers.replay(context(request).advisor)
    if problem is not None and problem.field in answers.fields():
        return _question_page(
            request, answers, problem.field, error=_problem(problem), typed=answers.get(problem.field), status=422
        )
    edit = params.get("edit")
    if edit is not None and edit in answers.fields():
        return _question_page(request, answers, edit)
    question = interview.next_question()
    if question is None:
        return RedirectResponse("/result?" + answers.query(), status_code=303)
    return _question_page(request, answers, question.field)


def _problem(exc: ProfileError) -> str:
    hint = f" Did you mean “{exc.suggestion}”?" if exc.suggestion else ""
    allowed = exc.allowed if isinstance(exc.allowed, str) else ", ".join(exc.allowed or ())
    also = f" Allowed: {allowed}." if allowed else ""
    return f"{exc.problem[0].upper()}{exc.problem[1:]}.{hint}{also}"


def _result_of(request: Request, answers: Answers) -> tuple[Interview, ConsultationResult] | Response:
    interview, problem = answers.replay(context(request).advisor)
    if problem is not None and problem.field in answers.fields():
        return RedirectResponse("/consult?" + answers.query(edit=problem.field), status_code=303)
    ctx = context(request)
    # The interview's answers, consulted like any other (Interview.result() with the server's engine).
    return interview, ctx.advisor.consult(interview.profile, engine=ctx.settings.engine)


async def result(request: Request) -> Response:
    """``GET /result``: the advice on the answers in the URL, with reasons, caveats and why-not."""
    ctx = context(request)
    answers = Answers.from_params(request.query_params.multi_items())
    outcome = await run_in_threadpool(_result_of, request, answers)
    if isinstance(outcome, Response):
        return outcome
    interview, consulted = outcome
    # One-field changes only: the two-field search (`sellerexpert explain`, POST /api/v1/explain) can take
    # seconds on a full profile, too long for a page; the statement says how far it looked.
    explanation = await run_in_threadpool(lambda: explain(consulted.trace, ctx.advisor, max_fields=WHY_NOT_FIELDS))
    why_not = {p.platform: p.why_not.statement for p in explanation.platforms if p.why_not is not None}
    best = consulted.best
    names = {rec.platform: rec.platform_name for rec in consulted.recommendations}
    return _render(
        request,
        "result.html",
        result=consulted,
        best_name=names.get(best.platform, best.platform),
        confidence=confidence_text,
        basis_words=BASIS_WORDS,
        why_not=why_not,
        answered=[(FIELDS_BY_NAME[name], text) for name, text in answers.pairs],
        is_unknown=is_unknown,
        unasked=[FIELDS_BY_NAME[name] for name in interview.unasked()],
        query=answers.query(),
        change="/consult?" + answers.query(edit=answers.pairs[-1][0]) if answers.pairs else "/consult",
    )


async def trace_download(request: Request) -> Response:
    """``GET /result/trace.json``: the consultation's trace as a file, signed when ``SELLEREXPERT_TRACE_KEY`` is set."""
    answers = Answers.from_params(request.query_params.multi_items())
    outcome = await run_in_threadpool(_result_of, request, answers)
    if isinstance(outcome, Response):
        return outcome
    _, consulted = outcome
    return Response(
        signed(consulted.trace).to_json() + "\n",
        media_type="application/json",
        headers={"content-disposition": 'attachment; filename="sellerexpert-trace.json"', "cache-control": "no-store"},
    )


async def check(request: Request) -> Response:
    """``GET /check`` shows the form; ``POST /check`` audits the uploaded or pasted trace (``sellerexpert audit``)."""
    ctx = context(request)
    cookie = request.cookies.get(CSRF_COOKIE)
    fresh = cookie is None
    if request.method == "GET":
        cookie = cookie or new_csrf_cookie()
        response = _render(request, "check.html", token=csrf_token(ctx.settings.secret, cookie), report=None, error=None)
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
    if not raw:
        return _render(request, "check.html", 422, report=None, error="Choose a trace file, or paste one.", token=token)
    try:
        report = await heavy(request, audit_body, raw, "the trace", key_from_env())
    except TraceError as exc:
        return _render(request, "check.html", 422, report=None, error=str(exc), token=token)
    return _render(request, "check.html", report=report, error=None, token=token)


ROUTES = [
    Route("/", home, methods=["GET"]),
    Route("/consult", consult, methods=["GET"]),
    Route("/result", result, methods=["GET"]),
    Route("/result/trace.json", trace_download, methods=["GET"]),
    Route("/check", check, methods=["GET", "POST"]),
]
