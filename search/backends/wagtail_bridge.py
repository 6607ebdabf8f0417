"""A Wagtail (modelsearch) search backend that forwards bulk indexing to `search.indexing`.

The catalogue importer writes with bulk operations (no signals) and then calls
``add_bulk`` on every search backend registered in WAGTAILSEARCH_BACKENDS. Registered as
``WAGTAILSEARCH_BACKENDS["affinites"]`` (cms/settings/base.py), this class turns those calls
into scheduled index updates. Single saves and deletes are already scheduled by
search/receivers.py, so ``add`` and ``delete`` do nothing here. It never answers searches
(Wagtail's admin search uses the "default" backend).
"""

from modelsearch.backends.base import BaseIndex, BaseSearchBackend


class BridgeIndex(BaseIndex):
    def get_key(self):
        return "affinites"

    def add_item(self, obj) -> None:
        pass  # search/receivers.py schedules single saves

    def add_items(self, model, items) -> None:
        from ..documents import kind_for_model
        from ..indexing import schedule

        kind = kind_for_model(model)
        if kind is not None:
            schedule(kind.name, [obj.pk for obj in items])

    def delete_item(self, item) -> None:
        pass  # search/receivers.py schedules deletes


class AffinitesBridgeBackend(BaseSearchBackend):
    index_class = BridgeIndex
    catch_indexing_errors = True

    def get_index_for_model(self, model):
        return BridgeIndex(self)

    def search(self, *args, **kwargs):  # pragma: no cover - never the default backend
        raise NotImplementedError("Use search.backends.get_backend() to search the site.")

    autocomplete = search


SearchBackend = AffinitesBridgeBackend
