"""`[server] bind` against `[instance] domain`: local avatars and headers are stored as
paths and made absolute where they are rendered (so a new port or domain never strands
them on the old host); migration 0007 turns the absolute ones already stored into paths;
`impasto run` prints the address that answers and warns when a local domain disagrees
with the bind."""

from __future__ import annotations

import importlib
import re
from types import SimpleNamespace

import pytest
from tortoise import Tortoise

from federation.documents import account_to_person
from instance.actions.profile_images import apply_profile_image
from instance.actors.accounts import create_local_user
from instance.api.entities import account_entity
from instance.cli.bind_check import disagreement, open_url
from instance.config import load_config
from instance.jobs.registry import JobContext
from instance.storage.models import Account, MediaAttachment
from outbox.documents import person_for
from tests.rig.peers import free_port
from tests.rig.processes import IMPASTO, REPO_ROOT, impasto_env, running_server

PASSWORD = "a long enough password"
migration = importlib.import_module("instance.storage.migrations.0007_profile_image_paths")


def config(domain: str, scheme: str = "http"):
    return load_config(environ={"IMPASTO_INSTANCE_DOMAIN": domain, "IMPASTO_INSTANCE_SCHEME": scheme})


def test_bind_and_domain_are_compared_only_on_a_local_setup():
    local = config("127.0.0.1:8080")
    assert disagreement(local, "127.0.0.1", 8080) is None
    assert disagreement(config("localhost:8080"), "127.0.0.1", 8080) is None
    assert disagreement(local, "0.0.0.0", 8080) is None
    moved = disagreement(local, "127.0.0.1", 9000)
    assert moved is not None and 'domain = "127.0.0.1:9000"' in moved
    assert open_url(local, "127.0.0.1", 9000) == "http://127.0.0.1:9000/"
    assert open_url(local, "127.0.0.1", 8080) == "http://127.0.0.1:8080/"
    public = config("art.example", "https")  # behind a proxy: never compared
    assert disagreement(public, "127.0.0.1", 8080) is None
    assert open_url(public, "127.0.0.1", 8080) == "https://art.example/"


@pytest.mark.slow
def test_run_names_the_address_that_answers_and_warns(tmp_path):
    env = impasto_env(f"sqlite://{tmp_path / 'db.sqlite3'}", tmp_path)  # domain 127.0.0.1:8080
    with running_server(env) as server:  # binds a free port, not 8080
        assert server.url != "http://127.0.0.1:8080"
        warning = server.process.stderr.readline()
        assert "warning: [instance] domain is 127.0.0.1:8080" in warning
        assert f'domain = "{server.url.removeprefix("http://")}"' in warning

    import subprocess

    port = free_port()
    env["IMPASTO_INSTANCE_DOMAIN"] = f"127.0.0.1:{port}"
    process = subprocess.Popen([*IMPASTO, "run", "--bind", f"127.0.0.1:{port}"], env=env, cwd=REPO_ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert f"open http://127.0.0.1:{port}/ (listening on 127.0.0.1:{port})" in line, line
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=30)
    assert "warning: [instance] domain" not in errors


async def test_profile_images_are_stored_as_paths(services):
    user = await create_local_user(services.urls, "ada", PASSWORD)
    media = await MediaAttachment.create(
        account_id=user.account_id, state="ready", description="avatar",
        variants={"thumb": {"jpeg": "aa/ada.jpg"}, "display": {"jpeg": "bb/ada.jpg"}},
    )
    context = JobContext(services=services, job_id=1, attempt=1, max_attempts=3)
    await apply_profile_image(context, {"media_id": media.id, "field": "avatar"})
    await apply_profile_image(context, {"media_id": media.id, "field": "header"})
    account = await Account.get(id=user.account_id)
    assert (account.avatar_url, account.header_url) == ("/media/aa/ada.jpg", "/media/bb/ada.jpg")

    assert person_for(services, account)["icon"]["url"] == f"{services.config.base_url}/media/aa/ada.jpg"
    moved = "http://127.0.0.1:9000"  # the same rows, served after a change of port
    person = account_to_person(account, base_url=moved, shared_inbox=f"{moved}/inbox")
    assert person["icon"]["url"] == f"{moved}/media/aa/ada.jpg"
    assert person["image"]["url"] == f"{moved}/media/bb/ada.jpg"
    entity = account_entity(account, moved)
    assert (entity["avatar"], entity["header"]) == (f"{moved}/media/aa/ada.jpg", f"{moved}/media/bb/ada.jpg")


async def test_migration_0007_turns_stored_local_urls_into_paths(services):
    ada = await create_local_user(services.urls, "ada", PASSWORD)
    bea = await create_local_user(services.urls, "bea", PASSWORD)
    await Account.filter(id=ada.account_id).update(
        avatar_url="http://127.0.0.1:8080/media/aa/ada.jpg",
        header_url="https://old.example/media/bb/it's.jpg")
    await Account.filter(id=bea.account_id).update(avatar_url="/media/cc/bea.jpg")
    remote = await Account.create(
        ap_id="https://else.example/users/cy", username="cy", domain="else.example",
        avatar_url="https://else.example/media/cy.png")

    editor = SimpleNamespace(client=Tortoise.get_connection("default"))
    await migration.to_paths(None, editor)
    await migration.to_paths(None, editor)  # running twice changes nothing more

    ada_row, bea_row = await Account.get(id=ada.account_id), await Account.get(id=bea.account_id)
    assert (ada_row.avatar_url, ada_row.header_url) == ("/media/aa/ada.jpg", "/media/bb/it's.jpg")
    assert bea_row.avatar_url == "/media/cc/bea.jpg"
    assert (await Account.get(id=remote.id)).avatar_url == "https://else.example/media/cy.png"
    assert re.fullmatch(r"/media/.+", ada_row.avatar_url)
