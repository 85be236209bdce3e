"""The JSON API under ``/api/v1``: each endpoint reads its body, calls one public function and returns its JSON.

Errors are not handled here: :mod:`sellerexpert.web._errors` turns a
``ProfileError`` or ``TraceError`` into a 422 carrying its attributes, work past
the time limit into a 503, and anything unexpected into a 500 without a traceback.

The costly work is bounded: explain and audit run in worker processes under the
time limit (:mod:`._work`); a batch holds at most ``max_batch_rows`` rows and
stops between rows at the time limit.
"""

from __future__ import annotations

import io
import itertools
import json
import time
from collections.abc import AsyncIterator

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .. import RowReader, SellerProfile, Trace, consult_rows, json_schema
from .._errors import ProfileError
from .._files import documents
from .._version import __version__
from ._context import context, heavy
from ._work import TooManyProducts, audit_body, catalogue_body, explain_body

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def flag(request: Request, name: str, default: bool) -> bool:
    """A yes/no query parameter.

    :raises HTTPException: 422 naming the parameter and the allowed words.
    """
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise HTTPException(422, f"query parameter '{name}': '{raw}' is not one of true, false")


def _profile(raw: bytes) -> SellerProfile:
    try:
        text = documents.decode(raw)  # the one UTF-8 and binary check, as for a profile file
    except documents.DocumentProblem as exc:
        raise ProfileError(exc.problem, path="<request>") from None
    return SellerProfile.from_text(text, format="json", source="<request>")


async def consult_endpoint(request: Request) -> Response:
    """``POST /api/v1/consult``: a profile in, the result out (``consult --format json``); ``?trace=true`` adds the trace."""
    with_trace = flag(request, "trace", False)
    with_explanation = flag(request, "explain", False)
    profile = _profile(await request.body())
    ctx = context(request)
    # On the event loop, not in a thread: the engine serialises runs within a process anyway (one lock in
    # _experta), so threads add no parallelism, only switching, and the lock's unfair hand-over made a long
    # latency tail under load. Requests then wait in arrival order. The slow calls (explain, audit, batch)
    # do run in threads, so they never hold up the loop.
    result = ctx.advisor.consult(profile, engine=ctx.settings.engine)
    # Written as text, not rebuilt as dicts: the result's and the trace's own JSON, joined into one object
    # (the same bytes as json.dumps of the merged dict, without copying the trace).
    text = result.to_json(indent=None)
    extra = []
    if with_trace:
        extra.append('"trace": ' + result.trace.signed().to_json(indent=None))
    if with_explanation:
        explanation = await heavy(request, explain_body, result.trace.to_json(indent=None).encode(), "<request>", True)
        extra.append('"explanation": ' + json.dumps(explanation, ensure_ascii=False))
    if extra:
        text = text[:-1] + ", " + ", ".join(extra) + "}"
    return Response(text, media_type="application/json")


async def explain_endpoint(request: Request) -> Response:
    """``POST /api/v1/explain``: a trace in, how and why-not out (``explain --format json``)."""
    why_not = flag(request, "why_not", True)
    explanation = await heavy(request, explain_body, await request.body(), "<request>", why_not)
    return JSONResponse(explanation)


async def audit_endpoint(request: Request) -> Response:
    """``POST /api/v1/audit``: a trace in, the verdict out, with ``exit_code`` meaning what the CLI's exit code means."""
    report = await heavy(request, audit_body, await request.body(), "<request>", Trace.signing_key())
    return JSONResponse({"exit_code": 0 if report.ok else 1, **report.to_dict()})


async def batch_endpoint(request: Request) -> Response:
    """``POST /api/v1/batch``: JSON Lines (or CSV with ``Content-Type: text/csv``) in, JSON Lines out, streamed.

    Each output line is the record ``sellerexpert batch`` writes, in input order;
    a bad row becomes an error record and the others go on.
    """
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    input_format = "csv" if media in ("text/csv", "application/csv") else "jsonl"
    ctx = context(request)
    deadline = time.monotonic() + ctx.settings.time_limit
    most = ctx.settings.max_batch_rows
    # The body limit is enforced as it streams in (BodyLimit); rows then stream out as they are consulted.
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
    reader = RowReader(io.BytesIO(bytes(body)), source="<request>", format=input_format)
    with reader:
        # Read one row past the most, so a batch that is too long is refused before any work is done.
        rows = await run_in_threadpool(lambda: list(itertools.islice(reader, most + 1)))
    if len(rows) > most:
        raise HTTPException(413, f"the batch has more than {most} rows, the most this server consults in one request: split it")
    outcomes = consult_rows(rows, advisor=ctx.advisor, source="<request>")

    async def lines() -> AsyncIterator[bytes]:
        done = 0
        async for outcome in iterate_in_threadpool(outcomes):
            yield (json.dumps(outcome.record, ensure_ascii=False) + "\n").encode()
            done += 1
            if done < len(rows) and time.monotonic() > deadline:
                # The answer has started (200), so the limit is told in a last record, after the rows done.
                message = (
                    f"stopped after {done} of {len(rows)} rows: this server gives one request "
                    f"{ctx.settings.time_limit:g} s; send the other rows in another request"
                )
                error = {"status": 503, "type": "time_limit", "message": message, "rows_done": done}
                yield (json.dumps({"error": error}) + "\n").encode()
                return

    return StreamingResponse(lines(), media_type="application/x-ndjson")


async def catalogue_endpoint(request: Request) -> Response:
    """``POST /api/v1/catalogue``: ``{"profile": {...}, "products": [...] or "CSV text"}`` in, the catalogue out
    (``catalogue --format json``), advised in a worker within the time limit; at most ``max_batch_rows`` products."""
    ctx = context(request)
    most = ctx.settings.max_batch_rows
    try:
        text = await heavy(request, catalogue_body, await request.body(), "<request>", most)
    except TooManyProducts:
        raise HTTPException(
            413, f"the catalogue has more than {most} products, the most this server advises in one request: split it"
        ) from None
    return Response(text, media_type="application/json")


async def rules_endpoint(request: Request) -> Response:
    """``GET /api/v1/rules``: every rule in brief (``rules list --format json``)."""
    rules = context(request).advisor.rules
    return JSONResponse([rules.summary(rule.id) for rule in rules.rules])


async def schema_endpoint(request: Request) -> Response:
    """``GET /api/v1/schema/{name}``: the JSON Schema of a profile or a trace (``schema profile|trace``)."""
    name = request.path_params["name"]
    if name not in ("profile", "trace", "rulefile"):
        raise HTTPException(404, f"no schema '{name}' (known: profile, trace, rulefile)")
    return JSONResponse(json_schema(name))


async def healthz_endpoint(request: Request) -> Response:
    """``GET /healthz``: the server is up and its rule book loaded."""
    rules = context(request).advisor.rules
    return JSONResponse({"status": "ok", "version": __version__, "rulebook": rules.fingerprint, "rules": len(rules.rules)})


ROUTES = [
    Route("/api/v1/consult", consult_endpoint, methods=["POST"]),
    Route("/api/v1/explain", explain_endpoint, methods=["POST"]),
    Route("/api/v1/audit", audit_endpoint, methods=["POST"]),
    Route("/api/v1/batch", batch_endpoint, methods=["POST"]),
    Route("/api/v1/catalogue", catalogue_endpoint, methods=["POST"]),
    Route("/api/v1/rules", rules_endpoint, methods=["GET"]),
    Route("/api/v1/schema/{name}", schema_endpoint, methods=["GET"]),
    Route("/healthz", healthz_endpoint, methods=["GET"]),
]
