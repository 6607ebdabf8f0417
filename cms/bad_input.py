"""A 400 instead of a 500 when Wagtail's admin views pass a bad id to the database.

The site's own views parse ids first (cms/params.py). Some of Wagtail's admin views (the
choosers' ``chosen`` URLs, ``chosen-multiple?id=…``) hand URL or query values straight to
the ORM, which fails on a word (``ValueError: Field 'id' expected a number``) or on a
number past the database's integers (SQLite ``OverflowError``, PostgreSQL ``bigint out of
range``). Under the admin's URLs only, exactly these errors become a 400 that says so;
any other exception is left alone.
"""

from __future__ import annotations

import re

from django.db import DataError
from django.shortcuts import render
from django.utils.translation import gettext as _

from cms.content_policy import admin_paths

_FIELD_CONVERSION = re.compile(r"^Field '[\w ]+' expected a number but got ")
_PG_BAD_NUMBER = {"22003", "22P02"}  # numeric_value_out_of_range, invalid_text_representation


def is_bad_id_error(exception: BaseException) -> bool:
    if isinstance(exception, OverflowError):
        return True
    if isinstance(exception, (ValueError, TypeError)) and _FIELD_CONVERSION.match(str(exception)):
        return True
    if isinstance(exception, DataError):
        return getattr(exception.__cause__, "sqlstate", None) in _PG_BAD_NUMBER
    return False


class AdminBadInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path_info.startswith(admin_paths()) and is_bad_id_error(exception):
            return render(
                request,
                "400.html",
                {"reason": _("This address holds an identifier that does not exist.")},
                status=400,
            )
        return None
