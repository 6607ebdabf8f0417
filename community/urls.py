from django.urls import path

from community import views

app_name = "community"

urlpatterns = [
    path("bienvenue/", views.onboarding, name="onboarding"),
    path("bienvenue/mediatheque/", views.onboarding_branch, name="onboarding_branch"),
    path("profil/", views.profile, name="profile"),
    path("communautes/<id:page_id>/rejoindre/", views.join, name="join"),
    path("communautes/<id:page_id>/quitter/", views.leave, name="leave"),
]

from community import event_views  # noqa: E402

urlpatterns += [
    path("agenda/<id:page_id>/inscription/", event_views.register, name="event_register"),
    path("agenda/<id:page_id>/liste-attente/", event_views.register, name="event_waitlist"),
    path("agenda/<id:page_id>/annulation/", event_views.cancel, name="event_cancel"),
]

# --- “Ma médiathèque”: the member's registrations, communities, suggestions, médiathèque ----
from community import my_library_views  # noqa: E402

urlpatterns += [
    path("ma-mediatheque/", my_library_views.my_library_page, name="my_library"),
    path(
        "ma-mediatheque/desinscription/<id:page_id>/",
        my_library_views.leave_event,
        name="my_library_leave",
    ),
]

# --- Community life: posts, comments, reactions, reports, moderation, profiles -------------
from community import moderation_views, post_views, profile_views  # noqa: E402

_post = "communautes/<id:page_id>/publications/<id:post_id>/"
_comment = "communautes/<id:page_id>/commentaires/<id:comment_id>/"

urlpatterns += [
    path("communautes/<id:page_id>/publier/", post_views.post_create, name="post_create"),
    path(_post, post_views.post_detail, name="post_detail"),
    path(_post + "modifier/", post_views.post_edit, name="post_edit"),
    path(_post + "supprimer/", post_views.post_delete, name="post_delete"),
    path(_post + "epingler/", post_views.post_pin, name="post_pin"),
    path(_post + "reagir/", post_views.post_react, name="post_react"),
    path(_post + "commenter/", post_views.comment_create, name="comment_create"),
    path(_post + "signaler/", post_views.report_post, name="report_post"),
    path(_comment + "modifier/", post_views.comment_edit, name="comment_edit"),
    path(_comment + "supprimer/", post_views.comment_delete, name="comment_delete"),
    path(_comment + "signaler/", post_views.report_comment, name="report_comment"),
    path(
        "communautes/<id:page_id>/moderation/",
        moderation_views.queue,
        name="moderation_queue",
    ),
    path(
        "communautes/<id:page_id>/moderation/agir/",
        moderation_views.act,
        name="moderation_act",
    ),
    path(
        "communautes/<id:page_id>/moderation/journal/",
        moderation_views.log,
        name="moderation_log",
    ),
    path("profil/public/", profile_views.profile_edit, name="profile_edit"),
    path("membres/<text:handle>/", profile_views.member_profile, name="member_profile"),
    path("membres/<text:handle>/suivre/", profile_views.member_follow, name="member_follow"),
    path("membres/<text:handle>/bloquer/", profile_views.member_block, name="member_block"),
    path("membres/<text:handle>/signaler/", profile_views.report_member, name="report_member"),
]

# --- "Réserver" click-through (records the interaction, then redirects to the OPAC) ---------
from community import interaction_views  # noqa: E402

urlpatterns += [
    path("catalogue/<id:item_id>/reserver/", interaction_views.reserve, name="reserve"),
]

# --- Purchase suggestions ------------------------------------------------------------------
from community import suggestion_views  # noqa: E402

urlpatterns += [
    path("suggestions/", suggestion_views.suggestion_list, name="suggestions"),
    path("suggestions/nouvelle/", suggestion_views.suggest, name="suggest"),
    path(
        "suggestions/<id:suggestion_id>/soutien/",
        suggestion_views.support,
        name="suggestion_support",
    ),
]
