"""Deleting the rows of a model without loading them, for the import's hot path."""

from django.db import connections, models, router


def delete_rows(model: type[models.Model], field_name: str, values: list) -> None:
    """DELETE FROM model's table WHERE field IN values, without loading rows or signals.

    Plain SQL because Django has no public API for a delete without its collector:
    QuerySet.delete() fetches every row and sends post_delete for each when a receiver is
    connected (the site search listens to Holding deletions); the import tells the search
    index about the written items itself (the catalogue_items_written signal).
    """
    if not values:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    column = model._meta.get_field(field_name).column
    chunk = 500
    with connection.cursor() as cursor:
        for start in range(0, len(values), chunk):
            part = values[start : start + chunk]
            cursor.execute(
                "DELETE FROM {} WHERE {} IN ({})".format(
                    quote(model._meta.db_table), quote(column), ", ".join(["%s"] * len(part))
                ),
                part,
            )
