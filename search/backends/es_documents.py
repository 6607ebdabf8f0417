"""Elasticsearch index definitions (elasticsearch-dsl): analyzers, mappings, documents.

``affinites_french``: standard tokenizer → elision (l', d', qu'…) → lowercase → French stop
words (accented) → asciifolding (é = e) → French stop words again (folded) → Snowball French
stemmer. The same steps, in the same order, as PostgreSQL's ``affinites_fr`` configuration
and search/analysis.py, so that every backend finds the same things.

Two indexes, each behind an alias so that a rebuild can fill new ones and swap atomically:
``<prefix>-search`` (one document per searchable object, all kinds) and
``<prefix>-suggestions`` (titles, authors, interests, communities for the search box).
"""

from __future__ import annotations

from elasticsearch_dsl import (
    Boolean,
    Date,
    Document,
    Float,
    GeoPoint,
    Index,
    Integer,
    Keyword,
    Long,
    SearchAsYouType,
    Text,
    analyzer,
    token_filter,
)

from ..analysis import STOP_WORDS
from ..documents import Document as SearchableDocument
from ..documents import Suggestion

ELISION_ARTICLES = [
    "l",
    "m",
    "t",
    "qu",
    "n",
    "s",
    "j",
    "d",
    "c",
    "jusqu",
    "quoiqu",
    "lorsqu",
    "puisqu",
]

french_elision = token_filter(
    "affinites_elision", "elision", articles_case=True, articles=ELISION_ARTICLES
)
french_stop = token_filter("affinites_french_stop", "stop", stopwords=sorted(STOP_WORDS))
french_stemmer = token_filter("affinites_french_stemmer", "stemmer", language="french")

french = analyzer(
    "affinites_french",
    tokenizer="standard",
    filter=[french_elision, "lowercase", french_stop, "asciifolding", french_stop, french_stemmer],
)
folding = analyzer(
    "affinites_folding",
    tokenizer="standard",
    filter=[french_elision, "lowercase", "asciifolding"],
)


class SearchDocument(Document):
    """One searchable object (catalogue item, event, announcement, list, community, post)."""

    kind = Keyword()
    object_id = Long()
    title = Text(
        analyzer=french,
        fields={"raw": Keyword(), "prefix": SearchAsYouType(analyzer=folding)},
    )
    title_key = Keyword()
    people = Text(analyzer=french, fields={"prefix": SearchAsYouType(analyzer=folding)})
    keywords = Text(analyzer=french)
    body = Text(analyzer=french)
    isbn = Keyword()
    doc_type = Keyword()
    audience = Keyword()
    language = Keyword()
    year = Integer()
    date = Date()
    expires_at = Date()
    available = Boolean()
    boost = Float()
    branch_ids = Integer()  # holding / event / target branches
    available_branch_ids = Integer()  # branches where a copy is on the shelf now
    interest_ids = Integer()
    location = GeoPoint()  # several points: every branch of the object

    @classmethod
    def from_document(cls, doc: SearchableDocument) -> SearchDocument:
        return cls(
            meta={"id": f"{doc.kind}-{doc.object_id}"},
            kind=doc.kind,
            object_id=doc.object_id,
            title=doc.title,
            title_key=doc.title_key,
            people=doc.people,
            keywords=doc.keywords,
            body=doc.body,
            isbn=doc.isbns,
            doc_type=doc.doc_type or None,
            audience=doc.audience or None,
            language=doc.language or None,
            year=doc.year,
            date=doc.date,
            expires_at=doc.expires_at,
            available=doc.available,
            boost=doc.boost,
            branch_ids=sorted(doc.branches),
            available_branch_ids=sorted(b for b, ok in doc.branches.items() if ok),
            interest_ids=list(doc.interests),
            location=[{"lat": lat, "lon": lon} for lat, lon in doc.locations if lat is not None],
        )


class SuggestionDocument(Document):
    """What the search box proposes: matched as you type, ranked by weight."""

    kind = Keyword()
    ref = Keyword()
    label = SearchAsYouType(analyzer=folding)
    key = Keyword()
    detail = Keyword(index=False)
    url = Keyword(index=False)
    weight = Float()

    @classmethod
    def from_suggestion(cls, s: Suggestion) -> SuggestionDocument:
        return cls(
            meta={"id": f"{s.kind}-{s.ref}"},
            kind=s.kind,
            ref=s.ref,
            label=s.label,
            key=s.key,
            detail=s.detail,
            url=s.url,
            weight=s.weight,
        )


def build_index(
    name: str, document: type[Document], *, shards: int = 1, replicas: int = 0
) -> Index:
    index = Index(name)
    # expunge_deletes_allowed 0: a forced merge that expunges deletes (account erasure)
    # merges every segment holding a deleted document, not only those above 10 %
    index.settings(
        number_of_shards=shards,
        number_of_replicas=replicas,
        refresh_interval="1s",
        merge={"policy": {"expunge_deletes_allowed": 0}},
    )
    index.analyzer(french)
    index.analyzer(folding)
    index.document(document)
    return index
