"""Watching the site in production: health endpoints for the proxy and orchestrators,
Prometheus metrics, request ids carried from a request into the tasks it enqueues, and the
JSON log format (docs/operations.md)."""
