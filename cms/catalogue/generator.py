"""Deterministic synthetic catalogues, for benchmarks and load tests.

`generate_records(count, seed, branch_codes)` yields plausible French records (titles,
authors, subjects with their Dewey class, holdings on the given branch codes). The same
seed always gives the same records. `write_unimarc` streams them to an ISO 2709 UNIMARC
file in Koha's layout (001, 010, 099$t, 100, 101, 200, 214, 330, 606, 676, 700/701, 995),
which the importer reads back into the same records.
"""

import random
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import BinaryIO

from pymarc import Field, Indicators, Record, Subfield

from cms.models import Audience, DocumentType, HoldingStatus

from .isbn import ean13_check_digit
from .records import CatalogueRecord, Entry, HoldingRecord, finalise

FORENAMES = [
    "Anne",
    "Claire",
    "Louis",
    "Marie",
    "Jean",
    "Sophie",
    "Paul",
    "Camille",
    "Lucie",
    "Hugo",
    "Léa",
    "Julien",
    "Chloé",
    "Nicolas",
    "Inès",
    "Thomas",
    "Manon",
    "Karim",
    "Yasmina",
    "Mathieu",
    "Élodie",
    "Rémi",
    "Zoé",
    "Baptiste",
    "Amandine",
    "Farid",
]
SURNAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
    "François",
    "Legrand",
    "Gauthier",
    "Perrin",
    "Robin",
    "Clément",
    "Benali",
    "Nguyen",
    "Haddad",
    "Castellane",
    "Pagnol",
    "Giono",
]
NOUNS = [
    "mer",
    "vent",
    "étoile",
    "ville",
    "jardin",
    "nuit",
    "soleil",
    "forêt",
    "rivière",
    "montagne",
    "mémoire",
    "voyage",
    "silence",
    "lumière",
    "ombre",
    "île",
    "saison",
    "chemin",
    "maison",
    "frontière",
    "planète",
    "secret",
    "royaume",
    "orage",
    "horizon",
]
ADJECTIVES = [
    "bleue",
    "perdue",
    "dernière",
    "lointaine",
    "secrète",
    "oubliée",
    "rouge",
    "immense",
    "douce",
    "sauvage",
    "étrange",
    "nouvelle",
    "ancienne",
    "froide",
    "brûlante",
    "invisible",
]
PUBLISHERS = (
    "Gallimard",
    "Actes Sud",
    "Le Seuil",
    "Flammarion",
    "Albin Michel",
    "L'Atalante",
    "Bragelonne",
    "Glénat",
    "Dargaud",
    "Casterman",
    "Kana",
    "Larousse",
    "Hachette",
    "Rivages",
    "École des loisirs",
)
# subject, Dewey, document type
SUBJECTS = (
    ("Science-fiction", "843.914", DocumentType.BOOK),
    ("Fantasy", "843.92", DocumentType.BOOK),
    ("Romans policiers", "843.914", DocumentType.BOOK),
    ("Cuisine provençale", "641.594", DocumentType.BOOK),
    ("Bandes dessinées", "741.5", DocumentType.COMIC),
    ("Mangas", "741.595", DocumentType.MANGA),
    ("Histoire de Marseille", "944.912", DocumentType.BOOK),
    ("Jardinage", "635", DocumentType.BOOK),
    ("Randonnée", "796.51", DocumentType.BOOK),
    ("Musique classique", "781.68", DocumentType.CD),
    ("Jazz", "781.65", DocumentType.CD),
    ("Cinéma d'animation", "791.433", DocumentType.DVD),
    ("Jeux vidéo", "794.8", DocumentType.VIDEO_GAME),
    ("Astronomie", "520", DocumentType.BOOK),
    ("Écologie", "577", DocumentType.BOOK),
    ("Photographie", "770", DocumentType.BOOK),
    ("Philosophie", "100", DocumentType.BOOK),
    ("Actualité", "070", DocumentType.MAGAZINE),
)
ITEM_TYPE_CODES = {
    DocumentType.BOOK: "LIVRE",
    DocumentType.COMIC: "BD",
    DocumentType.MANGA: "MANGA",
    DocumentType.DVD: "DVD",
    DocumentType.CD: "CD",
    DocumentType.VIDEO_GAME: "JEU",
    DocumentType.DIGITAL: "NUM",
    DocumentType.MAGAZINE: "REVUE",
}
LEADER_TYPES = {
    DocumentType.DVD: "g",
    DocumentType.CD: "j",
    DocumentType.VIDEO_GAME: "m",
    DocumentType.DIGITAL: "l",
}
GMD = {
    DocumentType.DVD: "Images animées",
    DocumentType.CD: "Enregistrement sonore musical",
    DocumentType.VIDEO_GAME: "Multimédia",
    DocumentType.DIGITAL: "Ressource électronique",
}
AUDIENCE_CODES = {Audience.CHILDREN: "c", Audience.TEENS: "e", Audience.ADULTS: "m"}
AUDIENCE_995 = {Audience.CHILDREN: "j", Audience.TEENS: "ado", Audience.ADULTS: "a"}
STATUSES = (
    [HoldingStatus.AVAILABLE] * 14
    + [HoldingStatus.ON_LOAN] * 4
    + [HoldingStatus.ON_ORDER, HoldingStatus.IN_REPAIR]
)
STATUS_995 = {
    HoldingStatus.AVAILABLE: "0",
    HoldingStatus.ON_LOAN: "0",
    HoldingStatus.ON_ORDER: "en commande",
    HoldingStatus.IN_REPAIR: "en réparation",
}


