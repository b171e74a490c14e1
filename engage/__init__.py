"""Engage: citizen engagement and insight for an NHS Integrated Care Board."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import KeysView, MutableMapping
from pathlib import Path
from typing import Any

from flask import Flask, templating
from jinja2 import ChainableUndefined, ChoiceLoader, FileSystemLoader, PackageLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from engage.config import PROJECT_ROOT, EnvSettings

__all__ = ["create_app"]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application from the environment, with ``test_config`` applied last."""
    settings = EnvSettings.from_environ()
    if not (test_config or {}).get("TESTING"):
        settings.check()
    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        static_folder=str(PROJECT_ROOT / "static"),
        # nhsuk-frontend's stylesheet refers to /assets/images/..., so our static lives there.
        static_url_path="/assets",
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.from_mapping(settings.to_flask())
    if test_config:
        app.config.from_mapping(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if hops := int(app.config.get("ENGAGE_PROXY_HOPS") or 0):
        # The client's address and scheme as the proxies saw them: rate limits are per
        # address, and url_for(_external=True) must say https.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    _configure_jinja(app)

    from engage import errors, extensions, i18n, observability, security, ui
    from engage.auth import setup_login

    extensions.db.init_app(app)
    _configure_sqlite(app)
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    setup_login(app)
    security.init_app(app)
    ui.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    observability.init_app(app)

    from engage.admin.routes import bp as admin_bp
    from engage.analysis.routes import bp as analysis_bp
    from engage.api.routes import bp as api_bp
    from engage.auth.routes import bp as auth_bp
    from engage.builder.routes import bp as builder_bp
    from engage.imports.routes import bp as imports_bp
    from engage.insight.routes import bp as insight_bp
    from engage.language.routes import bp as language_bp
    from engage.moderation.routes import bp as moderation_bp
    from engage.panel.routes import bp as panel_bp
    from engage.reports.routes import bp as reports_bp
    from engage.results.routes import bp as results_bp
    from engage.survey.routes import bp as survey_bp
    from engage.yousaid.routes import bp as yousaid_bp

    app.register_blueprint(survey_bp)
    app.register_blueprint(panel_bp)
    app.register_blueprint(builder_bp, url_prefix="/staff/surveys")
    app.register_blueprint(results_bp, url_prefix="/staff/surveys")
    app.register_blueprint(auth_bp, url_prefix="/staff")
    app.register_blueprint(admin_bp, url_prefix="/staff/admin")
    app.register_blueprint(insight_bp, url_prefix="/staff/insight")
    app.register_blueprint(reports_bp, url_prefix="/staff/reports")
    app.register_blueprint(moderation_bp, url_prefix="/staff/moderation")
    app.register_blueprint(language_bp, url_prefix="/staff/comments")
    app.register_blueprint(imports_bp, url_prefix="/staff/imports")
    app.register_blueprint(analysis_bp, url_prefix="/staff/analysis")
    app.register_blueprint(yousaid_bp, url_prefix="/you-said-we-did")
    app.register_blueprint(api_bp, url_prefix="/api")

    from engage import cli

    cli.init_app(app)

    from engage.services import audit

    audit.init_app(app)
    return app


class _TemplateGlobals(ChainMap[str, Any]):
    """A template's globals whose ``keys()`` is a plain dict's view.

    Jinja subtracts a template's global names from the page's on every ``{% from ... import %}``
    (about a dozen a page); through ChainMap's own keys view that is a Python-level lookup per
    name in each map, some 5% of a page's CPU. The names and values are the same.
    """

    def keys(self) -> KeysView[str]:  # type: ignore[override]
        merged: dict[str, Any] = {}
        for mapping in reversed(self.maps):
            merged.update(mapping)
        return merged.keys()


class _Environment(templating.Environment):
    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return _TemplateGlobals({} if d is None else d, self.globals)


def _configure_jinja(app: Flask) -> None:
    assert "jinja_env" not in app.__dict__, (
        "the Jinja environment was made before its class was set"
    )
    app.jinja_environment = _Environment
    # nhsuk-frontend-jinja relies on ChainableUndefined for optional nested params, and its
    # templates end in .jinja, which Flask does not autoescape unless told to.
    app.jinja_env.undefined = ChainableUndefined
    app.jinja_env.autoescape = True
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(PROJECT_ROOT / "templates")),
            PackageLoader("nhsuk_frontend_jinja", "templates"),
        ]
    )


def _configure_sqlite(app: Flask) -> None:
    """Make SQLite safe under several gunicorn workers: WAL, a busy timeout, BEGIN IMMEDIATE."""
    from sqlalchemy import event

    from engage.extensions import db

    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "sqlite":
            return

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, decide when a transaction begins.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            # Take the write lock up front: deferred BEGIN loses writes under concurrency.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
