"""gunicorn settings derived from the machine: ``gunicorn -c gunicorn.conf.py engage.wsgi:app``.

Workers default to 2 x cores + 1 (capped at 12: past that the database, not Python, is the
limit), each with a few threads so a slow client does not hold a whole worker. Every value can
be set from the environment for a machine that knows better.
"""

from __future__ import annotations

import multiprocessing
import os

cores = multiprocessing.cpu_count()
bind = os.environ.get("ENGAGE_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("ENGAGE_WEB_WORKERS", min(2 * cores + 1, 12)))
threads = int(os.environ.get("ENGAGE_WEB_THREADS", 4))
worker_class = "gthread"
timeout = int(os.environ.get("ENGAGE_WEB_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 5000
max_requests_jitter = 500
# Engage writes its own JSON line per request (engage.observability); gunicorn's would repeat it
# with the raw path, which can hold tokens.
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("ENGAGE_FORWARDED_ALLOW_IPS", "127.0.0.1")
