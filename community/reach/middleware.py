"""Remember where a member first came from (first touch), without ever setting a cookie.

A request whose URL says where it comes from (``utm_source``, ``partner``) is remembered
in the session only when a session already exists or the visitor is logged in: anonymous
visitors without a session get no cookie from us.

The middleware also makes the request being served available to the funnel
(``current_request``), so that a journey step sent by an action that has no request at
hand (``join_community(user, community)``) is still attributed to its source.
"""

from contextvars import ContextVar

from community.reach.funnel import remember_first_touch, source_from_params

current_request: ContextVar = ContextVar("reach_current_request", default=None)


class FirstTouchMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "GET" and ("utm_source" in request.GET or "partner" in request.GET):
            source = source_from_params(request.GET)
            if source:
                remember_first_touch(request, source)
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)
