"""The rush scenario of ``make load`` (tests/load/run.py drives it; ``locust -f`` works too).

60 % visitors, 40 % logged-in members, 0.5 to 1.5 s between two pages. Visitors browse the
home page, the agenda and its events, the communities, the médiathèques, the news, search
(results page and the header box's suggestions) and "what is on near me"; members log in
once, then read their feed (and its next page), their notifications, their communities,
events and search, and take part: post (at most every 2 minutes each), react to posts,
register for events. A librarian publishes an announcement every LOAD_PUBLISH_SECONDS
(tests/load/librarian.py), fanned out by the task workers to the members' open pages. Each request is named after its page kind: the report's rows.

The links (events, communities, médiathèques) are read once from the site's own index
pages; member accounts are those of tests/load/seed.py.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import subprocess
import sys
import time

from gevent.lock import Semaphore
from locust import FastHttpUser, between, events, task

from tests.load.seed import EMAIL, LOAD_PASSWORD

MEMBER_ACCOUNTS = int(os.environ.get("LOAD_MEMBERS", "40"))  # seeded by tests/load/run.py
SEARCHES = ["manga", "jazz", "polar", "science-fiction", "cuisine", "Provence", "BD", "jeux"]
SUGGEST = ["man", "jaz", "pol", "cui", "fan"]
COMMUNES = ["Aubagne", "Marseille", "Arles", "Aix-en-Provence", "La Ciotat", "13400"]

POST_EVERY_SECONDS = 120
POSTS = [
    "Quelqu’un a lu le dernier prix des lycéens ? Je cherche des avis.",
    "Merci pour l’atelier de samedi, c’était passionnant !",
    "Je conseille ce polar à tout le monde, impossible de le lâcher.",
    "Une idée de manga pour un lecteur de 12 ans ?",
]
# Librarians publishing now and then (tests/load/librarian.py), every LOAD_PUBLISH_SECONDS
# (0: none) while the test runs.
PUBLISH_SECONDS = float(os.environ.get("LOAD_PUBLISH_SECONDS", "60"))
_librarian: list[subprocess.Popen] = []


@events.test_start.add_listener
def start_librarian(environment, **kwargs):
    if PUBLISH_SECONDS > 0 and not _librarian:
        _librarian.append(
            subprocess.Popen(
                [sys.executable, "-m", "tests.load.librarian", "--every", str(PUBLISH_SECONDS)],
                stdout=subprocess.DEVNULL,  # Wagtail logs every page it creates
            )
        )


@events.test_stop.add_listener
def stop_librarian(environment, **kwargs):
    while _librarian:
        process = _librarian.pop()
        process.terminate()
        process.wait(10)


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

    last_post = float("-inf")

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

    @task(2)
    def take_part(self):
        """Posting (at most once every 2 minutes: the limit is 6 per 10 minutes), reacting to
        a post, or registering for an event, from the page that offers it."""
        if time.monotonic() - self.last_post > POST_EVERY_SECONDS:
            page = self.client.get(random.choice(community_urls(self.client)), name="community")
            composer = re.search(r'action="(/communautes/\d+/publier/)"', page.text or "")
            if composer:
                self.last_post = time.monotonic()
                self.form_post(composer.group(1), page.text, "post", {"body": random.choice(POSTS)})
                return
        if random.random() < 0.6:
            page = self.client.get(random.choice(community_urls(self.client)), name="community")
            react = re.findall(r'action="(/communautes/\d+/\d+/reagir/)"', page.text or "")
            if react:
                kind = random.choice(["like", "interested"])
                self.form_post(random.choice(react), page.text, "react", {"kind": kind})
            return
        page = self.client.get(random.choice(event_urls(self.client)), name="event")
        register = re.search(
            r'action="(/agenda/\d+/(?:inscription|liste-attente)/)"', page.text or ""
        )
        if register:
            self.form_post(register.group(1), page.text, "register", {})

    def form_post(self, url: str, page_html: str, name: str, data: dict) -> None:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page_html or "")
        data = {**data, "csrfmiddlewaretoken": token.group(1) if token else ""}
        with self.client.post(
            url,
            data=data,
            name=name,
            headers={"Referer": f"{self.host}{url}"},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code in (200, 302, 303):
                response.success()
            else:
                response.failure(f"{name}: {response.status_code}")
