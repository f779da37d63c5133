"""Domain policies and blocklists: Mastodon CSV round trips byte for byte, mistakes name
the line, subdomains are covered, a suspension purges what we stored."""

from __future__ import annotations

import pytest

from instance.moderation.blocklist_formats import (
    MASTODON_CSV_HEADER,
    BlockEntry,
    BlocklistError,
    detect_format,
    format_mastodon_csv,
    parse_json,
    parse_mastodon_csv,
    parse_plain,
)
from instance.moderation.domain_names import DomainNameError, normalise_domain
from instance.moderation.domains import (
    as_entry,
    block_domain,
    covering_policy,
    is_suspended,
    list_policies,
    rejects_media,
    unblock_domain,
)
from instance.moderation.suspension import purge_domain
from instance.storage.models import Account, AuditEntry, Follow, Like, Work
from tests.rig.databases import migrate_for
from tests.rig.processes import impasto_env, run_cli

MASTODON_EXPORT = (
    MASTODON_CSV_HEADER + "\n"
    'ai-slop.example,suspend,true,true,"Generated-image farm, scrapes portfolios",false\n'
    "loud.example,silence,false,false,,true\n"
    "xn--mnchen-3ya.de,noop,true,false,Only media,false\n"
)


def test_mastodon_csv_round_trips_byte_for_byte():
    entries = parse_mastodon_csv(MASTODON_EXPORT)
    assert [e.domain for e in entries] == ["ai-slop.example", "loud.example", "xn--mnchen-3ya.de"]
    assert entries[0].public_comment == "Generated-image farm, scrapes portfolios"
    assert entries[1].obfuscate and entries[2].severity == "noop"
    assert format_mastodon_csv(entries) == MASTODON_EXPORT


def test_mastodon_import_defaults_missing_values():
    entries = parse_mastodon_csv("#domain,#severity,#reject_media\nbad.example,,\n")
    assert entries == [BlockEntry(domain="bad.example", severity="suspend", reject_media=False)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            MASTODON_CSV_HEADER + "\nok.example,suspend,false,false,,false\nshort.example,suspend\n",
            "line 3: expected 6 columns",
        ),
        (
            MASTODON_CSV_HEADER + "\nok.example,obliterate,false,false,,false\n",
            "line 2: severity must be one of suspend, silence, noop, not 'obliterate'",
        ),
        (
            MASTODON_CSV_HEADER + "\nok.example,suspend,maybe,false,,false\n",
            "line 2: reject_media must be true or false",
        ),
        ("#severity,#reject_media\nsuspend,true\n", "line 1: the header must name a #domain column"),
        (
            MASTODON_CSV_HEADER + "\nnot a domain!,suspend,false,false,,false\n",
            "line 2: 'not a domain!' is not a valid domain name",
        ),
    ],
)
def test_bad_csv_names_the_line(text, message):
    with pytest.raises(BlocklistError) as caught:
        parse_mastodon_csv(text)
    assert message in str(caught.value)


def test_plain_and_json_lists():
    assert [e.domain for e in parse_plain("# my list\nA.example\n\n*.b.example  # spam\n")] == [
        "a.example",
        "b.example",
    ]
    entries = parse_json('[{"domain": "c.example", "severity": "silence", "reject_media": true}]')
    assert entries == [BlockEntry(domain="c.example", severity="silence", reject_media=True)]
    with pytest.raises(BlocklistError, match="item 1: severity must be one of"):
        parse_json('[{"domain": "c.example", "severity": "nuke"}]')
    assert detect_format("[]") == "json"
    assert detect_format(MASTODON_EXPORT) == "mastodon-csv"
    assert detect_format("a.example\n") == "plain"


def test_domain_names_are_normalised():
    assert normalise_domain("HTTPS://Sub.Example.COM./users/x") == "sub.example.com"
    assert normalise_domain("127.0.0.1:8081") == "127.0.0.1:8081"
    with pytest.raises(DomainNameError):
        normalise_domain("exa mple.com")


