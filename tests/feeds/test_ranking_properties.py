"""Ranking properties, on plain facts (no database): interest, proximity, past events,
diversity, "not interested"."""

from datetime import UTC, datetime, timedelta

from feeds import ranking
from feeds.ranking import BranchFact, ContentFacts, InterestFact, MemberFacts

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
IMAGINAIRE = InterestFact(1, "Imaginaire")
SF = InterestFact(2, "Science-fiction", 1)
FANTASY = InterestFact(3, "Fantasy", 1)
CUISINE = InterestFact(4, "Cuisine")
ALCAZAR = BranchFact(10, "Bibliothèque de l'Alcazar", 43.2993, 5.3784)
AUBAGNE = BranchFact(11, "Médiathèque Marcel Pagnol", 43.2925, 5.5693)
ARLES = BranchFact(12, "Médiathèque d'Arles", 43.6766, 4.6278)


def member(**kwargs) -> MemberFacts:
    defaults = {"id": 1, "followed": {SF.id: SF}, "lat": 43.2925, "lon": 5.5693}
    defaults.update(kwargs)
    return MemberFacts(**defaults)


def event(pk, *, branch, interests=(SF,), start=NOW + timedelta(days=5), **kwargs) -> ContentFacts:
    return ContentFacts(
        "event",
        pk,
        interests=interests,
        branches=(branch,),
        start=start,
        end=start + timedelta(hours=2),
        published_at=NOW - timedelta(days=1),
        **kwargs,
    )


def test_a_nearer_branchs_event_outranks_a_farther_one_at_equal_interest():
    someone = member(home_branch_id=None)  # in Aubagne, no home branch
    near = ranking.score(someone, event(1, branch=AUBAGNE), NOW)
    middle = ranking.score(someone, event(2, branch=ALCAZAR), NOW)
    far = ranking.score(someone, event(3, branch=ARLES), NOW)
    assert near.score > middle.score > far.score


def test_the_home_branch_comes_first_even_when_another_is_as_near():
    someone = member(home_branch_id=ALCAZAR.id)
    home = ranking.score(someone, event(1, branch=ALCAZAR), NOW)
    nearer = ranking.score(someone, event(2, branch=AUBAGNE), NOW)
    assert home.score > nearer.score
    assert "votre médiathèque" in home.reason


def test_a_followed_interest_outranks_an_unfollowed_one():
    someone = member()
    followed = ContentFacts("announcement", 1, interests=(SF,), published_at=NOW)
    unfollowed = ContentFacts("announcement", 2, interests=(CUISINE,), published_at=NOW)
    assert (
        ranking.score(someone, followed, NOW).score > ranking.score(someone, unfollowed, NOW).score
    )
    assert ranking.in_audience(someone, followed)
    assert not ranking.in_audience(someone, unfollowed)


def test_taxonomy_direct_then_parent_then_child():
    sf_fan = member(followed={SF.id: SF})
    parent_fan = member(followed={IMAGINAIRE.id: IMAGINAIRE})
    about_sf = ContentFacts("announcement", 1, interests=(SF,), published_at=NOW)
    about_imaginaire = ContentFacts("announcement", 2, interests=(IMAGINAIRE,), published_at=NOW)
    direct = ranking.score(sf_fan, about_sf, NOW).score
    via_parent = ranking.score(parent_fan, about_sf, NOW).score
    via_child = ranking.score(sf_fan, about_imaginaire, NOW).score
    assert direct > via_parent > via_child
    assert ranking.in_audience(parent_fan, about_sf) and ranking.in_audience(
        sf_fan, about_imaginaire
    )
    assert ranking.score(parent_fan, about_sf, NOW).reason.startswith(
        "Parce que vous suivez Imaginaire"
    )


def test_past_events_are_never_scored():
    past = event(1, branch=AUBAGNE, start=NOW - timedelta(days=1))
    assert ranking.score(member(), past, NOW) is None
    running = event(2, branch=AUBAGNE, start=NOW - timedelta(hours=1))
    assert ranking.score(member(), running, NOW) is not None  # not over yet


def test_an_event_starting_soon_outranks_one_starting_later():
    someone = member()
    tomorrow = ranking.score(someone, event(1, branch=AUBAGNE, start=NOW + timedelta(days=1)), NOW)
    next_month = ranking.score(
        someone, event(2, branch=AUBAGNE, start=NOW + timedelta(days=30)), NOW
    )
    assert tomorrow.score > next_month.score


def test_newer_announcements_outrank_older_ones_at_equal_relevance():
    someone = member()
    new = ContentFacts("announcement", 1, interests=(SF,), published_at=NOW)
    old = ContentFacts("announcement", 2, interests=(SF,), published_at=NOW - timedelta(days=10))
    assert ranking.score(someone, new, NOW).score > ranking.score(someone, old, NOW).score


