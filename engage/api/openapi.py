"""The OpenAPI 3.1 description of the reporting API, written by hand so it reads as documentation.

tests/test_api.py checks it against the blueprint's routes both ways, so it cannot drift.
"""

from __future__ import annotations

from typing import Any

COUNT = {
    "type": ["integer", "null"],
    "minimum": 0,
    "description": "null when suppressed (see the response's 'suppression').",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _envelope(data: dict[str, Any], filters: bool = True) -> dict[str, Any]:
    properties: dict[str, Any] = {"data": data, "suppression": _ref("Suppression")}
    if filters:
        properties["filters"] = _ref("Filters")
    return {
        "type": "object",
        "required": ["data", "suppression"],
        "properties": properties,
    }


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "200": {
            "description": description,
            "content": {"application/json": {"schema": schema}},
        },
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorised"},
        "429": {"$ref": "#/components/responses/TooManyRequests"},
    }


def _with_404(responses: dict[str, Any]) -> dict[str, Any]:
    return {**responses, "404": {"$ref": "#/components/responses/NotFound"}}


FILTER_PARAMETERS = [
    {"$ref": "#/components/parameters/survey_id"},
    {"$ref": "#/components/parameters/from"},
    {"$ref": "#/components/parameters/to"},
    {"$ref": "#/components/parameters/place_id"},
    {"$ref": "#/components/parameters/period"},
]
YEAR = {
    "name": "year",
    "in": "query",
    "required": False,
    "description": "Only intentions of this plan year, e.g. 2026-27.",
    "schema": {"type": "string"},
}


def _id(name: str, what: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": f"The {what}'s id.",
        "schema": {"type": "integer", "minimum": 1},
    }


