from django.urls import path

from community import views

app_name = "community"

urlpatterns = [
    path("bienvenue/", views.onboarding, name="onboarding"),
    path("bienvenue/mediatheque/", views.onboarding_branch, name="onboarding_branch"),
    path("profil/", views.profile, name="profile"),
    path("communautes/<int:page_id>/rejoindre/", views.join, name="join"),
    path("communautes/<int:page_id>/quitter/", views.leave, name="leave"),
]
