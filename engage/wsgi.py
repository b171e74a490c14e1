"""The WSGI entry point for gunicorn: ``gunicorn engage.wsgi:app``."""

from engage import create_app

app = create_app()
