"""The gunicorn worker class of ``make serve``: uvicorn, serving HTTP and websockets."""

from uvicorn_worker import UvicornWorker as BaseUvicornWorker


class UvicornWorker(BaseUvicornWorker):
    # The site has no startup or shutdown hooks: without "lifespan" off, uvicorn tries it,
    # and Channels' router answers with an error that uvicorn logs on every start.
    CONFIG_KWARGS = {**BaseUvicornWorker.CONFIG_KWARGS, "lifespan": "off"}
