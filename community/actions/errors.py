"""The one refusal raised by actions and endpoints when a request may not be carried out."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass


@dataclass
class Refused(Exception):
    """Something this person or site may not do (now).

    `message` says why, in French, to the person; `code` names the reason for programs (the
    views, the questionnaire widget); `status` is the HTTP status a view answers with;
    `retry_after` (seconds) goes into a ``Retry-After`` header when a rate limit refused.
    """

    message: str
    _: KW_ONLY
    code: str = "forbidden"
    status: int = 403
    retry_after: int | None = None

    def __post_init__(self):
        super().__init__(self.message)
