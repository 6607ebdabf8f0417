from django.urls import path

from community.views import (
    events,
    interactions,
    lists,
    members,
    moderation,
    my_library,
    posts,
    profiles,
    suggestions,
    tokens,
)

app_name = "community"

urlpatterns = [
    path("bienvenue/", members.onboarding, name="onboarding"),
    path("bienvenue/mediatheque/", members.onboarding_branch, name="onboarding_branch"),
    path("profil/", members.profile, name="profile"),
    path("communautes/<id:page_id>/rejoindre/", members.join, name="join"),
    path("communautes/<id:page_id>/quitter/", members.leave, name="leave"),
]

urlpatterns += [
    path("agenda/<id:page_id>/inscription/", events.register, name="event_register"),
    path("agenda/<id:page_id>/liste-attente/", events.register, name="event_waitlist"),
    path("agenda/<id:page_id>/annulation/", events.cancel, name="event_cancel"),
]

# --- “Ma médiathèque”: the member's registrations, communities, suggestions, médiathèque ----

urlpatterns += [
    path("ma-mediatheque/", my_library.my_library_page, name="my_library"),
    path(
        "ma-mediatheque/desinscription/<id:page_id>/",
        my_library.leave_event,
        name="my_library_leave",
    ),
]

# --- Community life: posts, comments, reactions, reports, moderation, profiles -------------
_post = "communautes/<id:page_id>/publications/<id:post_id>/"
_comment = "communautes/<id:page_id>/commentaires/<id:comment_id>/"

urlpatterns += [
    path("communautes/<id:page_id>/publier/", posts.post_create, name="post_create"),
    path(_post, posts.post_detail, name="post_detail"),
    path(_post + "modifier/", posts.post_edit, name="post_edit"),
    path(_post + "supprimer/", posts.post_delete, name="post_delete"),
    path(_post + "epingler/", posts.post_pin, name="post_pin"),
    path(_post + "reagir/", posts.post_react, name="post_react"),
    path(_post + "commenter/", posts.comment_create, name="comment_create"),
    path(_post + "signaler/", posts.report_post, name="report_post"),
    path(_post + "suivre/", posts.topic_follow, name="topic_follow"),
    path("communautes/<id:page_id>/membres/", posts.community_members, name="members"),
    path(_comment + "modifier/", posts.comment_edit, name="comment_edit"),
    path(_comment + "supprimer/", posts.comment_delete, name="comment_delete"),
    path(_comment + "signaler/", posts.report_comment, name="report_comment"),
    path(
        "communautes/<id:page_id>/moderation/",
        moderation.queue,
        name="moderation_queue",
    ),
    path(
        "communautes/<id:page_id>/moderation/agir/",
        moderation.act,
        name="moderation_act",
    ),
    path(
        "communautes/<id:page_id>/moderation/journal/",
        moderation.log,
        name="moderation_log",
    ),
    path("profil/public/", profiles.profile_edit, name="profile_edit"),
    path("membres/<text:handle>/", profiles.member_profile, name="member_profile"),
    path("membres/<text:handle>/suivre/", profiles.member_follow, name="member_follow"),
    path("membres/<text:handle>/bloquer/", profiles.member_block, name="member_block"),
    path("membres/<text:handle>/signaler/", profiles.report_member, name="report_member"),
]

# --- "Réserver" click-through (records the interaction, then redirects to the OPAC) ---------
urlpatterns += [
    path("catalogue/<id:item_id>/reserver/", interactions.reserve, name="reserve"),
]

# --- Members' reading lists, « Ça m'intéresse » on an item ---------------------------------
urlpatterns += [
    path("ma-mediatheque/listes/", lists.my_lists, name="my_lists"),
    path("ma-mediatheque/listes/nouvelle/", lists.list_create, name="list_create"),
    path("listes/<id:list_id>/", lists.list_detail, name="reading_list"),
    path("listes/<id:list_id>/modifier/", lists.list_update, name="list_update"),
    path("listes/<id:list_id>/supprimer/", lists.list_delete, name="list_delete"),
    path(
        "listes/<id:list_id>/retirer/<id:item_id>/",
        lists.list_remove_item,
        name="list_remove_item",
    ),
    path("catalogue/<id:item_id>/ajouter/", lists.item_add_to_list, name="item_add_to_list"),
    path("catalogue/<id:item_id>/interesse/", lists.item_interest, name="item_interest"),
]

# --- Purchase suggestions ------------------------------------------------------------------
urlpatterns += [
    path("suggestions/", suggestions.suggestion_list, name="suggestions"),
    path("suggestions/nouvelle/", suggestions.suggest, name="suggest"),
    path(
        "suggestions/<id:suggestion_id>/soutien/",
        suggestions.support,
        name="suggestion_support",
    ),
]

# --- Personal access tokens for the API (docs/api.md) --------------------------------------

urlpatterns += [
    path("profil/jetons/", tokens.tokens, name="tokens"),
    path("profil/jetons/<id:token_id>/revoquer/", tokens.revoke, name="token_revoke"),
]
