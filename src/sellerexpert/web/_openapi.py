"""The OpenAPI 3.1 document at ``/openapi.json``.

Written out rather than generated: the request and response bodies are the
JSON Schemas the package already publishes (``schema profile``, ``schema
trace``), referenced by URL, so the profile's shape has one description, the
field table, and not a second one in framework models.
"""

from __future__ import annotations

from typing import Any

from .._version import __version__

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "type", "message"],
            "properties": {
                "status": {"type": "integer"},
                "type": {
                    "type": "string",
                    "description": "profile, trace, too_large, unauthorized, forbidden, bad_host, not_found, bad_request, "
                    "time_limit, unavailable, engine, internal",
                },
                "message": {
                    "type": "string",
                    "description": "one line naming the field or JSON path at fault and what is allowed",
                },
                "field": {"type": ["string", "null"], "description": "the profile field, or the trace's JSON path, at fault"},
                "value": {"description": "the offending value (profile errors)"},
                "allowed": {"description": "what the field accepts: a list of values or a description (profile errors)"},
                "suggestion": {
                    "type": ["string", "null"],
                    "description": "the close known name it probably meant (profile errors)",
                },
                "line": {"type": ["integer", "null"], "description": "the line of the body at fault, when known"},
                "exit_code": {"type": "integer", "description": "for trace errors: 2, what `sellerexpert audit` exits with"},
                "limit": {"type": "integer", "description": "for too_large: the endpoint's body limit in bytes"},
                "limit_seconds": {"type": "number", "description": "for time_limit: the seconds a request may work"},
            },
        }
    },
}

_PROFILE = {"$ref": "/api/v1/schema/profile"}
_TRACE = {"$ref": "/api/v1/schema/trace"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    words = {
        400: "the Host header names a host this server does not answer to (start it with --allowed-host)",
        401: "the API key is missing or wrong",
        403: "the API is served beyond loopback without a key",
        413: "the body is over the limit (bytes, or rows for a batch)",
        422: "the body cannot be used: the error names the field and what it allows",
        503: "the work ran past the server's time limit (--time-limit) and was stopped",
    }
    return {str(code): _json({"$ref": "#/components/schemas/Error"}, words[code]) for code in codes}


def _flag(name: str, description: str, default: bool) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "boolean", "default": default},
    }


