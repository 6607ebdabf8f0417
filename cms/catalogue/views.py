"""Admin view: upload a catalogue export and import it (synchronously, files of a few MB)."""

import logging

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .errors import CatalogueFormatError
from .forms import CatalogueImportForm
from .importer import import_catalogue

logger = logging.getLogger(__name__)

IMPORT_PERMISSION = "cms.add_catalogueitem"


class CatalogueImportView(WagtailAdminTemplateMixin, FormView):
    template_name = "cms/admin/catalogue_import.html"
    form_class = CatalogueImportForm
    page_title = _("Import the catalogue")
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(IMPORT_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        fmt = form.cleaned_data["format"]
        try:
            summary = import_catalogue(upload, fmt, prune=form.cleaned_data["prune"])
        except CatalogueFormatError as exc:
            form.add_error("file", str(exc))
            return self.form_invalid(form)
        logger.info(
            "Catalogue import by %s of %s (%s): %s created, %s updated, %s unchanged, "
            "%s withdrawn, %s rejected",
            self.request.user.pk,
            upload.name,
            fmt,
            summary.created,
            summary.updated,
            summary.unchanged,
            summary.withdrawn,
            summary.rejected_count,
        )
        messages.success(self.request, _("The catalogue file has been imported."))
        context = self.get_context_data(
            form=self.form_class(initial={"format": fmt}),
            summary=summary,
            filename=upload.name,
        )
        return self.render_to_response(context)
