"""SingleFlight: callers asking for one key at once share one load; a cancelled caller
does not cancel it for the others; a failure reaches every caller and is not kept."""

from __future__ import annotations

import asyncio

import pytest

from instance.single_flight import SingleFlight


async def test_callers_at_once_share_one_load_and_later_ones_load_again():
    flights: SingleFlight[str, int] = SingleFlight()
    loads, both_started, release = [], asyncio.Event(), asyncio.Event()

    async def load() -> int:
        loads.append(1)
        if len(loads) == 2:
            both_started.set()
        await release.wait()
        return len(loads)

    callers = [asyncio.create_task(flights.run("k", load)) for _ in range(10)]
    other = asyncio.create_task(flights.run("other", load))
    async with asyncio.timeout(2):
        await both_started.wait()
    release.set()
    assert await asyncio.gather(*callers) == [2] * 10  # both keys started before either ended
    assert await other == 2 and len(loads) == 2
    assert await flights.run("k", load) == 3  # nothing is cached: a new call loads


async def test_a_cancelled_caller_leaves_the_load_to_the_others():
    flights: SingleFlight[str, str] = SingleFlight()
    started, release = asyncio.Event(), asyncio.Event()

    async def load() -> str:
        started.set()
        await release.wait()
        return "row"

    first = asyncio.create_task(flights.run("k", load))
    second = asyncio.create_task(flights.run("k", load))
    async with asyncio.timeout(2):
        await started.wait()
    first.cancel()
    release.set()
    assert await second == "row"
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_a_failed_load_fails_every_caller_and_the_next_call_tries_again():
    flights: SingleFlight[str, str] = SingleFlight()
    attempts = []

    async def load() -> str:
        attempts.append(1)
        await asyncio.sleep(0)
        if len(attempts) == 1:
            raise LookupError("database away")
        return "row"

    results = await asyncio.gather(*(flights.run("k", load) for _ in range(3)),
                                   return_exceptions=True)
    assert all(isinstance(r, LookupError) for r in results)
    assert await flights.run("k", load) == "row" and len(attempts) == 2
