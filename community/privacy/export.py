"""A member's data, all of it: the account, then every row of every model pointing at it.

:func:`member_data` returns sections (one per model and link), each with its columns
(French labels from the models' ``verbose_name``) and rows; :func:`as_json` turns them into
the downloadable file. Secrets (the password hash) are named but never given; people on the
other side of something done *to* the member (who blocked or reported them) stay hidden.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from community.privacy.personal_data import (
    BULKY_FIELDS,
    OWNED_CONTAINERS,
    SECRET_FIELDS,
    Relation,
    installed,
    linked_holder_rows,
    member_relations,
    member_sessions,
    relations_to,
    user_model,
)

FORMAT_VERSION = 1


@dataclass
class Cell:
    raw: Any  # what goes into the JSON file
    text: str  # what the HTML page shows


@dataclass
class Section:
    key: str
    model_label: str
    title: str
    subtitle: str = ""
    columns: list[tuple[str, str]] = field(default_factory=list)  # (name, label)
    rows: list[dict[str, Cell]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.rows)

    def pairs(self) -> list[tuple[str, Cell]]:
        """(label, cell) of the first row (sections with a single row read as a list)."""
        if not self.rows:
            return []
        return [(label, self.rows[0][name]) for name, label in self.columns]

    def table(self) -> list[list[Cell]]:
        """Rows as lists in column order (for templates)."""
        names = [name for name, _label in self.columns]
        return [[row[name] for name in names] for row in self.rows]


def _label(field_obj) -> str:
    return capfirst(str(getattr(field_obj, "verbose_name", field_obj.name)))


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _plain(value: Any) -> Cell:
    if value is None:
        return Cell(None, "")
    if isinstance(value, bool):
        return Cell(value, _yes_no(value))
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return Cell(value.isoformat(), formats.date_format(local, "DATETIME_FORMAT"))
    if isinstance(value, (date, time)):
        return Cell(value.isoformat(), formats.localize(value))
    if isinstance(value, Decimal):
        return Cell(str(value), formats.localize(value))
    if isinstance(value, (dict, list)):
        return Cell(value, json.dumps(value, ensure_ascii=False, default=str))
    if isinstance(value, float):
        # Shown to a person: two decimals ("358,19"), the file keeps the exact value.
        return Cell(value, formats.number_format(round(value, 2), decimal_pos=2))
    if isinstance(value, (int, str)):
        return Cell(value, formats.localize(value) if not isinstance(value, str) else value)
    return Cell(str(value), str(value))


class _Renderer:
    """Renders the cells of one member's rows (knows who "you" are)."""

    def __init__(self, member) -> None:
        self.member = member
        self.user_model = user_model()

    def person(self, other, hidden: bool) -> Cell:
        if other is None:
            return Cell(None, "")
        if other.pk == self.member.pk:
            return Cell("you", _("you"))
        if hidden:
            return Cell("hidden", _("another person (not disclosed)"))
        name = getattr(other, "public_name", None) or str(other)
        return Cell(name, name)

    def cell(self, obj: models.Model, f: models.Field, relation: Relation | None) -> Cell:
        label = obj._meta.label
        if f.name in SECRET_FIELDS.get(label, set()):
            return Cell("[secret]", _("stored in encrypted form, never shown"))
        hidden = bool(relation and f.name in relation.hidden_fields)
        if f.is_relation:
            related = getattr(obj, f.name)
            if f.related_model is self.user_model:
                return self.person(related, hidden)
            if related is None:
                return Cell(None, "")
            return Cell(str(related), str(related))
        if hidden:
            return Cell("hidden", _("not disclosed"))
        if isinstance(f, models.FileField):
            file = getattr(obj, f.name)
            url = file.url if file else ""
            return Cell(url, url)
        if f.choices:
            value = getattr(obj, f.attname)
            return Cell(value, str(getattr(obj, f"get_{f.name}_display")()))
        return _plain(getattr(obj, f.attname))


def _exported_fields(model: type[models.Model], skip: set[str]) -> list[models.Field]:
    bulky = BULKY_FIELDS.get(model._meta.label, set())
    return [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in skip and f.name not in bulky
    ]


def _rows(queryset, fields, renderer: _Renderer, relation: Relation | None):
    related = [f.name for f in fields if f.is_relation]
    queryset = queryset.select_related(*related).order_by("pk")
    return [
        {f.name: renderer.cell(obj, f, relation) for f in fields} for obj in queryset.iterator()
    ]


