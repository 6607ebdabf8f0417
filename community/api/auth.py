"""``Authorization: Bearer <personal access token>`` for the API's member endpoints."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer

from community.actions.tokens import authenticate_access_token
from community.models import AccessToken


class TokenAuth(HttpBearer):
    """A member's active token; ``write=True`` also requires the write scope (else 403)."""

    def __init__(self, *, write: bool = False) -> None:
        super().__init__()
        self.write = write

    def authenticate(self, request: HttpRequest, token: str) -> AccessToken | None:
        found = authenticate_access_token(token.strip())
        if found is None:
            return None  # ninja answers 401 (cms/api/site.py: problem details)
        if self.write and not found.can_write:
            raise AuthorizationError(
                message=_(
                    "This token is read only: create a token with the write scope to "
                    "change your data."
                )
            )
        return found


read_token = TokenAuth()
write_token = TokenAuth(write=True)


def member(request: HttpRequest):
    """The owner of the request's token: every member endpoint reads this member only."""
    return request.auth.user