def openapi_document(*, key_required: bool, limits: dict[str, int]) -> dict[str, Any]:
    """The OpenAPI document; ``key_required`` marks every ``/api/v1`` operation as needing the bearer key."""
    security: list[dict[str, list[str]]] = [{"bearer": []}] if key_required else []
    guarded = (400, 401, 403, 413, 422)
    timed = (*guarded, 503)
    reads = _errors(400, 401, 403)

    def op(summary: str, **fields: Any) -> dict[str, Any]:
        return {"summary": summary, "security": security, **fields}

    paths: dict[str, Any] = {
        "/api/v1/consult": {
            "post": op(
                "Advise one seller (what `sellerexpert consult --format json` prints)",
                parameters=[
                    _flag("trace", "add the trace (signed when SELLEREXPERT_TRACE_KEY is set) under `trace`", False),
                    _flag("explain", "add the explanation (`sellerexpert explain --format json`) under `explanation`", False),
                ],
                requestBody={
                    "required": True,
                    "description": f"a profile, at most {limits['profile']} bytes",
                    "content": {"application/json": {"schema": _PROFILE}},
                },
                responses={
                    "200": _json({"type": "object", "description": "the result: profile, recommendations, best"}, "the advice"),
                    **_errors(*timed),
                },
            )
        },
        "/api/v1/explain": {
            "post": op(
                "Explain a trace: how each recommendation was derived, and why not the other model",
                parameters=[_flag("why_not", "search for the smallest change that flips each recommendation", True)],
                requestBody={
                    "required": True,
                    "description": f"a trace, at most {limits['trace']} bytes",
                    "content": {"application/json": {"schema": _TRACE}},
                },
                responses={"200": _json({"type": "object"}, "the explanation (`explain --format json`)"), **_errors(*timed)},
            )
        },
        "/api/v1/audit": {
            "post": op(
                "Audit a trace: replay it on today's rules (`sellerexpert audit`)",
                requestBody={
                    "required": True,
                    "description": f"a trace, at most {limits['trace']} bytes",
                    "content": {"application/json": {"schema": _TRACE}},
                },
                responses={
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["exit_code", "ok"],
                            "properties": {
                                "exit_code": {
                                    "type": "integer",
                                    "enum": [0, 1],
                                    "description": "0: reproduces; 1: does not (the CLI's exit code)",
                                },
                                "ok": {"type": "boolean"},
                                "reproduced": {"type": "boolean"},
                                "signature": {"type": "string"},
                                "findings": {"type": "array"},
                                "rule_changes": {"type": "array"},
                            },
                        },
                        "the verdict",
                    ),
                    **_errors(*timed),
                },
            )
        },
        "/api/v1/batch": {
            "post": op(
                "Advise many sellers: JSON Lines (or CSV with Content-Type text/csv) in, JSON Lines out, streamed in input order",
                requestBody={
                    "required": True,
                    "description": f"one profile per line, at most {limits['batch']} bytes (counted as it streams in) "
                    f"and {limits['batch_rows']} rows",
                    "content": {
                        "application/x-ndjson": {"schema": {"type": "string"}},
                        "text/csv": {"schema": {"type": "string"}},
                    },
                },
                responses={
                    "200": {
                        "description": "one record per input row: {row, status: ok, "
                        "profile, recommendations, best} or {row, status: error, error}; when the time limit "
                        "stops the batch, a last record {error: {status: 503, type: time_limit, message, rows_done}}",
                        "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
                    },
                    **_errors(*guarded),
                },
            )
        },
        "/api/v1/catalogue": {
            "post": op(
                "Advise each product of a catalogue: its route per platform and market, what it leaves, and the split",
                requestBody={
                    "required": True,
                    "description": "{profile: the company profile, products: a list of product objects (sku, unit_cost, "
                    f"full_price, semi_price, weight_class, category, monthly_units...) or the text of a CSV product list}}, "
                    f"at most {limits['batch']} bytes and {limits['batch_rows']} products",
                    "content": {"application/json": {"schema": {"type": "object", "required": ["products"]}}},
                },
                responses={
                    "200": _json(
                        {"type": "object", "required": ["products", "split", "errors"]},
                        "the catalogue (`catalogue --format json`); a product that cannot be advised is in errors",
                    ),
                    **_errors(*timed),
                },
            )
        },
        "/api/v1/rules": {
            "get": op(
                "List every rule: id, statement, sources, what it concludes",
                responses={"200": _json({"type": "array"}, "the rules"), **reads},
            )
        },
        "/api/v1/schema/profile": {
            "get": op(
                "The JSON Schema of a profile", responses={"200": _json({"type": "object"}, "a JSON Schema"), **reads}
            )
        },
        "/api/v1/schema/trace": {
            "get": op(
                "The JSON Schema of a trace", responses={"200": _json({"type": "object"}, "a JSON Schema"), **reads}
            )
        },
        "/healthz": {
            "get": {
                "summary": "The server is up and its rule book loaded",
                "security": [],
                "responses": {"200": _json({"type": "object"}, "status, version, rulebook fingerprint, rule count")},
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "sellerexpert",
            "version": __version__,
            "description": "Explained advice for cross-border sellers: "
            "fully-managed or semi-managed on Temu, AliExpress and TikTok Shop.",
        },
        "paths": paths,
        "components": {
            "schemas": {"Error": _ERROR},
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "the key given to `sellerexpert serve --api-key` or SELLEREXPERT_API_KEY; "
                    "with a key set, the pages take it too (HTTP Basic: any user name, the key as the password); "
                    "only /healthz, /openapi.json and /static/ are open",
                }
            },
        },
    }