async def test_policies_cover_subdomains_and_audit(connected):
    await block_domain(BlockEntry(domain="example.social", severity="suspend"))
    await block_domain(BlockEntry(domain="media.other.example", severity="noop", reject_media=True))
    assert await is_suspended("example.social")
    assert await is_suspended("eu.example.social")
    assert await is_suspended("example.social:8443")
    assert not await is_suspended("notexample.social")
    assert await rejects_media("media.other.example") and not await is_suspended("media.other.example")
    assert await covering_policy("other.example") is None
    updated = await block_domain(BlockEntry(domain="example.social", severity="silence"))
    assert not updated.created and (await covering_policy("x.example.social")).severity == "silence"
    await unblock_domain("example.social")
    assert not await is_suspended("eu.example.social")
    actions = await AuditEntry.all().order_by("id").values_list("action", flat=True)
    assert actions == ["domain.block", "domain.block", "domain.block", "domain.unblock"]
    assert [p.domain for p in await list_policies()] == ["media.other.example"]
    assert as_entry((await list_policies())[0]).reject_media


async def test_suspension_purges_stored_content_and_follows(connected):
    local = await Account.create(ap_id="https://art.example/users/ana", username="ana", domain=None)
    bad = await Account.create(ap_id="https://eu.bad.example/u/x", username="x", domain="eu.bad.example")
    good = await Account.create(ap_id="https://good.example/u/y", username="y", domain="good.example")
    bad_work = await Work.create(ap_id="https://eu.bad.example/n/1", account=bad, local=False)
    good_work = await Work.create(ap_id="https://good.example/n/1", account=good, local=False)
    local_work = await Work.create(ap_id="https://art.example/w/1", account=local)
    await Follow.create(follower=bad, target=local, state="accepted")
    await Follow.create(follower=local, target=bad, state="accepted")
    await Follow.create(follower=good, target=local, state="accepted")
    await Like.create(account=bad, work=local_work)
    removed = await purge_domain("bad.example")
    assert removed["works"] == 1 and removed["follows"] == 2 and removed["likes"] == 1
    assert not await Work.filter(id=bad_work.id).exists()
    assert await Work.filter(id__in=[good_work.id, local_work.id]).count() == 2
    assert await Follow.all().count() == 1
    assert (await Account.get(id=bad.id)).suspended


def test_cli_export_then_import_gives_back_the_same_file(tmp_path):
    env = impasto_env(f"sqlite://{tmp_path / 'one.sqlite3'}", tmp_path)
    migrate_for(env)
    source = tmp_path / "list.csv"
    source.write_text(MASTODON_EXPORT, encoding="utf-8")
    imported = run_cli(["domain", "import", str(source)], env)
    assert imported.returncode == 0, imported.stderr
    exported = run_cli(["domain", "export"], env).stdout
    assert exported == MASTODON_EXPORT

    other = impasto_env(f"sqlite://{tmp_path / 'two.sqlite3'}", tmp_path)
    migrate_for(other)
    again = tmp_path / "again.csv"
    again.write_text(exported, encoding="utf-8")
    assert run_cli(["domain", "import", str(again)], other).returncode == 0
    assert run_cli(["domain", "export"], other).stdout.encode() == MASTODON_EXPORT.encode()

    bad = tmp_path / "bad.csv"
    bad.write_text(MASTODON_CSV_HEADER + "\nx.example,suspend,false\n", encoding="utf-8")
    result = run_cli(["domain", "import", str(bad)], env)
    assert result.returncode == 2 and "line 2: expected 6 columns" in result.stderr
    assert "Traceback" not in result.stderr

    blocked = run_cli(["domain", "block", "farm.example", "--severity", "suspend", "--reject-media"], env)
    assert blocked.returncode == 0 and "added farm.example: suspend" in blocked.stdout
    assert "farm.example" in run_cli(["domain", "list"], env).stdout
    assert run_cli(["domain", "unblock", "farm.example"], env).returncode == 0
    missing = run_cli(["domain", "unblock", "farm.example"], env)
    assert missing.returncode == 2 and "no policy for farm.example" in missing.stderr


async def test_purge_covers_ports_and_subdomains_like_the_policy(connected):
    for n, domain in enumerate(["127.0.0.1:1111", "127.0.0.1:2222", "x.bad.example:8443", "bad.example"]):
        account = await Account.create(ap_id=f"https://{domain}/u/{n}", username=f"u{n}", domain=domain)
        await Work.create(ap_id=f"https://{domain}/n/{n}", account=account, local=False)
    await purge_domain("127.0.0.1:1111")  # a port-specific block: that port only
    assert await Work.filter(account__domain="127.0.0.1:2222").exists()
    assert not await Work.filter(account__domain="127.0.0.1:1111").exists()
    await purge_domain("bad.example")  # a host block: its subdomains on any port too
    assert not await Work.filter(account__domain__in=["bad.example", "x.bad.example:8443"]).exists()
