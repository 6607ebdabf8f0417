"""The rush scenario of ``make load`` (tests/load/run.py drives it; ``locust -f`` works too).

60 % visitors, 40 % logged-in members, 0.5 to 1.5 s between two pages. Visitors browse the
home page, the agenda and its events, the communities, the médiathèques, the news, search
(results page and the header box's suggestions) and "what is on near me"; members log in
once, then read their feed (and its next page), their notifications, their communities,
events and search. Each request is named after its page kind: the report's rows.

The links (events, communities, médiathèques) are read once from the site's own index
pages; member accounts are those of tests/load/seed.py.
"""

from __future__ import annotations

import itertools
import os
import random
import re

from gevent.lock import Semaphore
from locust import FastHttpUser, between, task

from tests.load.seed import EMAIL, LOAD_PASSWORD

MEMBER_ACCOUNTS = int(os.environ.get("LOAD_MEMBERS", "40"))  # seeded by tests/load/run.py
SEARCHES = ["manga", "jazz", "polar", "science-fiction", "cuisine", "Provence", "BD", "jeux"]
SUGGEST = ["man", "jaz", "pol", "cui", "fan"]
COMMUNES = ["Aubagne", "Marseille", "Arles", "Aix-en-Provence", "La Ciotat", "13400"]

_links: dict[str, list[str]] = {}
_links_lock = Semaphore()
_accounts = itertools.count()


def links(client, kind: str, index_url: str, pattern: str) -> list[str]:
    """The site's links of one kind (read once per process from its index page)."""
    with _links_lock:
        if kind not in _links:
            with client.get(index_url, name=f"{kind} (index, once)", catch_response=True) as r:
                found = sorted(set(re.findall(pattern, r.text or "")))
                _links[kind] = found or [index_url]
                r.success()
    return _links[kind]


def event_urls(client):
    return links(client, "event", "/agenda/", r'href="(/agenda/[a-z0-9-]+-\d{4}-\d{2}-\d{2}/)"')


def community_urls(client):
    return links(client, "community", "/communautes/", r'href="(/communautes/[a-z0-9-]+/)"')


def branch_urls(client):
    return links(client, "branch", "/mediatheques/", r'href="(/mediatheques/[a-z0-9-]+/)"')


class Browsing:
    """Pages everyone visits."""

    def page(self, url: str, name: str) -> None:
        self.client.get(url, name=name)

    def community(self):
        self.page(random.choice(community_urls(self.client)), "community")

    def event(self):
        self.page(random.choice(event_urls(self.client)), "event")

    def search(self):
        self.page(f"/recherche/?q={random.choice(SEARCHES)}", "search")


class Visitor(Browsing, FastHttpUser):
    weight = 3
    wait_time = between(0.5, 1.5)

    @task(4)
    def home(self):
        self.page("/", "home")

    @task(3)
    def agenda(self):
        self.page("/agenda/", "agenda")

    @task(2)
    def event_page(self):
        self.event()

    @task(3)
    def communities(self):
        self.page("/communautes/", "communities")

    @task(2)
    def community_page(self):
        self.community()

    @task(3)
    def search_results(self):
        self.search()

    @task(2)
    def search_suggestions(self):
        self.page(f"/api/recherche/suggestions/?q={random.choice(SUGGEST)}", "suggestions")

    @task(1)
    def branches(self):
        self.page(random.choice(["/mediatheques/", *branch_urls(self.client)]), "branches")

    @task(1)
    def news(self):
        self.page("/actualites/", "news")

    @task(1)
    def near_me(self):
        self.page(f"/fil/decouvrir/?commune={random.choice(COMMUNES)}", "discover")


class Member(Browsing, FastHttpUser):
    weight = 2
    wait_time = between(0.5, 1.5)

    def on_start(self):
        email = EMAIL.format(next(_accounts) % MEMBER_ACCOUNTS)
        form = self.client.get("/comptes/login/", name="login")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text or "")
        self.client.post(
            "/comptes/login/",
            data={
                "login": email,
                "password": LOAD_PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": f"{self.host}/comptes/login/"},
            name="login",
        )
        # Logged in: the feed answers itself instead of redirecting to the login page.
        with self.client.get(
            "/fil/", name="login", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{email} is not logged in ({response.status_code})")

    @task(6)
    def feed(self):
        response = self.client.get("/fil/", name="feed")
        more = re.search(r'rel="next" href="([^"]+)"', response.text or "")
        if more and random.random() < 0.3:
            self.page(more.group(1).replace("&amp;", "&"), "feed, next page")

    @task(2)
    def notifications(self):
        self.page("/notifications/", "notifications")

    @task(2)
    def community_page(self):
        self.community()

    @task(1)
    def event_page(self):
        self.event()

    @task(1)
    def search_results(self):
        self.search()

    @task(1)
    def profile(self):
        self.page("/profil/", "profile")

    @task(1)
    def home(self):
        self.page("/", "home")
