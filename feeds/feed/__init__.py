"""A member's feed and the public samples of it, one module per concern.

* `build`: rebuilding a member's stored feed from scratch (`build_feed`), and the signature
  of what it was built from.
* `freshness`: rebuilding it when the member opens it and it is due (`ensure_fresh`).
* `cursor`: the position of the next page (`Cursor`).
* `cards`: stored entries hydrated into cards to render (`hydrate`, `FeedCard`).
* `reading`: one page of the feed, diversified (`read_feed`).
* `dismissals`: "not interested" and its undo.
* `samples`: what is on near a place, a community's feed.
"""
