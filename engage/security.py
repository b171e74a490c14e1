"""Security headers, a strict Content Security Policy with a per-request nonce, and form input
without NUL characters."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, Request, Response, g
from werkzeug.formparser import FormDataParser


class _FormDataWithoutNul(FormDataParser):
    """Drop NUL characters from submitted fields: no person types one, SQLite would keep it, and
    PostgreSQL refuses it in text (a server error instead of the resident's page)."""

    def parse(self, *args: Any, **kwargs: Any) -> Any:
        stream, form, files = super().parse(*args, **kwargs)
        if any("\x00" in k or "\x00" in v for k, v in form.items(multi=True)):
            form = self.cls(
                (k.replace("\x00", ""), v.replace("\x00", "")) for k, v in form.items(multi=True)
            )
        return stream, form, files


class EngageRequest(Request):
    form_data_parser_class = _FormDataWithoutNul


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return str(g.csp_nonce)


def init_app(app: Flask) -> None:
    app.request_class = EngageRequest
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _headers(response: Response) -> Response:
        nonce = g.get("csp_nonce")
        script_src = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; "
            f"script-src {script_src}; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; "
            "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
            "base-uri 'self'; object-src 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        )
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if response.mimetype == "text/html":
            # Pages may show personal data to staff: never keep them in shared caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
