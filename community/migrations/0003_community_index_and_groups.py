"""The community index page, and the "Bibliothécaires" / "Administrateurs réseau" groups."""

from django.contrib.auth.management import create_permissions
from django.contrib.contenttypes.management import create_contenttypes
from django.db import migrations

LIBRARIANS = "Bibliothécaires"
ADMINS = "Administrateurs réseau"

# (app_label, codename)
LIBRARIAN_PERMISSIONS = [
    ("wagtailadmin", "access_admin"),
    ("cms", "view_interest"),
    ("cms", "view_branch"),
    ("community", "view_membership"),
]
ADMIN_PERMISSIONS = LIBRARIAN_PERMISSIONS + [
    ("cms", "add_interest"),
    ("cms", "change_interest"),
    ("cms", "delete_interest"),
    ("cms", "add_branch"),
    ("cms", "change_branch"),
    ("cms", "delete_branch"),
    ("community", "add_user"),
    ("community", "change_user"),
    ("community", "delete_user"),
    ("community", "view_user"),
    ("community", "change_membership"),
    ("community", "delete_membership"),
]
LIBRARIAN_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]
ADMIN_PAGE_PERMISSIONS = LIBRARIAN_PAGE_PERMISSIONS + ["delete_page", "lock_page", "unlock_page"]
COLLECTION_PERMISSIONS = [
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
]
ADMIN_COLLECTION_PERMISSIONS = COLLECTION_PERMISSIONS + [
    ("wagtailimages", "delete_image"),
    ("wagtaildocs", "delete_document"),
]


def _ensure_permissions(apps):
    # Permissions are normally created after all migrations; create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_contenttypes(app_config, apps=apps, verbosity=0)
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    HomePage = apps.get_model("cms.HomePage")
    CommunityIndexPage = apps.get_model("community.CommunityIndexPage")
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    GroupPagePermission = apps.get_model("wagtailcore.GroupPagePermission")
    Collection = apps.get_model("wagtailcore.Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore.GroupCollectionPermission")

    _ensure_permissions(apps)
    home = HomePage.objects.order_by("path").first()

    if home is not None and not CommunityIndexPage.objects.exists():
        content_type, _ = ContentType.objects.get_or_create(
            model="communityindexpage", app_label="community"
        )
        last_child = (
            Page.objects.filter(path__startswith=home.path, depth=home.depth + 1)
            .order_by("-path")
            .first()
        )
        position = int(last_child.path[-4:], 36) + 1 if last_child else 1
        step = "".join(
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[position // 36**i % 36] for i in (3, 2, 1, 0)
        )
        CommunityIndexPage.objects.create(
            title="Communautés",
            draft_title="Communautés",
            slug="communautes",
            content_type=content_type,
            path=home.path + step,
            depth=home.depth + 1,
            numchild=0,
            url_path=home.url_path + "communautes/",
            locale_id=home.locale_id,
            live=True,
            intro=(
                "<p>Des espaces pour parler de ce qui vous passionne avec d’autres "
                "habitants et les bibliothécaires du réseau.</p>"
            ),
        )
        Page.objects.filter(pk=home.pk).update(numchild=home.numchild + 1)

    def perms(pairs):
        return [Permission.objects.get(content_type__app_label=a, codename=c) for a, c in pairs]

    page_perm_type = ContentType.objects.get(app_label="wagtailcore", model="page")
    root_collection = Collection.objects.filter(depth=1).first()

    for name, model_perms, page_perms, collection_perms in (
        (LIBRARIANS, LIBRARIAN_PERMISSIONS, LIBRARIAN_PAGE_PERMISSIONS, COLLECTION_PERMISSIONS),
        (ADMINS, ADMIN_PERMISSIONS, ADMIN_PAGE_PERMISSIONS, ADMIN_COLLECTION_PERMISSIONS),
    ):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*perms(model_perms))
        if home is not None:
            for codename in page_perms:
                GroupPagePermission.objects.get_or_create(
                    group=group,
                    page_id=home.pk,
                    permission=Permission.objects.get(
                        content_type=page_perm_type, codename=codename
                    ),
                )
        if root_collection is not None:
            for perm in perms(collection_perms):
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=root_collection, permission=perm
                )


def backwards(apps, schema_editor):
    apps.get_model("auth.Group").objects.filter(name__in=[LIBRARIANS, ADMINS]).delete()
    apps.get_model("community.CommunityIndexPage").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0002_communityindexpage_communitypage_membership"),
        ("cms", "0003_create_homepage"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "__latest__"),
        ("wagtailimages", "__latest__"),
        ("wagtaildocs", "__latest__"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
