"""The database search index: one row per searchable object, denormalised for facets.

Written only by :mod:`search.indexing` (never edited by hand). Full-text structures live
beside these tables and depend on the database (migration ``0002_vendor_setup``):

* SQLite: FTS5 virtual tables ``search_fts`` (analysed title, people, keywords, body;
  rowid = SearchEntry.id), ``search_suggest_fts`` (prefix index over suggestion keys) and
  ``search_term_fts`` (trigram index over the vocabulary, for typo tolerance);
* PostgreSQL: a generated ``tsv`` column on SearchEntry (``affinites_fr`` configuration:
  unaccent + French Snowball stemmer, weighted A-D) with a GIN index, a GIN index over the
  suggestion keys, and a pg_trgm GIN index over the vocabulary.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchEntry(models.Model):
    kind = models.CharField(_("kind"), max_length=20)
    object_id = models.PositiveBigIntegerField(_("object id"))
    title = models.CharField(_("title"), max_length=500)
    title_key = models.CharField(max_length=255, db_index=True)
    people = models.TextField(blank=True)
    keywords = models.TextField(blank=True)
    body = models.TextField(blank=True)
    doc_type = models.CharField(max_length=20, blank=True)
    audience = models.CharField(max_length=10, blank=True)
    language = models.CharField(max_length=3, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    date = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    available = models.BooleanField(default=False)
    boost = models.FloatField(default=1.0)
    # the ids of SearchEntryBranch / SearchEntryInterest again, space-separated, so that
    # PostgreSQL counts facets from the matched rows alone (unnest), without joins; on
    # PostgreSQL they are the only copy (GIN indexes over string_to_array(…), migration 0005,
    # make the médiathèque and interest filters index conditions)
    branch_ids = models.TextField(blank=True)
    available_branch_ids = models.TextField(blank=True)
    interest_ids = models.TextField(blank=True)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique")
        ]
        indexes = [
            models.Index(fields=["date"], name="search_entry_date"),
            models.Index(fields=["doc_type", "year"], name="search_entry_type_year"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} {self.title}"


class SearchEntryBranch(models.Model):
    """A branch an entry belongs to: holding branch of an item (available: a copy is on the
    shelf there), branch of an event, target branch of an announcement or a community.
    SQLite and other databases only: PostgreSQL reads the entry's id lists instead."""

    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="+")
    branch_id = models.BigIntegerField()
    available = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["branch_id", "available"], name="search_branch_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} @ {self.branch_id}"


class SearchEntryInterest(models.Model):
    """An interest of an entry (and the parent of each, so "Imaginaire" finds "Fantasy").
    SQLite and other databases only: PostgreSQL reads the entry's id lists instead."""

    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="+")
    interest_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["interest_id"], name="search_interest_idx")]

    def __str__(self) -> str:
        return f"{self.entry_id} ∈ {self.interest_id}"


class SearchTerm(models.Model):
    """The vocabulary of the index (stemmed terms), for typo correction."""

    term = models.CharField(max_length=100, unique=True)

    def __str__(self) -> str:
        return self.term


class SearchSuggestion(models.Model):
    """What the search box proposes as you type: titles, authors, interests, communities."""

    class Kind(models.TextChoices):
        TITLE = "title", _("title")
        AUTHOR = "author", _("author")
        INTEREST = "interest", _("interest")
        COMMUNITY = "community", _("community")

    kind = models.CharField(max_length=20, choices=Kind)
    key = models.CharField(max_length=255)  # folded label (what is matched)
    ref = models.CharField(max_length=64)  # object id, or the folded author name
    label = models.CharField(max_length=300)
    detail = models.CharField(max_length=300, blank=True)
    url = models.CharField(max_length=500)
    weight = models.FloatField(default=1.0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "ref"], name="search_suggestion_unique")
        ]

    def __str__(self) -> str:
        return self.label