# Copies on loan are due back within four weeks of a fixed day, so that a generated file is
# the same whatever the day it is made (the record's number picks the day).
DUE_ANCHOR = date(2026, 12, 1)


def _holding(branch: str, call_number: str, status: str, n: int) -> HoldingRecord:
    due = DUE_ANCHOR + timedelta(days=n % 28) if status == HoldingStatus.ON_LOAN else None
    return HoldingRecord(branch, call_number, status, due)


def _isbn(rng: random.Random) -> str:
    body = "9782" + "".join(str(rng.randrange(10)) for _ in range(8))
    return body + ean13_check_digit(body)


def generate_records(
    count: int, seed: int = 1, branch_codes: Iterable[str] = ("ALC",)
) -> Iterator[CatalogueRecord]:
    """`count` deterministic records with holdings spread over `branch_codes`."""
    codes = list(branch_codes)
    rng = random.Random(seed)
    for n in range(1, count + 1):
        subject, dewey, doc_type = rng.choice(SUBJECTS)
        extra = rng.choice(SUBJECTS)[0]
        noun, adjective = rng.choice(NOUNS), rng.choice(ADJECTIVES)
        title = f"La {noun} {adjective}".capitalize() if n % 3 else f"Au-delà de la {noun}"
        authors = [f"{rng.choice(SURNAMES)}, {rng.choice(FORENAMES)}"]
        if rng.random() < 0.2:
            authors.append(f"{rng.choice(SURNAMES)}, {rng.choice(FORENAMES)}")
        audience = rng.choice(
            (Audience.ADULTS, Audience.ADULTS, Audience.ADULTS, Audience.CHILDREN, Audience.TEENS)
        )
        holdings = (
            [
                _holding(
                    rng.choice(codes),
                    f"{dewey.split('.')[0]} {authors[0][:3].upper()}",
                    rng.choice(STATUSES),
                    n,
                )
                for _ in range(rng.randint(1, 3))
            ]
            if codes
            else []
        )
        yield CatalogueRecord(
            record_id=f"GEN{n:07d}",
            title=f"{title} ({n})",
            authors=authors,
            doc_type=doc_type,
            isbn="" if doc_type == DocumentType.MAGAZINE else _isbn(rng),
            year=rng.randint(1960, 2025),
            publisher=rng.choice(PUBLISHERS),
            language="fre" if rng.random() < 0.9 else "eng",
            summary=(
                f"Une histoire de {noun} {adjective} et de {rng.choice(NOUNS)}, "
                f"entre {rng.choice(NOUNS)} et {rng.choice(NOUNS)}. "
                f"Par {authors[0].split(', ')[1]} {authors[0].split(', ')[0]}."
            ),
            subjects=[subject] if extra == subject else [subject, extra],
            audience=audience,
            dewey=dewey,
            holdings=holdings,
        )


def record_to_unimarc(record: CatalogueRecord) -> Record:
    leader = "     n" + LEADER_TYPES.get(record.doc_type, "a")
    leader += ("s" if record.doc_type == DocumentType.MAGAZINE else "m") + "  22     i 450 "
    marc = Record(leader=leader, force_utf8=True)

    def add(tag: str, *subfields: tuple[str, str], ind: str = "  ") -> None:
        values = [Subfield(code, value) for code, value in subfields if value]
        if values:
            marc.add_field(Field(tag, Indicators(ind[0], ind[1]), subfields=values))

    marc.add_field(Field("001", data=record.record_id))
    add("010", ("a", record.isbn))
    add("099", ("t", ITEM_TYPE_CODES[record.doc_type]))
    year = f"{record.year:04d}" if record.year else "    "
    coded = f"20240101d{year}    {AUDIENCE_CODES[record.audience]}  y0frey5050    ba"
    add("100", ("a", coded))
    add("101", ("a", record.language), ind="0 ")
    add("200", ("a", record.title), ("b", GMD.get(record.doc_type, "")), ind="1 ")
    add("214", ("c", record.publisher), ("d", f"DL {record.year}" if record.year else ""), ind=" 0")
    add("330", ("a", record.summary))
    for subject in record.subjects:
        add("606", ("a", subject), ("2", "rameau"))
    add("676", ("a", record.dewey))
    for index, author in enumerate(record.authors):
        surname, _, forename = author.partition(", ")
        add("700" if index == 0 else "701", ("a", surname), ("b", forename), ("4", "070"), ind=" 1")
    for holding in record.holdings:
        circulation = STATUS_995[holding.status]
        due = holding.due_date.isoformat() if holding.due_date else ""
        add(
            "995",
            ("b", holding.branch_code),
            ("c", holding.branch_code),
            ("k", holding.call_number),
            ("o", circulation),
            ("n", due),
            ("q", AUDIENCE_995[record.audience]),
            ("r", ITEM_TYPE_CODES[record.doc_type]),
        )
    return marc


def write_unimarc(records: Iterable[CatalogueRecord], stream: BinaryIO) -> int:
    """Write records as ISO 2709 UNIMARC (UTF-8), one at a time; returns how many."""
    count = 0
    for record in records:
        stream.write(record_to_unimarc(record).as_marc())
        count += 1
    return count


def generated_entries(records: Iterable[CatalogueRecord]) -> Iterator[Entry]:
    """Generated records as importer entries (checked like records read from a file)."""
    for position, record in enumerate(records, start=1):
        yield Entry(position, finalise(record), record.record_id)
