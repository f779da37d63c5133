"""`impasto federation …`: look up a remote actor as the server sees it, see which hosts
deliveries are waiting for, and give an unavailable host another chance."""

from __future__ import annotations

import argparse
from collections import Counter

from instance.cli.support import CliError, audit, with_database
from instance.config import Config
from instance.jobs import kinds


def add_commands(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("federation", help="remote actors and delivery health")
    actions = group.add_subparsers(dest="federation_command", metavar="ACTION", required=True)
    resolve = actions.add_parser(
        "resolve", help="fetch a remote actor (@user@domain or URL) with a signed GET and store it")
    resolve.add_argument("actor")
    resolve.set_defaults(handler=_cmd_resolve)
    hosts = actions.add_parser("hosts", help="deliveries waiting or failed, per host")
    hosts.set_defaults(handler=_cmd_hosts)
    reset = actions.add_parser(
        "reset", help="mark a host available again and queue its failed deliveries once more")
    reset.add_argument("host", help="host[:port] as in the inbox URLs")
    reset.set_defaults(handler=_cmd_reset)


def _cmd_resolve(config: Config, args: argparse.Namespace) -> int:
    from federation.discovery import DiscoveryError, parse_acct
    from instance.actors.remote import ActorError, get_actor, resolve_acct
    from instance.services import build_services, close_services

    async def resolve():
        services = build_services(config)
        try:
            if args.actor.startswith(("http://", "https://")):
                return await get_actor(services, args.actor, refresh=True)
            user, domain = parse_acct(args.actor)
            return await resolve_acct(services, user, domain)
        except (ActorError, DiscoveryError) as exc:
            raise CliError(f"cannot resolve {args.actor}: {exc}") from None
        finally:
            await close_services(services)

    account = with_database(config, resolve)
    if account is None:
        raise CliError(f"cannot resolve {args.actor}")
    print(f"id:           {account.ap_id}")
    print(f"handle:       @{account.username}@{account.domain or config.instance.domain}")
    print(f"inbox:        {account.inbox_url}")
    print(f"shared inbox: {account.shared_inbox_url or '-'}")
    print(f"key:          {account.public_key_id or '-'}")
    print(f"locked:       {'yes' if account.locked else 'no'}")
    return 0


def _cmd_hosts(config: Config, args: argparse.Namespace) -> int:
    from instance.moderation.gate import domain_of
    from instance.storage.models import InstanceInfo, Job, JobState

    async def gather():
        waiting_or_failed = (JobState.QUEUED, JobState.RUNNING, JobState.FAILED)
        jobs = await Job.filter(kind=kinds.DELIVER, state__in=waiting_or_failed
                                ).values_list("state", "payload")
        infos = {i.domain: i for i in await InstanceInfo.all()}
        return jobs, infos

    jobs, infos = with_database(config, gather)
    waiting: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    for state, payload in jobs:
        host = domain_of(payload.get("inbox")) or "?"
        (failed if state == JobState.FAILED else waiting)[host] += 1
    hosts = sorted(set(waiting) | set(failed) | {d for d, i in infos.items() if i.unavailable})
    print(f"{'HOST':<40} {'WAITING':>8} {'FAILED':>7} {'FAIL DAYS':>9}  STATE")
    for host in hosts:
        info = infos.get(host)
        days = len(info.failure_days or []) if info else 0
        state = "unavailable" if info and info.unavailable else "ok"
        print(f"{host:<40} {waiting[host]:>8} {failed[host]:>7} {days:>9}  {state}")
    return 0


def _cmd_reset(config: Config, args: argparse.Namespace) -> int:
    from instance.jobs.queue import utcnow
    from instance.moderation.gate import domain_of
    from instance.storage.models import InstanceInfo, Job, JobState

    host = args.host.strip().lower()

    async def reset() -> int:
        await InstanceInfo.filter(domain=host).update(unavailable=False, failure_days=[])
        ids = [j.id for j in await Job.filter(kind=kinds.DELIVER, state=JobState.FAILED)
               if domain_of(j.payload.get("inbox")) == host]
        if ids:
            await Job.filter(id__in=ids).update(state=JobState.QUEUED, attempts=0, finished_at=None,
                                                next_attempt_at=utcnow())
        await audit("federation.reset", host, requeued=len(ids))
        return len(ids)

    count = with_database(config, reset)
    print(f"{host} is available again; {count} failed deliveries queued once more")
    return 0
