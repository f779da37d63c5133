"""What the per-type handlers share: who sent it, the object's id, local lookups, and
fetching an object from its origin when whoever vouches for it is someone else."""

from __future__ import annotations

from federation.client import FetchError
from federation.vocab import id_of, same_origin
from inbox.errors import Drop
from instance.actors.remote import ActorError, fetch_document, get_actor
from instance.jobs import Retry
from instance.services import Services
from instance.storage.models import Account, Follow, FollowState, Work


async def sender(services: Services, activity: dict) -> Account:
    """The activity's actor (already verified and cached by the signature check)."""
    actor_id = id_of(activity.get("actor"))
    if not actor_id:
        raise Drop("no actor")
    try:
        return await get_actor(services, actor_id)
    except ActorError as exc:
        raise Drop(f"actor unavailable: {exc}") from exc


def object_id(activity: dict) -> str:
    ident = id_of(activity.get("object"))
    if not ident:
        raise Drop("no object")
    return ident


async def local_account(ap_id: str | None) -> Account | None:
    if not ap_id:
        return None
    return await Account.get_or_none(ap_id=ap_id, domain=None)


async def work_by_ap_id(ap_id: str | None) -> Work | None:
    if not ap_id:
        return None
    return await Work.get_or_none(ap_id=ap_id, deleted_at=None)


async def vouched_object(services: Services, activity: dict, actor: Account) -> dict:
    """The embedded object when it comes from the actor's own origin; otherwise (or
    when only an id was sent) the object as its origin serves it."""
    obj = activity.get("object")
    if isinstance(obj, dict) and same_origin(id_of(obj), actor.ap_id):
        return obj
    ident = object_id(activity)
    try:
        fetched = await fetch_document(services, ident)
    except FetchError as exc:
        raise_if_transient(exc, ident)
        raise Drop(f"cannot fetch {ident}: {exc}") from exc
    except ActorError as exc:
        raise Drop(f"cannot fetch {ident}: {exc}") from exc
    if id_of(fetched) != ident and not same_origin(id_of(fetched), ident):
        raise Drop(f"{ident} served a document for {id_of(fetched)}")
    return fetched


def raise_if_transient(exc: FetchError, url: str) -> None:
    """A peer that is down or busy now may answer later: retry the item (the job's
    attempts bound it) instead of dropping what it vouched for."""
    if exc.status is None or exc.status >= 500 or exc.status in (408, 429):
        raise Retry(60, f"{url} unavailable for now: {exc.reason}") from exc


async def has_local_followers(account: Account) -> bool:
    return await Follow.filter(
        target_id=account.id, state=FollowState.ACCEPTED, follower__domain=None
    ).exists()


async def refuses(local_account_id: int, actor: Account) -> bool:
    """Does this local person block the actor (or mute them)? Then the actor's likes and
    boosts of their works are dropped, and mentions do not notify them."""
    from instance.storage.models import Block, Mute

    blocked = await Block.filter(account_id=local_account_id, target_id=actor.id).exists()
    return blocked or await Mute.filter(account_id=local_account_id, target_id=actor.id).exists()
