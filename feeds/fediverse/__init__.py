"""The Fediverse: each médiathèque and each community is an ActivityPub actor.

People on Mastodon (or any ActivityPub server) find ``@<name>@<site host>`` through WebFinger,
read the actor's profile and outbox, and follow it. What a médiathèque or a community publishes
(announcements, events, curated lists) is what its actor publishes; members' posts never leave
the site (they did not consent to federation).

- ``actors``: which actors exist, their names and keys (``FediverseActor``);
- ``documents``: the ActivityStreams documents served (actor, objects, activities,
  collections), in French with the content language set;
- ``outbox``: the Fediverse destination of the syndication outbox (``feeds.Syndication``):
  a publication's row, fanned out to ``delivery`` (one signed delivery per server);
- ``views`` / ``urls``: WebFinger, NodeInfo, actors, outboxes, followers, objects.
"""
