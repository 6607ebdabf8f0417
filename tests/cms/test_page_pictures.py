"""Pictures of library pages: alternative text required when one is chosen, responsive
renditions (AVIF, WebP, JPEG, width and height), and curated lists whose covers cost no query
each."""

import re

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.images import get_image_model

from cms.admin_forms import ImageAltTextMixin
from cms.models import (
    AnnouncementPage,
    BranchPage,
    EventPage,
    HoldingStatus,
    RecommendationPage,
)
from community.models import CommunityPage
from tests.cms.library_factories import (
    make_announcement,
    make_image,
    make_item,
    make_recommendation,
)

pytestmark = pytest.mark.django_db


class PictureForm(ImageAltTextMixin, forms.Form):
    image = forms.ModelChoiceField(get_image_model().objects.all(), required=False)


@pytest.mark.parametrize(
    "page_class",
    [AnnouncementPage, EventPage, RecommendationPage, CommunityPage, BranchPage],
)
def test_every_page_with_a_picture_checks_its_alternative_text(page_class):
    assert issubclass(page_class.get_edit_handler().get_form_class(), ImageAltTextMixin)
    assert "image" in {field.name for field in page_class._meta.get_fields()}


def test_a_picture_without_alternative_text_is_refused():
    bare = make_image("Façade", size=(400, 300))
    form = PictureForm({"image": str(bare.pk)})
    assert not form.is_valid()
    assert "texte alternatif" in str(form.errors["image"])
    assert "Façade" in str(form.errors["image"])

    blank = make_image("Façade", size=(400, 300), description="   ")
    assert not PictureForm({"image": str(blank.pk)}).is_valid()
    described = make_image("Façade", size=(400, 300), description="La façade vitrée, de nuit")
    assert PictureForm({"image": str(described.pk)}).is_valid()
    assert PictureForm({"image": ""}).is_valid()  # no picture: nothing to describe


def test_page_picture_is_responsive_with_its_alternative_text(client, branches):
    image = make_image("Affiche", size=(1200, 800), description="Affiche du festival, en bleu")
    page = make_announcement("Festival", image=image)
    html = client.get(page.url).content.decode()
    (picture,) = re.findall(r"<picture>.*?</picture>", html, re.S)
    assert re.search(r'<source[^>]* type="image/avif"', picture)
    assert re.search(r'<source[^>]* type="image/webp"', picture)
    assert 'alt="Affiche du festival, en bleu"' in picture
    assert 'width="480"' in picture and 'height="240"' in picture
    assert 'loading="lazy"' not in picture  # the page's main picture


def test_curated_list_has_a_picture_and_covers_add_no_query(client, branches):
    image = make_image("Pile de livres", size=(960, 480), description="Une pile de romans")
    items = [
        make_item(f"Roman {n}", holdings=[(branches["arles"], HoldingStatus.AVAILABLE)])
        for n in range(4)
    ]
    page = make_recommendation("Nos romans", items=[(item, "Bien.") for item in items], image=image)
    items[0].cover = make_image("Couverture", size=(240, 360))
    items[0].save()

    def count() -> int:
        client.get(page.url)  # renditions made, caches warm
        with CaptureQueriesContext(connection) as queries:
            html = client.get(page.url).content.decode()
        return len(queries), html

    one, html = count()
    assert 'alt="Une pile de romans"' in html
    for item in items[1:]:
        item.cover = make_image("Couverture", size=(240, 360))
        item.save()
    four, html = count()
    covers = re.findall(r'<div class="item-cover">\s*<picture>.*?</picture>', html, re.S)
    assert len(covers) == 4
    assert all('loading="lazy"' in cover for cover in covers)
    assert four == one


def test_community_index_pictures_add_no_query_per_community(client):
    from tests.conftest import make_community

    def community(n: int):
        image = make_image(f"Club {n}", size=(640, 360), description=f"Le club numéro {n}")
        return make_community(f"Club {n}", image=image)

    community(0)

    def count():
        client.get("/communautes/")  # renditions made, caches warm
        with CaptureQueriesContext(connection) as queries:
            html = client.get("/communautes/").content.decode()
        return len(queries), html

    one, _html = count()
    for n in range(1, 4):
        community(n)
    four, html = count()
    found = re.findall(r"<picture>.*?</picture>", html, re.S)
    assert len(found) == 4
    assert 'loading="lazy"' not in found[0]
    assert all('loading="lazy"' in picture for picture in found[1:])
    assert four == one
