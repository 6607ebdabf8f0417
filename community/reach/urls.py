from django.urls import path

from community.reach import views

app_name = "reach"

urlpatterns = [
    path("mediatheques/<slug:slug>/inscription/", views.card_signup, name="card_signup"),
    path("profil/selection-de-la-semaine/", views.digest_toggle, name="digest_toggle"),
]