def build_spec(server_url: str) -> dict[str, Any]:
    """The whole description; ``server_url`` is where ``/api`` is served."""
    table = _ref("Table")
    report = {
        "counts": _ref("Counts"),
        "trend": {
            "allOf": [table],
            "properties": {"period": {"type": "string", "enum": ["month", "quarter"]}},
        },
        "breakdowns": _ref("Breakdowns"),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Engage reporting API",
            "version": "1.0.0",
            "summary": "Read-only themes, commissioning intentions, counts and responses.",
            "description": (
                "What residents told NHS Lancashire and South Cumbria ICB, as counts by theme and "
                "commissioning intention, and the ICB's published 'you said, we did' responses. "
                "Counts under the small-number threshold are null, and further counts are null "
                "where a hidden one could otherwise be worked out from a total. No comment text "
                "or personal data is ever returned. Ask an administrator for a token."
            ),
        },
        "servers": [{"url": server_url}],
        "security": [{"bearerToken": []}],
        "paths": {
            "/v1/intentions": {
                "get": {
                    "operationId": "listIntentions",
                    "summary": "Commissioning intentions with their counts",
                    "parameters": [YEAR, *FILTER_PARAMETERS],
                    "responses": _ok(
                        "Live intentions, newest plan first, in the plans' order.",
                        _envelope({"type": "array", "items": _ref("IntentionRow")}),
                    ),
                }
            },
            "/v1/intentions/{intention_id}": {
                "get": {
                    "operationId": "showIntention",
                    "summary": "One intention: counts, trend, breakdowns and linked themes",
                    "parameters": [_id("intention_id", "intention"), *FILTER_PARAMETERS],
                    "responses": _with_404(
                        _ok("The intention's report.", _envelope(_ref("IntentionReport")))
                    ),
                }
            },
            "/v1/themes": {
                "get": {
                    "operationId": "listThemes",
                    "summary": "Themes with their counts",
                    "parameters": FILTER_PARAMETERS,
                    "responses": _ok(
                        "Themes, largest first; suppressed ones together by name.",
                        _envelope({"type": "array", "items": _ref("ThemeRow")}),
                    ),
                }
            },
            "/v1/themes/{theme_id}": {
                "get": {
                    "operationId": "showTheme",
                    "summary": "One theme: counts, trend, breakdowns and linked intentions",
                    "parameters": [_id("theme_id", "theme"), *FILTER_PARAMETERS],
                    "responses": _with_404(
                        _ok("The theme's report.", _envelope(_ref("ThemeReport")))
                    ),
                }
            },
            "/v1/counts": {
                "get": {
                    "operationId": "counts",
                    "summary": "Counts per theme and per intention, with breakdowns",
                    "description": "Breakdowns are given wherever the counts themselves are shown.",
                    "parameters": [YEAR, *FILTER_PARAMETERS],
                    "responses": _ok(
                        "Every theme and intention.",
                        _envelope(
                            {
                                "type": "object",
                                "required": ["themes", "intentions"],
                                "properties": {
                                    "themes": {"type": "array", "items": _ref("CountRow")},
                                    "intentions": {"type": "array", "items": _ref("CountRow")},
                                },
                            }
                        ),
                    ),
                }
            },
            "/v1/you-said-we-did": {
                "get": {
                    "operationId": "listResponses",
                    "summary": "Published 'you said, we did' responses",
                    "responses": _ok(
                        "Published responses, newest first.",
                        _envelope({"type": "array", "items": _ref("YouSaidWeDid")}, filters=False),
                    ),
                }
            },
            **_survey_paths(),
            "/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This description",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1 document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        "429": {"$ref": "#/components/responses/TooManyRequests"},
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token an administrator issued: 'Authorization: Bearer ...'.",
                }
            },
            "parameters": {
                "survey_id": {
                    "name": "survey_id",
                    "in": "query",
                    "required": False,
                    "description": "Only comments from this survey.",
                    "schema": {"type": "integer"},
                },
                "from": {
                    "name": "from",
                    "in": "query",
                    "required": False,
                    "description": "Only comments received on or after this date.",
                    "schema": {"type": "string", "format": "date"},
                },
                "to": {
                    "name": "to",
                    "in": "query",
                    "required": False,
                    "description": "Only comments received on or before this date.",
                    "schema": {"type": "string", "format": "date"},
                },
                "place_id": {
                    "name": "place_id",
                    "in": "query",
                    "required": False,
                    "description": "Only comments from this place and the places within it.",
                    "schema": {"type": "integer"},
                },
                "channel": {
                    "name": "channel",
                    "in": "query",
                    "required": False,
                    "description": (
                        "Only responses that came this way: public (the survey's public link), "
                        "panel or ppg (a personal link to a Citizens' Panel or PPG survey), or "
                        "invitation (a personal link to a public survey)."
                    ),
                    "schema": {"type": "string", "enum": ["public", "panel", "ppg", "invitation"]},
                },
                "period": {
                    "name": "period",
                    "in": "query",
                    "required": False,
                    "description": "Trend by month (default) or calendar quarter.",
                    "schema": {"type": "string", "enum": ["month", "quarter"]},
                },
            },
            "responses": {
                name: {
                    "description": description,
                    "content": {"application/json": {"schema": _ref("Error")}},
                }
                for name, description in (
                    ("BadRequest", "A query parameter is wrong; the message says which."),
                    ("Unauthorised", "No token, or a wrong, expired or revoked one."),
                    ("NotFound", "There is nothing with that id."),
                    ("TooManyRequests", "Too many requests; wait, then try again."),
                )
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["status", "title", "message"],
                            "properties": {
                                "status": {"type": "integer"},
                                "title": {"type": "string"},
                                "message": {"type": ["string", "null"]},
                            },
                        }
                    },
                },
                "Suppression": {
                    "type": "object",
                    "required": ["threshold", "note"],
                    "properties": {
                        "threshold": {"type": "integer"},
                        "note": {"type": "string"},
                    },
                },
                "Filters": {
                    "type": "object",
                    "properties": {
                        "survey_id": {"type": ["integer", "null"]},
                        "from": {"type": ["string", "null"], "format": "date"},
                        "to": {"type": ["string", "null"], "format": "date"},
                        "place_id": {"type": ["integer", "null"]},
                        "period": {"type": "string"},
                    },
                },
                "Counts": {
                    "type": "object",
                    "required": ["comments", "respondents"],
                    "properties": {"comments": COUNT, "respondents": COUNT},
                },
                "Table": {
                    "type": "object",
                    "required": ["total", "groups"],
                    "properties": {
                        "total": COUNT,
                        "groups": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["label", "count"],
                                "properties": {"label": {"type": "string"}, "count": COUNT},
                            },
                        },
                    },
                },
                "Breakdowns": {
                    "type": "object",
                    "description": "Respondents by place, age, sex, ethnic group, deprivation.",
                    "additionalProperties": {
                        "allOf": [table],
                        "properties": {"label": {"type": "string"}},
                    },
                },
                "IntentionRow": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "title": {"type": "string"},
                        "domain": {"type": "string"},
                        "year": {"type": "string"},
                        "kind": {"type": "string"},
                        "confirmed_themes": {"type": "integer"},
                        "counts": _ref("Counts"),
                        "url": {"type": "string", "format": "uri"},
                    },
                },
                "ThemeRow": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "confirmed_intentions": {"type": "integer"},
                        "counts": _ref("Counts"),
                        "url": {"type": "string", "format": "uri"},
                    },
                },
                "CountRow": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "title": {"type": "string"},
                        "counts": _ref("Counts"),
                        "breakdowns": {"oneOf": [_ref("Breakdowns"), {"type": "null"}]},
                    },
                },
                "IntentionReport": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "title": {"type": "string"},
                        "text": {"type": "string"},
                        "domain": {"type": "string"},
                        "year": {"type": "string"},
                        "kind": {"type": "string"},
                        **report,
                        "themes": {
                            "type": "array",
                            "description": "Confirmed themes, comments per theme.",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "id": {"type": "integer"},
                                    "name": {"type": "string"},
                                    "comments": COUNT,
                                },
                            },
                        },
                        "themes_total": COUNT,
                        "suggested_themes": {
                            "type": "array",
                            "description": "Links awaiting review: named, never counted.",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "id": {"type": "integer"},
                                    "name": {"type": "string"},
                                },
                            },
                        },
                    },
                },
                "ThemeReport": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "description": {"type": "string"},
                        **report,
                        "intentions": {"type": "array", "items": {"type": "object"}},
                        "suggested_intentions": {"type": "array", "items": {"type": "object"}},
                    },
                },
                **_survey_schemas(),
                "YouSaidWeDid": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "theme": {"type": ["object", "null"]},
                        "intention": {"type": ["object", "null"]},
                        "you_said": {"type": "string"},
                        "we_did": {"type": "string"},
                        "status": {
                            "type": "string",
                            "enum": ["considering", "acting", "done", "not_possible"],
                        },
                        "status_label": {"type": "string"},
                        "reason": {"type": ["string", "null"]},
                        "published_at": {"type": "string", "format": "date-time"},
                        "updated_at": {"type": ["string", "null"], "format": "date-time"},
                        "url": {"type": "string", "format": "uri"},
                    },
                },
            },
        },
    }


