"""StreamField blocks of the library pages."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock


class ImageWithAltBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    alt = blocks.CharBlock(
        label=_("alternative text"),
        max_length=250,
        help_text=_("Describe the image for people who cannot see it (required)."),
    )
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=250)

    class Meta:
        icon = "image"
        template = "blocks/image.html"
        label = _("Image")


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock(label=_("quote"))
    attribution = blocks.CharBlock(label=_("attribution"), required=False, max_length=200)

    class Meta:
        icon = "openquote"
        template = "blocks/quote.html"
        label = _("Quote")


class CatalogueItemCardBlock(blocks.StructBlock):
    item = SnippetChooserBlock("cms.CatalogueItem", label=_("catalogue item"))
    note = blocks.TextBlock(label=_("librarian's note"), required=False)

    class Meta:
        icon = "doc-full"
        template = "blocks/catalogue_item_card.html"
        label = _("Catalogue item")


class EventCardBlock(blocks.StructBlock):
    event = blocks.PageChooserBlock(page_type="cms.EventPage", label=_("event"))

    class Meta:
        icon = "date"
        template = "blocks/event_card.html"
        label = _("Event")


class BodyBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(
        label=_("Paragraph"),
        features=["h2", "h3", "bold", "italic", "link", "ol", "ul"],
        template="blocks/paragraph.html",
    )
    image = ImageWithAltBlock()
    quote = QuoteBlock()
    embed = EmbedBlock(label=_("Embedded media"), template="blocks/embed.html")
    catalogue_item = CatalogueItemCardBlock()
    event = EventCardBlock()


class RecommendedItemBlock(blocks.StructBlock):
    item = SnippetChooserBlock("cms.CatalogueItem", label=_("catalogue item"))
    note = blocks.TextBlock(label=_("why we love it"))

    class Meta:
        icon = "pick"
        template = "blocks/recommended_item.html"
        label = _("Recommended item")


class OpeningHoursBlock(blocks.StructBlock):
    day = blocks.ChoiceBlock(
        label=_("day"),
        choices=[
            ("1", _("Monday")),
            ("2", _("Tuesday")),
            ("3", _("Wednesday")),
            ("4", _("Thursday")),
            ("5", _("Friday")),
            ("6", _("Saturday")),
            ("7", _("Sunday")),
        ],
    )
    opens = blocks.TimeBlock(label=_("opens"))
    closes = blocks.TimeBlock(label=_("closes"))

    class Meta:
        icon = "time"
        label = _("Opening hours")


class ClosureBlock(blocks.StructBlock):
    start = blocks.DateBlock(label=_("from"))
    end = blocks.DateBlock(label=_("to (included)"))
    reason = blocks.CharBlock(label=_("reason"), max_length=200)

    class Meta:
        icon = "warning"
        label = _("Exceptional closure")
