"""gunicorn settings derived from the machine: ``gunicorn -c gunicorn.conf.py engage.wsgi:app``.

Why these numbers: a resident's page costs Engage about 3 ms of Python CPU and well under that
waiting on PostgreSQL, so the work is CPU-bound and the GIL lets one process use one core. One
worker per core keeps every core busy; two threads per worker overlap a request's database waits,
and leave a second slot in each process when a slow staff report holds one. gthread keeps idle
keep-alive connections in a selector, so a slow or idle client does not hold a thread. More
processes than cores only add context switches: on 2 cores, in one batch of bench/load.py runs
(20 s each, alternated), 2 x 2 served 50.0 submissions/s with the send's p95 at 213 ms, 2 x 1
48.0 and 215 ms, 3 x 2 45.9 and 319 ms; in a slower batch before it, 4 x 1 gave 33.9 and 482
ms where 2 x 1 gave 41.6 and 224 ms.
Every value can be set from the environment for a machine that knows better.
"""

from __future__ import annotations

import multiprocessing
import os

cores = multiprocessing.cpu_count()
bind = os.environ.get("ENGAGE_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("ENGAGE_WEB_WORKERS", max(2, min(cores, 12))))
threads = int(os.environ.get("ENGAGE_WEB_THREADS", 2))
worker_class = "gthread"
timeout = int(os.environ.get("ENGAGE_WEB_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound, but not so often that
# boots show: at 5,000 a busy 2-core server re-imported the app in each worker every ~25 s, and
# in alternated bench/load.py runs 50,000 gave 55.5 and 49.0 submissions/s where 5,000 gave
# 51.9 and 40.8 (the machine's speed drifts; each pair ran back to back).
max_requests = int(os.environ.get("ENGAGE_WEB_MAX_REQUESTS", 50000))
max_requests_jitter = max_requests // 10
# Engage writes its own JSON line per request (engage.observability); gunicorn's would repeat it
# with the raw path, which can hold tokens.
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("ENGAGE_FORWARDED_ALLOW_IPS", "127.0.0.1")
