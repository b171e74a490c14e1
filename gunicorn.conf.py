"""gunicorn settings derived from the machine: ``gunicorn -c gunicorn.conf.py engage.wsgi:app``.

Why these numbers: a resident's page costs Engage about 7 ms of Python CPU and under 2 ms of
waiting on PostgreSQL, so the work is CPU-bound and the GIL lets one process use one core. One
worker per core, plus one to use the time others wait on the database, keeps every core busy;
two threads per worker overlap a request's database waits without the GIL hand-offs that more
threads cost. gthread keeps idle keep-alive connections in a selector, so a slow or idle client
does not hold a thread. The old default (2 x cores + 1 workers x 4 threads, 20 request slots on
2 cores) only added context switches and GIL contention: on a shared, busy 2-core machine
bench/load.py measured 10.4 ms of gunicorn CPU per request with 5 x 4, 9.9 with 3 x 2 and 8.8
with 2 x 2 (runs there move by about 10%). Not 2 x 2: one slow staff report must not halve
what residents get.
Every value can be set from the environment for a machine that knows better.
"""

from __future__ import annotations

import multiprocessing
import os

cores = multiprocessing.cpu_count()
bind = os.environ.get("ENGAGE_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("ENGAGE_WEB_WORKERS", min(cores + 1, 12)))
threads = int(os.environ.get("ENGAGE_WEB_THREADS", 2))
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
