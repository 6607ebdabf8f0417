"""The admin upload form of the catalogue import."""

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # the import runs inside the request (~15,000 records)

FORMAT_CHOICES = [
    ("unimarc", _("UNIMARC, ISO 2709 (Koha's usual export)")),
    ("marc21", _("MARC21, ISO 2709")),
    ("marcxml", _("MARCXML (UNIMARC or MARC21)")),
    ("csv", _("CSV (record_id, title, authors…)")),
]


class CatalogueImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("The export from the library system."),
    )
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, initial="unimarc")
    prune = forms.BooleanField(
        label=_("Withdraw the items that are not in this file"),
        required=False,
        help_text=_(
            "Only with a complete export: items missing from the file are marked as "
            "withdrawn (they are not deleted, and come back if a later file has them)."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("This file is too large (%(size)s); the limit is %(limit)s."),
                code="too_large",
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(MAX_UPLOAD_BYTES),
                },
            )
        if upload.size == 0:
            raise forms.ValidationError(_("This file is empty."), code="empty")
        return upload
