"""The declared states of the models' state columns, and the moves between them.

Each model module declares one `StrEnum` per state column (a member is a `str`, so it is
written, filtered and compared exactly as the bare string was) and, beside it, a mapping
from every state to the states it may move to. Those mappings are the declared contract,
read off the code that writes the column: nothing enforces them at run time (a write
that breaks one is a bug, and `allowed` is how a test or a review asks). Staying in the
same state is not a move and is always allowed.

A field's default is its member's `.value` (a plain str): the schema is unchanged, and a
migration written later renders the default as a literal instead of importing models.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

S = TypeVar("S", bound=StrEnum)


def allowed(transitions: Mapping[S, frozenset[S]], old: str, new: str) -> bool:
    """Whether the declared `transitions` let a row go from state `old` to state `new`."""
    if old == new:
        return True
    return any(state == old and new in moves for state, moves in transitions.items())