RESULTS_PARAMETERS = [
    {"$ref": "#/components/parameters/from"},
    {"$ref": "#/components/parameters/to"},
    {"$ref": "#/components/parameters/place_id"},
    {"$ref": "#/components/parameters/channel"},
]
PERCENT = {
    "type": ["number", "null"],
    "description": "null when a count it rests on is suppressed.",
}


def _survey_paths() -> dict[str, Any]:
    return {
        "/v1/surveys": {
            "get": {
                "operationId": "listSurveys",
                "summary": "Published surveys with their responses",
                "responses": _ok(
                    "Every survey but drafts, newest first.",
                    _envelope({"type": "array", "items": _ref("SurveyRow")}, filters=False),
                ),
            }
        },
        "/v1/surveys/{survey_id}/results": {
            "get": {
                "operationId": "surveyResults",
                "summary": "A survey's results, question by question, as its results page shows",
                "description": (
                    "Dates are when responses were sent. Percentages are of the people routing "
                    "showed each question to. No answer in a person's own words is returned."
                ),
                "parameters": [_id("survey_id", "survey"), *RESULTS_PARAMETERS],
                "responses": _with_404(
                    _ok("The survey's results.", _envelope(_ref("SurveyResults")))
                ),
            }
        },
        "/v1/fft": {
            "get": {
                "operationId": "fftScore",
                "summary": "The Friends and Family Test score, by month, place and service",
                "description": (
                    "Positive is very good or good, negative poor or very poor, as whole "
                    "percentages of all responses (don't know included). Without survey_id it "
                    "counts every survey's FFT answers and imported feedback that carries a rating."
                ),
                "parameters": [
                    {**_id("survey_id", "survey"), "in": "query", "required": False},
                    *RESULTS_PARAMETERS,
                ],
                "responses": _with_404(_ok("The score.", _envelope(_ref("FftSummary")))),
            }
        },
    }


