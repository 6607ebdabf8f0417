"""Real time: a member with /fil/ open receives "feed.new" when content lands in their feed
(over the websocket), and the "new announcement in a joined community" notification."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from community.models import Notification
from feeds.consumers import member_group
from tests.cms.library_factories import make_announcement
from tests.community.life_helpers import join
from tests.conftest import make_community
from tests.feeds.feed_fixtures import make_member
from tests.test_websocket import _communicator, _session_cookie


@pytest.fixture(autouse=True)
def in_memory_layer(settings):
    """These tests are about fan-out → push, not the layer: run them on the in-memory layer
    even in the PostgreSQL + Redis run (where reusing channels_redis connections across the
    test's event loops made them flaky). The Redis layer has its own tests in test_relay.py
    and tests/test_websocket.py."""
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.asyncio
async def test_publishing_an_announcement_pushes_feed_new_to_the_connected_member(
    taxonomy, branches
):
    member = await sync_to_async(make_member)("lea@example.org", interests=[taxonomy["sf"]])
    stranger = await sync_to_async(make_member)(
        "cuisine@example.org", interests=[taxonomy["cuisine"]]
    )
    communicator = _communicator(cookie=await sync_to_async(_session_cookie)(member))
    other = _communicator(cookie=await sync_to_async(_session_cookie)(stranger))
    assert (await communicator.connect())[0] and (await other.connect())[0]

    await sync_to_async(make_announcement)("Nuit de la SF", interests=[taxonomy["sf"]])

    assert await communicator.receive_json_from(timeout=5) == {"type": "feed.new", "count": 1}
    assert await other.receive_nothing(timeout=0.3)
    await communicator.disconnect()
    await other.disconnect()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.asyncio
async def test_editing_does_not_announce_the_same_entry_twice(taxonomy):
    member = await sync_to_async(make_member)("lea@example.org", interests=[taxonomy["sf"]])
    communicator = _communicator(cookie=await sync_to_async(_session_cookie)(member))
    assert (await communicator.connect())[0]
    page = await sync_to_async(make_announcement)("Nuit de la SF", interests=[taxonomy["sf"]])
    assert await communicator.receive_json_from(timeout=5) == {"type": "feed.new", "count": 1}

    def edit():
        page.title = "Nuit de la SF (nouvel horaire)"
        page.save_revision().publish()

    await sync_to_async(edit)()
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_members_of_a_matching_community_are_notified_once(taxonomy, branches):
    club = make_community("Les Voyageurs de l'Imaginaire", interests=[taxonomy["imaginaire"]])
    cooks = make_community("Cuisine du monde", interests=[taxonomy["cuisine"]])
    insider = make_member("dedans@example.org")  # follows nothing: the community is enough
    outsider = make_member("dehors@example.org", interests=[taxonomy["sf"]])
    cook = make_member("cuisine@example.org")
    join(insider, club)
    join(cook, cooks)
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(member_group(insider.pk), channel)

    page = make_announcement("Rencontre avec Alain Damasio", interests=[taxonomy["sf"]])

    notes = list(Notification.objects.filter(kind=Notification.Kind.COMMUNITY_ANNOUNCEMENT))
    assert [(n.user_id, n.title) for n in notes] == [
        (
            insider.pk,
            "Nouveau dans « Les Voyageurs de l'Imaginaire » : Rencontre avec Alain Damasio",
        )
    ]
    assert notes[0].url == page.url
    pushed = async_to_sync(layer.receive)(channel)
    assert pushed["payload"]["type"] == "notification"
    assert pushed["payload"]["kind"] == "community_announcement"
    page.title = "Rencontre avec Alain Damasio (complet)"
    page.save_revision().publish()
    assert Notification.objects.filter(kind=Notification.Kind.COMMUNITY_ANNOUNCEMENT).count() == 1
    assert not Notification.objects.filter(user__in=[outsider, cook]).exists()
    async_to_sync(layer.group_discard)(member_group(insider.pk), channel)
