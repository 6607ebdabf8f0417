"""Members' rights and the privacy page; the root URLconf includes them at the site root."""

from django.urls import path

from community.privacy import views

app_name = "privacy"

urlpatterns = [
    path("compte/donnees/", views.my_data, name="my_data"),
    path("compte/donnees/telecharger/", views.my_data_download, name="my_data_download"),
    path(
        "compte/consentements/<id:record_id>/retirer/",
        views.withdraw_consent,
        name="withdraw_consent",
    ),
    path("compte/supprimer/", views.delete_account_view, name="delete_account"),
    path("confidentialite/", views.privacy_policy, name="privacy_policy"),
]

# The footer's language switch, without a CSRF token (so no cookie before it is used).
urlpatterns += [path("i18n/setlang/", views.set_language, name="set_language")]
