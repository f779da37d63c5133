"""Import of Mastodon's CSV files, in-process on SQLite and PostgreSQL: each kind
(follows, blocked and muted accounts, bookmarks, lists) in merge and overwrite, with
malformed rows and rows the job cannot do in the report; and Settings → Import's form,
whose "what is in this file" choice defaults to follows and which refuses a file that is
too big or has another kind's columns with a 4xx page and queues nothing."""

from __future__ import annotations

import io
import re

import pytest

from instance.actions.importing.files import MAX_BYTES, ImportRefused
from instance.actions.importing.run import import_job, start_import
from instance.app import create_app
from instance.config import load_config
from instance.jobs.registry import JobContext
from instance.storage.models import (
    AccountList,
    Block,
    Bookmark,
    Follow,
    ImportRun,
    ListMember,
    Mute,
)
from tests.client_api.inprocess import person, remote_person, work

PASSWORD = "a long enough password"


async def imported(services, account, text: str, what: str, mode: str = "merge") -> ImportRun:
    """Upload `text` and run its job to the end, as the worker would."""
    run = await start_import(services, account, text.encode(), mode, what)
    await import_job(JobContext(services, job_id=0, attempt=1, max_attempts=3), {"import_id": run.id})
    return await ImportRun.get(id=run.id)


def errors(run: ImportRun) -> dict[int, str]:
    return {entry["row"]: entry["error"] for entry in run.report}


async def targets(model, **where) -> set[str]:
    return {r.target.username for r in await model.filter(**where).select_related("target")}


async def test_follows_blocks_and_mutes_merge_then_overwrite(services):
    ines, omar, lena, paz = [await person(n) for n in ("ines", "omar", "lena", "paz")]
    far = await remote_person("rui")

    run = await imported(services, ines, "Account address,Show boosts,Notify on new posts,Languages\n"
                         "omar@art.test,false,true,\nrui@elsewhere.test,true,false,en\n"
                         "lena@art.test,maybe,false,\n", "following")
    assert (run.state, run.applied, run.total) == ("done", 2, 3)
    assert errors(run) == {4: "malformed row: Show boosts must be true or false"}
    assert (await Follow.get(follower_id=ines.id, target_id=omar.id)).notify
    await imported(services, ines, "lena@art.test\n", "following", "overwrite")
    assert await targets(Follow, follower_id=ines.id) == {"lena"}

    run = await imported(services, ines, "@paz@art.test\nnobody@art.test\nnot an address\n"
                         "ines@art.test\n", "blocks")
    assert run.applied == 1 and await targets(Block, account_id=ines.id) == {"paz"}
    assert errors(run) == {2: "There is no artist @nobody here.",
                           3: "malformed row: not a user@domain address",
                           4: "you cannot block yourself"}
    await imported(services, ines, "Account address\nomar@art.test\n", "blocks")
    await imported(services, ines, "Account address\nrui@elsewhere.test\nomar@art.test\n",
                   "blocks", "overwrite")
    assert await targets(Block, account_id=ines.id) == {"omar", "rui"}
    assert not await Follow.filter(follower_id=ines.id, target_id=far.id).exists()

    run = await imported(services, ines, "Account address,Hide notifications\nlena@art.test,false\n"
                         "paz@art.test,\n", "mutes")
    mutes = {m.target_id: m.notifications for m in await Mute.filter(account_id=ines.id)}
    assert run.applied == 2 and mutes == {lena.id: False, paz.id: True}
    await imported(services, ines, "paz@art.test,false\n", "mutes", "overwrite")
    assert [(m.target_id, m.notifications) for m in await Mute.filter(account_id=ines.id)] == [
        (paz.id, False)]