def _survey_schemas() -> dict[str, Any]:
    fft_row = {
        "type": "object",
        "required": ["label", "responses", "positive_percent", "negative_percent"],
        "properties": {
            "label": {"type": "string"},
            "responses": COUNT,
            "positive": COUNT,
            "negative": COUNT,
            "positive_percent": {"type": ["integer", "null"]},
            "negative_percent": {"type": ["integer", "null"]},
        },
    }
    share = {
        "type": ["object", "null"],
        "properties": {
            "labels": {"type": "array", "items": {"type": "string"}},
            "percent": PERCENT,
        },
    }
    stat = {"type": ["number", "string", "null"], "description": "A date is ISO 8601."}
    return {
        "SurveyRow": {
            "type": "object",
            "required": ["id", "title", "status", "responses"],
            "properties": {
                "id": {"type": "integer"},
                "title": {"type": "string"},
                "status": {"type": "string", "enum": ["open", "closed"]},
                "audience": {"type": "string", "enum": ["public", "panel", "ppg"]},
                "opens_on": {"type": ["string", "null"], "format": "date"},
                "closes_on": {"type": ["string", "null"], "format": "date"},
                "responses": COUNT,
                "intentions": {"type": "array", "items": {"type": "integer"}},
            },
        },
        "QuestionResult": {
            "type": "object",
            "required": ["id", "kind", "text", "shown", "answered", "not_answered", "options"],
            "properties": {
                "id": {"type": "integer"},
                "key": {"type": "string"},
                "kind": {"type": "string"},
                "text": {"type": "string"},
                "section": {"type": "string"},
                "routed": {"type": "boolean"},
                "shown": COUNT,
                "answered": COUNT,
                "not_answered": COUNT,
                "multiple": {"type": "boolean"},
                "options": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["label", "count", "percent"],
                        "properties": {
                            "label": {"type": "string"},
                            "count": COUNT,
                            "percent": PERCENT,
                        },
                    },
                },
                "top_two": share,
                "bottom_two": share,
                "stats": {
                    "type": ["object", "null"],
                    "properties": {
                        "answered": COUNT,
                        "median": stat,
                        "lower_quartile": stat,
                        "upper_quartile": stat,
                        "histogram": _ref("Table"),
                    },
                },
                "themes": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "integer"},
                            "name": {"type": "string"},
                            "comments": COUNT,
                        },
                    },
                },
                "groups": {"type": "array", "items": _ref("Table")},
            },
        },
        "SurveyResults": {
            "type": "object",
            "required": ["id", "title", "responses", "questions"],
            "properties": {
                "id": {"type": "integer"},
                "title": {"type": "string"},
                "status": {"type": "string"},
                "responses": COUNT,
                "versions": {"type": "array", "items": {"type": "integer"}},
                "questions": {
                    "type": "array",
                    "description": "Empty when fewer people responded than the threshold.",
                    "items": _ref("QuestionResult"),
                },
                "fft": {"oneOf": [_ref("FftSummary"), {"type": "null"}]},
            },
        },
        "FftRow": fft_row,
        "FftSummary": {
            "type": "object",
            "required": ["overall", "by_month", "by_place", "by_service"],
            "properties": {
                "overall": _ref("FftRow"),
                "by_month": {"type": "array", "items": _ref("FftRow")},
                "by_place": {"type": "array", "items": _ref("FftRow")},
                "by_service": {"type": "array", "items": _ref("FftRow")},
                "sources": {"type": "array", "items": {"type": "string"}},
            },
        },
    }
