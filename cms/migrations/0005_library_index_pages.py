"""The index pages of the library content: Actualités, Agenda, Coups de cœur, Médiathèques."""

from django.db import migrations

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

INDEXES = [
    ("newsindexpage", "NewsIndexPage", "Actualités", "actualites",
     "<p>Les nouvelles des médiathèques du réseau.</p>"),
    ("eventindexpage", "EventIndexPage", "Agenda", "agenda",
     "<p>Ateliers, rencontres, clubs de lecture, projections : ce qui se passe près de chez vous.</p>"),
    ("recommendationindexpage", "RecommendationIndexPage", "Coups de cœur", "coups-de-coeur",
     "<p>Les sélections des bibliothécaires.</p>"),
    ("branchindexpage", "BranchIndexPage", "Médiathèques", "mediatheques",
     "<p>Les médiathèques du réseau, leurs horaires et leurs services.</p>"),
]


def _next_child_path(Page, parent):
    last = (
        Page.objects.filter(path__startswith=parent.path, depth=parent.depth + 1)
        .order_by("-path")
        .first()
    )
    position = int(last.path[-4:], 36) + 1 if last else 1
    return parent.path + "".join(ALPHABET[position // 36**i % 36] for i in (3, 2, 1, 0))


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    home = apps.get_model("cms.HomePage").objects.order_by("path").first()
    if home is None:
        return
    for model_name, class_name, title, slug, intro in INDEXES:
        Model = apps.get_model("cms", class_name)
        if Model.objects.exists() or Page.objects.filter(
            path__startswith=home.path, depth=home.depth + 1, slug=slug
        ).exists():
            continue
        content_type, _ = ContentType.objects.get_or_create(app_label="cms", model=model_name)
        home_node = Page.objects.get(pk=home.pk)
        Model.objects.create(
            title=title,
            draft_title=title,
            slug=slug,
            content_type=content_type,
            path=_next_child_path(Page, home_node),
            depth=home_node.depth + 1,
            numchild=0,
            url_path=home_node.url_path + slug + "/",
            locale_id=home_node.locale_id,
            live=True,
            intro=intro,
        )
        Page.objects.filter(pk=home.pk).update(numchild=home_node.numchild + 1)


def backwards(apps, schema_editor):
    for _, class_name, *_rest in INDEXES:
        apps.get_model("cms", class_name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cms", "0004_branchindexpage_eventindexpage_networksettings_and_more")]

    operations = [migrations.RunPython(forwards, backwards)]