async def test_bookmarks_and_lists_merge_then_overwrite(services):
    ines, omar = await person("ines"), await person("omar")
    seen, kept, hidden = (await work(omar, "harbour"), await work(omar, "dunes"),
                          await work(omar, "letters", visibility="direct"))
    await Bookmark.create(account_id=ines.id, work_id=kept.id)
    run = await imported(services, ines, f"#uri\n{seen.ap_id}\nhttps://elsewhere.test/notes/1\n"
                         f"{hidden.ap_id}\nftp://nowhere\n", "bookmarks")
    assert run.applied == 1
    assert errors(run) == {
        3: "the post is not known on this server (Impasto cannot fetch a post by its address yet)",
        4: "the post is not visible to you", 5: "malformed row: not the http(s) address of a post"}
    marked = set(await Bookmark.filter(account_id=ines.id).values_list("work_id", flat=True))
    assert marked == {seen.id, kept.id}
    await imported(services, ines, f"{kept.ap_id}\n", "bookmarks", "overwrite")
    assert await Bookmark.filter(account_id=ines.id).values_list("work_id", flat=True) == [kept.id]

    # lists (the same database: each test's fresh one costs more than its body)
    lena, _paz = await person("lena"), await person("paz")
    old = await AccountList.create(owner_id=ines.id, title="Old")
    await ListMember.create(account_list_id=old.id, account_id=omar.id)
    run = await imported(services, ines, '"Painters, oil",omar@art.test\n"Painters, oil",lena@art.test\n'
                         "Sculptors,paz@art.test\nSculptors,nobody\n,omar@art.test\n", "lists")
    assert run.applied == 3 and errors(run) == {
        4: "malformed row: not a user@domain address",
        5: "malformed row: a list name has 1 to 200 characters"}
    assert run.report[0]["address"] == "Sculptors,nobody"
    painters = await AccountList.get(owner_id=ines.id, title="Painters, oil")
    assert await targets(Follow, follower_id=ines.id) == {"omar", "lena", "paz"}  # as Mastodon: followed

    await imported(services, ines, "List name,Account address\n\"Painters, oil\",lena@art.test\n", "lists")
    run = await imported(services, ines, '"Painters, oil",lena@art.test\n', "lists", "overwrite")
    assert run.state == "done"
    assert await AccountList.filter(owner_id=ines.id).values_list("title", flat=True) == ["Painters, oil"]
    members = await ListMember.filter(account_list_id=painters.id).values_list("account_id", flat=True)
    assert members == [lena.id]


async def test_blocked_domains_merge_then_overwrite(services):
    """Mastodon's blocked_domains.csv (one domain a line, no header; "#domain" read as a
    header): merged, then overwritten; what the export writes reads back the same."""
    from instance.actions.portability import export_csv
    from instance.storage.models import AccountDomainBlock

    ines, rui = await person("ines"), await remote_person("rui", "spam.test")
    await Follow.create(follower=rui, target=ines, state="accepted")
    run = await imported(services, ines, "spam.test\nOther.Test\n" + "a" * 300 + ".test\n"
                         "not a domain!\nart.test\nuser@place.test\n", "domain_blocks")
    assert (run.state, run.applied, run.total) == ("done", 2, 6)
    assert errors(run) == {3: "malformed row: a domain name has at most 253 characters",
                           4: "malformed row: not a domain name",
                           5: "This is this server's own domain: block its accounts one by one.",
                           6: "malformed row: not a domain name"}
    blocked = set(await AccountDomainBlock.filter(account_id=ines.id).values_list("domain", flat=True))
    assert blocked == {"spam.test", "other.test"}
    assert not await Follow.exists(follower_id=rui.id, target_id=ines.id)  # as Mastodon: removed
    assert await export_csv("domain_blocks", ines.id, "art.test") == ("blocked_domains.csv",
                                                                       "spam.test\nother.test\n")

    await imported(services, ines, "#domain\nthird.test\n", "domain_blocks")
    await imported(services, ines, "other.test\nfourth.test\n", "domain_blocks", "overwrite")
    blocked = set(await AccountDomainBlock.filter(account_id=ines.id).values_list("domain", flat=True))
    assert blocked == {"other.test", "fourth.test"}