def _account_section(member, renderer: _Renderer) -> Section:
    model = user_model()
    fields = _exported_fields(model, set())
    section = Section(
        key=f"{model._meta.label_lower}",
        model_label=model._meta.label,
        title=_("Your account"),
        columns=[(f.name, _label(f)) for f in fields],
    )
    row = {f.name: renderer.cell(member, f, None) for f in fields}
    groups = sorted(member.groups.values_list("name", flat=True))
    section.columns.append(("groups", capfirst(str(model._meta.get_field("groups").verbose_name))))
    row["groups"] = Cell(groups, ", ".join(groups))
    section.rows.append(row)
    return section


def _relation_section(relation: Relation, queryset, renderer: _Renderer, multi: bool) -> Section:
    meta = relation.model._meta
    m2m = relation.m2m_field
    if m2m is not None:
        owner = m2m.model._meta
        title = f"{capfirst(str(owner.verbose_name_plural))} — {m2m.verbose_name}"
    else:
        title = capfirst(str(meta.verbose_name_plural))
    fields = _exported_fields(relation.model, {relation.field.name})
    return Section(
        key=relation.key,
        model_label=relation.model_label,
        title=title,
        subtitle=str(relation.field.verbose_name) if multi and m2m is None else "",
        columns=[(f.name, _label(f)) for f in fields],
        rows=_rows(queryset, fields, renderer, relation),
    )


def _sessions_section(member) -> Section:
    sessions = member_sessions(member)
    section = Section(
        key="sessions",
        model_label="sessions.Session",
        title=_("Open sessions"),
        columns=[("expire_date", _("expires"))],
    )
    for session in sorted(sessions, key=lambda s: s.expire_date):
        section.rows.append({"expire_date": _plain(session.expire_date)})
    return section


def member_data(member) -> list[Section]:
    """Every personal datum stored about ``member``, grouped by model and link."""
    renderer = _Renderer(member)
    sections = [_account_section(member, renderer)]
    relations = member_relations()
    per_model: dict[type, int] = {}
    for relation in relations:
        per_model[relation.model] = per_model.get(relation.model, 0) + 1
    holders: dict[str, models.QuerySet] = linked_holder_rows(member)
    for relation in relations:
        queryset = relation.model._base_manager.filter(**{relation.field.name: member})
        if relation.model_label in holders:
            continue  # exported below, with the rows matched by email
        section = _relation_section(relation, queryset, renderer, per_model[relation.model] > 1)
        if section.rows:
            sections.append(section)
    for label, queryset in sorted(holders.items()):
        model = queryset.model
        fields = _exported_fields(model, set())
        rows = _rows(queryset, fields, renderer, None)
        if not rows:
            continue
        sections.append(
            Section(
                key=model._meta.label_lower,
                model_label=label,
                title=capfirst(str(model._meta.verbose_name_plural)),
                columns=[(f.name, _label(f)) for f in fields],
                rows=rows,
            )
        )
        for relation in relations_to(model):
            related_qs = relation.model._base_manager.filter(
                **{f"{relation.field.name}__in": queryset}
            )
            section = _relation_section(relation, related_qs, renderer, False)
            section.key = f"{section.key}@{model._meta.label_lower}"
            if section.rows:
                section.subtitle = str(model._meta.verbose_name)
                sections.append(section)
    for label, owner_field in sorted(OWNED_CONTAINERS):
        model = installed(label)
        if model is None:
            continue
        containers = model._base_manager.filter(**{owner_field: member})
        for relation in relations_to(model):
            related_qs = relation.model._base_manager.filter(
                **{f"{relation.field.name}__in": containers}
            )
            section = _relation_section(relation, related_qs, renderer, False)
            section.key = f"{section.key}@{model._meta.label_lower}"
            if section.rows:
                sections.append(section)
    sessions = _sessions_section(member)
    if sessions.rows:
        sections.append(sessions)
    return sections


def as_json(member, sections: list[Section]) -> dict:
    """The downloadable file: sections with column labels and raw values."""
    return {
        "format": "affinites-personal-data",
        "version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "member": {"id": member.pk, "email": member.email},
        "sections": [
            {
                "key": s.key,
                "model": s.model_label,
                "title": s.title,
                "subtitle": s.subtitle,
                "fields": dict(s.columns),
                "rows": [{name: cell.raw for name, cell in row.items()} for row in s.rows],
            }
            for s in sections
        ],
    }
