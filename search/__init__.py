"""Search across the collections (backends, indexing, views)."""