def token_of(body: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', body)
    assert found, body[:300]
    return found.group(1)


async def test_the_import_form(database_url, tmp_path):
    from werkzeug.datastructures import FileStorage

    config = load_config(environ={
        "IMPASTO_INSTANCE_DOMAIN": "art.test", "IMPASTO_DATABASE_URL": database_url,
        "IMPASTO_MEDIA_PATH": str(tmp_path / "media"), "IMPASTO_SERVER_RUN_WORKER": "false",
        "IMPASTO_SERVER_SECRET_KEY_FILE": str(tmp_path / "secret_key")})
    application = create_app(config)
    async with application.test_app():
        ines, omar = await person("ines"), await person("omar")
        services = application.extensions["impasto"]
        for data, what, status, words in (
            (b"x" * (MAX_BYTES + 1), "blocks", 413, "larger than 1 MB"),
            (b"Account address,Show boosts\nomar@art.test,true\n", "mutes", 422,
             "header is not Mastodon's for muted accounts: Account address,Hide notifications"),
            (b"List name,Account address\nA,omar@art.test\n", "following", 422, "header is not Mastodon's"),
            (b"omar@art.test\n", "lists", 422, "A lists.csv has 2 columns"),
            (b"omar@art.test\nlena@art.test\n", "bookmarks", 422, "No row of the file is one of posts"),
            (b"#domain\n\n", "domain_blocks", 422, "The file lists no domains"),
            (b"omar@art.test\n", "domain_blocks", 422, "No row of the file is one of domains"),
            (b"omar@art.test\n", "passwords", 422, "must be one of: following, blocks, mutes"),
        ):
            with pytest.raises(ImportRefused) as refused:
                await start_import(services, ines, data, "merge", what)
            assert refused.value.status == status and words in refused.value.message, refused.value.message
        assert not await ImportRun.exists()

        client = application.test_client()
        login = token_of(await (await client.get("/login")).get_data(as_text=True))
        await client.post("/login", form={"csrf_token": login, "username": "ines", "password": PASSWORD})
        page = await (await client.get("/settings/export")).get_data(as_text=True)
        assert '<option value="following" selected>Follows (following_accounts.csv)' in page
        assert '<option value="lists" >Lists (lists.csv)' in page

        async def upload(data: bytes, what: str | None):
            form = {"csrf_token": token_of(page), "mode": "merge", **({"what": what} if what else {})}
            file = FileStorage(stream=io.BytesIO(data), filename="some.csv",
                               content_type="text/csv")
            return await client.post("/settings/export/import", form=form, files={"file": file})

        refused = await upload(b"Painters,omar@art.test\n", None)  # a lists file, sent as follows
        assert refused.status_code == 422
        assert "header is not Mastodon&#39;s for follows" in await refused.get_data(as_text=True)
        refused = await upload(b"x" * (MAX_BYTES + 1), "blocks")
        assert refused.status_code == 413 and "larger than 1 MB" in await refused.get_data(as_text=True)
        assert not await ImportRun.exists()

        assert (await upload(b"omar@art.test\nnot an address\n", "blocks")).status_code in (302, 303)
        run = await ImportRun.get(account_id=ines.id)
        assert (run.kind, run.state) == ("blocks", "queued")
        await import_job(JobContext(services, job_id=0, attempt=1, max_attempts=3), {"import_id": run.id})
        assert await Block.exists(account_id=ines.id, target_id=omar.id)
        page = await (await client.get("/settings/export")).get_data(as_text=True)
        assert "Blocked accounts: <strong>Done</strong> (merge): 2 of 2 rows done" in page
        assert '<span class="applied">1</span> blocked, 1 not' in page
        assert "Row 2: <code>not an address</code> — malformed row: not a user@domain address" in page


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # plumbing: one database is enough
def test_the_import_command(database_url, tmp_path, capsys):
    """`impasto import ACCOUNT FILE --what … --mode …` queues the same import (in-process)."""
    from instance.cli.main import build_parser
    from instance.cli.support import CliError, with_database

    config = load_config(environ={
        "IMPASTO_INSTANCE_DOMAIN": "art.test", "IMPASTO_DATABASE_URL": database_url,
        "IMPASTO_MEDIA_PATH": str(tmp_path / "media"),
        "IMPASTO_SERVER_SECRET_KEY_FILE": str(tmp_path / "secret_key")})
    with_database(config, lambda: person("ines"))
    file = tmp_path / "muted_accounts.csv"
    file.write_text("Account address,Hide notifications\nomar@art.test,false\n")

    def cli(*words: str) -> int:
        args = build_parser().parse_args(list(words))
        return args.handler(config, args)

    assert cli("import", "ines", str(file), "--what", "mutes", "--mode", "overwrite") == 0
    assert "queued import 1: 1 rows (0 malformed), mutes, overwrite" in capsys.readouterr().out
    with pytest.raises(CliError, match="header is not Mastodon's for follows"):
        cli("import", "ines", str(file))
    with pytest.raises(CliError, match="no local account 'nobody'"):
        cli("import", "nobody", str(file))

    async def queued() -> list[tuple[str, str]]:
        return list(await ImportRun.all().values_list("kind", "mode"))

    assert with_database(config, queued) == [("mutes", "overwrite")]
