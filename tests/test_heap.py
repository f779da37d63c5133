"""heap.settle: what start-up left as garbage is freed, what it keeps is frozen (never
walked by a full collection again)."""

from __future__ import annotations

import gc
import weakref

from instance import heap


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


def test_settle_frees_start_up_garbage_and_freezes_the_rest():
    dropped, kept = Node(), Node()
    gone = weakref.ref(dropped)
    del dropped
    try:
        heap.settle()
        assert gone() is None
        assert gc.get_freeze_count() > 0
        assert not collected(kept)  # in no generation a collection walks
    finally:
        gc.unfreeze()
    assert collected(kept)


def collected(thing: object) -> bool:
    return any(found is thing for found in gc.get_objects())
