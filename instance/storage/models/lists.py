"""Lists of followed accounts (Mastodon's lists) and content filters (Mastodon's v2
filters with keywords and statuses): both belong to one local account and shape only
what that account reads."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields, models

if TYPE_CHECKING:
    from instance.storage.models.accounts import Account
    from instance.storage.models.works import Work


class RepliesPolicy(StrEnum):
    """Which replies a list timeline shows: to any followed account, to list members, none."""

    FOLLOWED = "followed"
    LIST = "list"
    NONE = "none"


class FilterAction(StrEnum):
    """What a matching filter does: warn (shown behind a notice) or hide (left out)."""

    WARN = "warn"
    HIDE = "hide"


class AccountList(models.Model):
    """A named list of accounts its owner follows, read as its own timeline."""

    id = fields.BigIntField(primary_key=True)
    owner: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="lists", on_delete=fields.CASCADE
    )
    owner_id: int
    title = fields.CharField(max_length=200)
    replies_policy = fields.CharField(max_length=16, default=RepliesPolicy.LIST.value)
    exclusive = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "lists"


class ListMember(models.Model):
    """One account in one list (only accounts the list's owner follows are added)."""

    id = fields.BigIntField(primary_key=True)
    account_list: fields.ForeignKeyRelation[AccountList] = fields.ForeignKeyField(
        "models.AccountList", related_name="members", on_delete=fields.CASCADE
    )
    account_list_id: int
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="in_lists", on_delete=fields.CASCADE
    )
    account_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "list_members"
        unique_together = (("account_list", "account"),)


class ContentFilter(models.Model):
    """A v2 filter: contexts it applies in (a JSON list), its action and optional expiry."""

    id = fields.BigIntField(primary_key=True)
    owner: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="filters", on_delete=fields.CASCADE
    )
    owner_id: int
    title = fields.CharField(max_length=200)
    contexts: fields.JSONField[list[str]] = fields.JSONField(default=list)
    action = fields.CharField(max_length=8, default=FilterAction.WARN.value)
    expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "filters"


class FilterKeyword(models.Model):
    """A keyword of a filter, matched as a whole word or anywhere in the text."""

    id = fields.BigIntField(primary_key=True)
    content_filter: fields.ForeignKeyRelation[ContentFilter] = fields.ForeignKeyField(
        "models.ContentFilter", related_name="keywords", on_delete=fields.CASCADE
    )
    content_filter_id: int
    keyword = fields.CharField(max_length=200)
    whole_word = fields.BooleanField(default=True)

    class Meta:
        table = "filter_keywords"


class FilterStatus(models.Model):
    """A status a filter matches by id."""

    id = fields.BigIntField(primary_key=True)
    content_filter: fields.ForeignKeyRelation[ContentFilter] = fields.ForeignKeyField(
        "models.ContentFilter", related_name="statuses", on_delete=fields.CASCADE
    )
    content_filter_id: int
    work: fields.ForeignKeyRelation[Work] = fields.ForeignKeyField(
        "models.Work", related_name=False, on_delete=fields.CASCADE
    )
    work_id: int

    class Meta:
        table = "filter_statuses"
        unique_together = (("content_filter", "work"),)
