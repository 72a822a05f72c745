"""One way to cut a long list of ids or rows into batches, for ``IN (...)`` lists under SQLite's
32,766 parameters, bounded memory, and one transaction or message per batch."""

from collections.abc import Iterable, Iterator
from itertools import islice


def batched(items: Iterable, size: int) -> Iterator[list]:
    """``items`` in lists of ``size`` (the last one shorter), read lazily: a queryset's
    ``.iterator()`` is never held whole. ``itertools.batched`` from Python 3.12, on 3.11."""
    if size < 1:
        raise ValueError("size must be at least 1")
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