def test_engagement_lifts_an_entry():
    someone = member()
    quiet = event(1, branch=AUBAGNE)
    busy = event(2, branch=AUBAGNE, engagement=25)
    assert ranking.score(someone, busy, NOW).score > ranking.score(someone, quiet, NOW).score


def test_reason_names_the_interest_the_branch_and_the_distance():
    someone = member(home_branch_id=None)
    scored = ranking.score(someone, event(1, branch=ALCAZAR), NOW)
    assert scored.reason.startswith(
        "Parce que vous suivez Science-fiction · Bibliothèque de l'Alcazar, "
    )
    assert scored.reason.endswith(" km")


def test_not_interested_hides_the_entry_and_its_series_and_sinks_similar_ones():
    someone = member(
        dismissed=frozenset({("event", 1)}),
        dismissed_interests=frozenset({("event", SF.id)}),
        dismissed_series=frozenset({"club-sf"}),
    )
    plain = ranking.score(member(), event(3, branch=AUBAGNE), NOW).score
    similar = ranking.score(someone, event(3, branch=AUBAGNE), NOW).score
    other_kind = ContentFacts("announcement", 4, interests=(SF,), published_at=NOW)
    assert ranking.score(someone, event(1, branch=AUBAGNE), NOW) is None
    # another session of the dismissed series, published later: hidden too
    assert ranking.score(someone, event(5, branch=AUBAGNE, series_key="club-sf"), NOW) is None
    assert similar < plain
    assert (
        ranking.score(someone, other_kind, NOW).score
        == ranking.score(member(), other_kind, NOW).score
    )


def test_events_out_of_reach_are_not_in_the_audience():
    someone = member(home_branch_id=None)  # Aubagne
    assert ranking.in_audience(someone, event(1, branch=ALCAZAR), audience_km=60)
    assert not ranking.in_audience(someone, event(2, branch=ARLES), audience_km=60)
    nowhere = member(lat=None, lon=None)
    assert ranking.in_audience(nowhere, event(3, branch=ARLES), audience_km=60)


def _max_run(values):
    best = run = 0
    previous = object()
    for value in values:
        run = run + 1 if value == previous and value is not None else 1
        previous = value
        best = max(best, run)
    return best


def test_diversity_never_more_than_two_of_a_kind_in_a_row():
    kinds = ["event"] * 8 + ["announcement"] * 4 + ["post"] * 4
    candidates = [(k, i, 100 - i) for i, k in enumerate(kinds)]  # best first: all events
    picked, rest = ranking.diversify(candidates, 12, kind=lambda c: c[0], community=lambda c: None)
    assert len(picked) == 12
    assert _max_run(c[0] for c in picked) <= 2
    assert picked[0][0] == "event" and picked[1][0] == "event"  # best first when allowed


def test_diversity_never_more_than_two_of_a_community_in_a_row():
    candidates = [("post", 7, i) for i in range(6)] + [("post", 8, i + 10) for i in range(3)]
    candidates += [("event", None, i + 20) for i in range(6)]
    picked, _ = ranking.diversify(candidates, 12, kind=lambda c: c[0], community=lambda c: c[1])
    assert _max_run(c[1] for c in picked) <= 2
    assert _max_run(c[0] for c in picked) <= 2


def test_diversity_carries_the_previous_pages_tail_and_defers_when_more_are_coming():
    candidates = [("event", i) for i in range(3)] + [("announcement", 9)]
    picked, rest = ranking.diversify(
        candidates,
        3,
        kind=lambda c: c[0],
        community=lambda c: None,
        tail_kinds=["event", "event"],
        more_coming=True,
    )
    assert picked[0] == ("announcement", 9)
    assert _max_run(["event", "event"] + [c[0] for c in picked]) <= 2
    assert rest  # held back for the next page, not lost
    assert len(picked) + len(rest) == len(candidates)


def test_a_window_of_one_kind_fills_the_page_instead_of_stopping_at_two():
    # More entries are coming, but the candidates read hold nothing else to mix in: the
    # page takes repeats to its end rather than showing two entries.
    candidates = [("event", i) for i in range(30)]
    picked, rest = ranking.diversify(
        candidates, 10, kind=lambda c: c[0], community=lambda c: None, more_coming=True
    )
    assert picked == candidates[:10]
    assert rest == candidates[10:]


def test_a_page_at_least_half_full_stops_where_only_repeats_are_left_when_more_are_coming():
    kinds = ["event", "announcement"] * 3 + ["event"] * 10
    candidates = [(k, i) for i, k in enumerate(kinds)]
    picked, rest = ranking.diversify(
        candidates, 12, kind=lambda c: c[0], community=lambda c: None, more_coming=True
    )
    assert [c[0] for c in picked] == ["event", "announcement"] * 3 + ["event"] * 2
    assert len(rest) == len(candidates) - len(picked)
    last, _ = ranking.diversify(candidates, 12, kind=lambda c: c[0], community=lambda c: None)
    assert len(last) == 12  # nothing more coming: the last page shows what there is
