"""search.indexing.read_ahead: the rebuild's batches built one step ahead in a thread."""

import threading

import pytest

from search.indexing import read_ahead


def test_items_in_order_from_another_thread():
    threads = set()

    def produce():
        for n in range(10):
            threads.add(threading.current_thread().name)
            yield n

    assert list(read_ahead(produce())) == list(range(10))
    assert threads == {"search-rebuild-reader"}


def test_an_error_while_producing_is_raised_to_the_consumer():
    def produce():
        yield 1
        raise ValueError("unreadable batch")

    items = read_ahead(produce())
    assert next(items) == 1
    with pytest.raises(ValueError, match="unreadable batch"):
        next(items)


def test_stopping_early_stops_the_thread():
    produced = []

    def produce():
        for n in range(1000):
            produced.append(n)
            yield n

    items = read_ahead(produce(), depth=2)
    assert next(items) == 0
    items.close()  # the consumer gives up (e.g. the rebuild failed)

    assert not any(t.name == "search-rebuild-reader" for t in threading.enumerate())
    assert len(produced) < 10
