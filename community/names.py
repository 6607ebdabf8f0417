"""Public names: what other people see of a member, never derived from their email.

Every account gets a neutral name when it is created (`neutral_name`: an animal or a plant
of the region with a quality, and a number, such as "Cigale rêveuse 27"); the member keeps
it or writes their own (a pseudonym is fine) during onboarding or in their profile. The
@handle (profile address, mentions) is made from the public name. `initials` and
`colour_index` draw the default avatar locally (no Gravatar, no third party).
"""

from __future__ import annotations

import random

# (noun, gender) and adjectives (masculine, feminine): the name agrees in gender.
NOUNS = (
    ("Cigale", "f"),
    ("Hibou", "m"),
    ("Olivier", "m"),
    ("Lavande", "f"),
    ("Goéland", "m"),
    ("Libellule", "f"),
    ("Renard", "m"),
    ("Luciole", "f"),
    ("Platane", "m"),
    ("Mouette", "f"),
    ("Flamant", "m"),
    ("Calanque", "f"),
    ("Pin", "m"),
    ("Étoile", "f"),
    ("Colibri", "m"),
    ("Tortue", "f"),
)
ADJECTIVES = (
    ("curieux", "curieuse"),
    ("rêveur", "rêveuse"),
    ("lecteur", "lectrice"),
    ("voyageur", "voyageuse"),
    ("joyeux", "joyeuse"),
    ("bleu", "bleue"),
    ("malicieux", "malicieuse"),
    ("paisible", "paisible"),
    ("rieur", "rieuse"),
    ("songeur", "songeuse"),
)


def neutral_name(rng: random.Random | None = None) -> str:
    """A name that says nothing about the person: "Hibou curieux 42"."""
    rng = rng or random.SystemRandom()
    noun, gender = rng.choice(NOUNS)
    masculine, feminine = rng.choice(ADJECTIVES)
    return f"{noun} {feminine if gender == 'f' else masculine} {rng.randint(10, 99)}"


def initials(name: str) -> str:
    """One or two capital letters for an avatar: "Cigale rêveuse 27" → "CR", "Léa" → "L"."""
    words = [w for w in (name or "").split() if w[:1].isalpha()]
    letters = "".join(w[0] for w in words[:2]).upper()
    return letters or "?"


def colour_index(seed: int, colours: int = 6) -> int:
    """A stable colour for a member's default avatar (from their id, never their email)."""
    return (seed or 0) % colours


def user_display(user) -> str:
    """allauth's ACCOUNT_USER_DISPLAY: the public name."""
    return getattr(user, "public_name", "") or ""
