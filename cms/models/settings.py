from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


def validate_opac_template(value: str) -> None:
    if value and "{record_id}" not in value:
        raise ValidationError(_("The address must contain {record_id}."))


def validate_cover_template(value: str) -> None:
    if value and "{isbn}" not in value:
        raise ValidationError(_("The address must contain {isbn}."))


@register_setting(icon="site")
class NetworkSettings(BaseGenericSetting):
    """Network-wide settings, edited by network admins (Settings › Network)."""

    opac_record_url = models.URLField(
        _("OPAC record address"),
        max_length=500,
        blank=True,
        validators=[validate_opac_template],
        help_text=_(
            "Address of a record in the library's online catalogue, for the “Reserve” button. "
            "{record_id} is replaced by the record id, e.g. "
            "https://catalogue.example.org/cgi-bin/koha/opac-detail.pl?biblionumber={record_id}"
        ),
    )
    cover_url_template = models.URLField(
        _("cover service address"),
        max_length=500,
        blank=True,
        validators=[validate_cover_template],
        help_text=_(
            "Optional. Address of a cover picture by ISBN, used when the library system's record "
            "carries none; {isbn} is replaced by the 13-digit ISBN, e.g. "
            "https://covers.openlibrary.org/b/isbn/{isbn}-L.jpg?default=false . Pictures are "
            "downloaded once and served by the site. Check the service's terms of use first."
        ),
    )
    editorial_workflow = models.BooleanField(
        _("publishing needs a network admin's approval"),
        default=True,
        help_text=_(
            "When on, librarians submit their pages for moderation and network admins approve "
            "them. When off, librarians publish directly."
        ),
    )

    panels = [
        FieldPanel("opac_record_url"),
        FieldPanel("cover_url_template"),
        FieldPanel("editorial_workflow"),
    ]

    class Meta:
        verbose_name = _("network settings")

    def __str__(self) -> str:
        return str(_("Network settings"))

    def cover_url(self, isbn: str) -> str:
        """The cover service's address for this ISBN, or "" (no service, no ISBN)."""
        from urllib.parse import quote

        if not self.cover_url_template or not isbn:
            return ""
        return self.cover_url_template.replace("{isbn}", quote(isbn, safe=""))

    def opac_url(self, record_id: str) -> str:
        from urllib.parse import quote

        if not self.opac_record_url:
            return ""
        return self.opac_record_url.replace("{record_id}", quote(record_id, safe=""))
