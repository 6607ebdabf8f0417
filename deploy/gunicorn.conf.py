"""gunicorn settings of the web process of ``make serve`` (deploy/Procfile).

gunicorn is the supervisor: it forks WEB_CONCURRENCY uvicorn workers sharing one listening
socket on HOST:PORT, replaces a worker that dies or stops answering, and stops them all on
SIGINT/SIGTERM. Each worker runs the whole ASGI site (HTTP and websockets, cms/asgi.py).
"""

import os

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
