"""Notifications from strangers (Mastodon 4.3's notification policy): each rule is
`accept`, `filter` (kept aside as a "request" per sender, out of the normal list) or
`drop` (never shown). Decided when notifications are read, from the person's settings
(`User.settings["notification_policy"]`, and the senders they accepted in
`["notification_accepted"]`), so changing the policy applies to old notifications too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import Q, Subquery

from instance.storage.models import Follow, FollowState, User

RULES = ("for_not_following", "for_not_followers", "for_new_accounts",
         "for_private_mentions", "for_limited_accounts")
CHOICES = ("accept", "filter", "drop")
DEFAULTS = {"for_not_following": "accept", "for_not_followers": "accept",
            "for_new_accounts": "accept", "for_private_mentions": "accept",
            "for_limited_accounts": "filter"}  # Mastodon 4.3's, but private mentions kept
# Staff and moderation notices are never held back.
FILTERABLE = ("mention", "status", "reblog", "follow", "follow_request", "favourite", "update", "poll")
NEW_ACCOUNT_DAYS = 30
ACCEPTED_MAX = 5000


def policy_of(settings: dict[str, Any] | None) -> dict[str, str]:
    stored = (settings or {}).get("notification_policy") or {}
    return {r: str(stored[r]) if stored.get(r) in CHOICES else DEFAULTS[r] for r in RULES}


def accepted_of(settings: dict[str, Any] | None) -> list[int]:
    return [int(a) for a in (settings or {}).get("notification_accepted") or [] if str(a).isdigit()]


def with_accepted(settings: dict[str, Any] | None, account_ids: list[int]) -> dict[str, Any]:
    settings = dict(settings or {})
    kept = list(dict.fromkeys([*accepted_of(settings), *account_ids]))[-ACCEPTED_MAX:]
    settings["notification_accepted"] = kept
    return settings


async def _rule(rule: str, account_id: int) -> Q:
    """Notifications (to `account_id`) a rule is about."""
    from instance.moderation.domains import silenced_accounts_filter

    followed = Subquery(Follow.filter(follower_id=account_id, state=FollowState.ACCEPTED)
                        .values("target_id"))
    if rule == "for_not_following":
        return ~Q(from_account_id__in=followed)
    if rule == "for_not_followers":
        return ~Q(from_account_id__in=Subquery(
            Follow.filter(target_id=account_id, state=FollowState.ACCEPTED).values("follower_id")))
    if rule == "for_new_accounts":
        return Q(from_account__created_at__gt=datetime.now(UTC) - timedelta(days=NEW_ACCOUNT_DAYS))
    if rule == "for_private_mentions":
        return Q(kind="mention", work__visibility="direct") & ~Q(from_account_id__in=followed)
    return await silenced_accounts_filter("from_account")


async def held(user: User) -> tuple[Q | None, Q | None]:
    """(filtered, dropped): conditions on a person's notifications, None when no rule
    filters (or drops). A notification both would filter and drop is dropped."""
    policy = policy_of(user.settings)
    found: dict[str, Q | None] = {"filter": None, "drop": None}
    for rule, choice in policy.items():
        if choice == "accept":
            continue
        condition = await _rule(rule, user.account_id)
        current = found[choice]
        found[choice] = condition if current is None else current | condition
    scope = Q(kind__in=FILTERABLE)
    accepted = accepted_of(user.settings)
    if accepted:
        scope &= ~Q(from_account_id__in=accepted)
    return tuple(scope & q if q is not None else None for q in (found["filter"], found["drop"]))  # type: ignore[return-value]


async def listed(query: Any, user: User) -> Any:
    """`query` (the person's notifications) without the filtered and dropped ones."""
    filtered, dropped = await held(user)
    for condition in (filtered, dropped):
        if condition is not None:
            query = query.exclude(condition)
    return query


async def requested(query: Any, user: User) -> Any:
    """`query` narrowed to the filtered notifications (the requests), none dropped."""
    filtered, dropped = await held(user)
    if filtered is None:
        return query.filter(id=0)
    query = query.filter(filtered)
    return query.exclude(dropped) if dropped is not None else query
