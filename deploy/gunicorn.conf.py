"""gunicorn settings of the web process of ``make serve`` (deploy/Procfile).

gunicorn is the supervisor: it forks WEB_CONCURRENCY uvicorn workers sharing one listening
socket on HOST:PORT, replaces a worker that dies or stops answering, and stops them all on
SIGINT/SIGTERM. Each worker runs the whole ASGI site (HTTP and websockets, cms/asgi.py).
"""

import gc
import os
import shutil
import tempfile
from pathlib import Path

# Prometheus metrics of every worker (cms/observability/metrics.py): each worker writes its
# counts to files in this directory, the worker answering a scrape adds them all up. Set
# for the web process only (the task workers and commands keep theirs in memory), before
# the application is loaded so that prometheus-client reads it, and emptied now (counts of
# a previous run would add up); a dead worker's gauge files are dropped (child_exit).
METRICS_DIR = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="affinites-metrics-")
)
shutil.rmtree(METRICS_DIR, ignore_errors=True)
Path(METRICS_DIR).mkdir(parents=True)

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "cms.serving.worker.UvicornWorker"
# Django is loaded once in the master, before forking: workers start (and are replaced) in a
# fraction of a second, and share the loaded code's memory.
preload_app = True
# A worker that has not reported for this long (its event loop is stuck) is killed and
# replaced; on shutdown, requests in flight get this long to finish.
timeout = 60
graceful_timeout = 10
keepalive = 5
# Only the proxy on this machine may say which scheme and client a request came from.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# No access log by default (it costs CPU at every request); ACCESS_LOG=- prints it.
accesslog = os.environ.get("ACCESS_LOG") or None
errorlog = "-"
# No control socket in $HOME (gunicorn >= 25 opens one by default).
control_socket_disable = True


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def when_ready(server):
    """Once the application is loaded, before the workers are forked: the objects loaded so
    far (Django, Wagtail, the site's code and templates, about 250,000) live as long as the
    process, so the garbage collector stops scanning them. A full collection otherwise
    walked them all several times a second under load (a quarter of a search page's CPU
    time), and the workers keep sharing that memory with the master instead of copying it."""
    gc.freeze()
