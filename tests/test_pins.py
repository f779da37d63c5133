"""Pinning (the portfolio's featured strip and the actor's `featured` collection): one
rule for the web and the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from instance.actions import works
from instance.actions.pins import MAX_PINNED, PinError, set_pinned
from instance.storage.models import Work
from tests.test_actions import local


async def test_pin_rules(services):
    ada, bo = await local(services, "ada"), await local(services, "bo")
    mine = await works.create_work(services, ada, title="Harbour", content_source="Oil")
    await set_pinned(ada.id, mine, True)
    assert (await Work.get(id=mine.id)).pinned_at is not None
    with pytest.raises(PinError, match="only pin your own"):
        await set_pinned(bo.id, mine, True)
    with pytest.raises(PinError, match="only pin your own"):
        await set_pinned(bo.id, mine, False)  # nor unpin someone else's
    assert (await Work.get(id=mine.id)).pinned_at is not None
    await set_pinned(ada.id, mine, False)
    assert (await Work.get(id=mine.id)).pinned_at is None

    secret = await works.create_work(services, ada, title="Sketch", content_source="x",
                                     visibility="direct")
    with pytest.raises(PinError, match="public and unlisted"):
        await set_pinned(ada.id, secret, True)


async def test_at_most_a_strip_of_pins(services):
    ada = await local(services, "ada")
    pinned = []
    for n in range(MAX_PINNED + 1):
        pinned.append(await works.create_work(services, ada, title=f"Study {n}", content_source="x"))
    for work in pinned[:MAX_PINNED]:
        await set_pinned(ada.id, await Work.get(id=work.id), True)
    with pytest.raises(PinError, match=f"at most {MAX_PINNED}"):
        await set_pinned(ada.id, pinned[-1], True)
    await set_pinned(ada.id, await Work.get(id=pinned[0].id), True)  # re-pinning one is fine
    assert await Work.filter(account_id=ada.id, pinned_at__not_isnull=True).count() == MAX_PINNED
