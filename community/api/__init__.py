"""The community layer's part of the open API (``/api/v1/``): personal access tokens as
bearer authentication, public events and communities, and the member endpoints
(``/me/…``: registrations, interests, communities joined). Mounted by ``cms/urls.py``."""
