"""`impasto jobs-board …` as an admin uses it: list, close, remove, approve a poster, and
one clear line for a listing that does not exist."""

from __future__ import annotations

import pytest

from instance.jobboard import listings
from instance.storage import db
from instance.storage.models import JobListing, ListingState, User
from tests.jobboard.test_rules import listing_form
from tests.rig.databases import migrate_for
from tests.rig.processes import impasto_env, run_cli
from tests.rig.services import built_services

pytestmark = pytest.mark.slow


async def test_jobs_board_commands(tmp_path):
    url = f"sqlite://{tmp_path / 'impasto.sqlite3'}"
    env = impasto_env(url, tmp_path, JOBBOARD_POSTING="approved")
    migrate_for(env)
    assert run_cli(["user", "create", "studio", "--password-stdin"], env,
                   stdin="a long enough password\n").returncode == 0

    missing = run_cli(["jobs-board", "approve", "nobody"], env)
    assert missing.returncode == 2 and "no local account nobody" in missing.stderr
    approved = run_cli(["jobs-board", "approve", "Studio"], env)
    assert approved.returncode == 0, approved.stderr
    await db.connect(url)
    try:
        async for services in built_services(url, tmp_path, jobboard_posting="approved"):
            poster = await User.get(account__username="studio").prefetch_related("account")
            first = await listings.create_listing(services, poster, listing_form(), publish=True)
            second = await listings.create_listing(services, poster, listing_form(title="Mural"),
                                                   publish=True)
    finally:
        await db.disconnect()

    table = run_cli(["jobs-board", "list"], env).stdout
    assert "Mural" in table and "Cover art for a picture book" in table and "open" in table
    assert run_cli(["jobs-board", "close", str(first.id), "--filled"], env).returncode == 0
    assert run_cli(["jobs-board", "remove", str(second.id), "--reason", "spam"],
                   env).returncode == 0
    again = run_cli(["jobs-board", "close", str(second.id)], env)
    assert again.returncode == 2 and "cannot become closed" in again.stderr
    gone = run_cli(["jobs-board", "close", "999"], env)
    assert gone.returncode == 2 and "no listing 999" in gone.stderr
    assert "Traceback" not in again.stderr + gone.stderr
    assert "filled" in run_cli(["jobs-board", "list", "--state", "filled"], env).stdout
    assert "Mural" not in run_cli(["jobs-board", "list"], env).stdout

    await db.connect(url)
    try:
        states = dict(await JobListing.all().values_list("id", "state"))
        assert states == {first.id: ListingState.FILLED, second.id: ListingState.REMOVED}
        assert (await User.get(account__username="studio")).settings["jobboard_poster"] is True
    finally:
        await db.disconnect()
