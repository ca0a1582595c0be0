"""A firm's generation: a token in the shared cache that changes, after commit,
whenever the firm or its configuration changes.

Whatever is cached about a firm is stored with the generation read *before* the
database was, and trusted only while the generation is the same. A reader that read
the database just before a change and wrote the cache just after is therefore never
believed, and a generation lost from the cache (evicted) invalidates everything stored
under it, because a new one is made.
"""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction


def name(slug: str) -> str:
    """The generation's cache key."""
    return "firm:generation:%s" % slug


def current(slug: str) -> str:
    """The firm's generation, made if there is none."""
    key = name(slug)
    value = cache.get(key)
    if value is None:
        cache.add(key, uuid.uuid4().hex, None)
        value = cache.get(key)
    return value


def read_with(slug: str, entry_name: str) -> tuple[str | None, object | None]:
    """The generation and a cached entry in one round trip."""
    found = cache.get_many([name(slug), entry_name])
    return found.get(name(slug)), found.get(entry_name)


def firm_changed(slug: str) -> None:
    """Bump the generation once the current transaction commits."""
    transaction.on_commit(lambda: cache.set(name(slug), uuid.uuid4().hex, None))
