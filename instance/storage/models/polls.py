"""Polls of statuses (Mastodon's poll, ActivityPub's Question) and the votes on them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields, models

if TYPE_CHECKING:
    from instance.storage.models.accounts import Account
    from instance.storage.models.works import Work


class Poll(models.Model):
    """The poll of one work: option titles and their tallies (same order), kept as lists
    because a poll has at most a handful of options. For a remote poll the tallies are the
    origin's (from its Question), for a local one they are counted from PollVote rows.
    closed_at is set once the poll has ended and its voters were told."""

    id = fields.BigIntField(primary_key=True)
    work: fields.OneToOneRelation[Work] = fields.OneToOneField(
        "models.Work", related_name="poll", on_delete=fields.CASCADE
    )
    work_id: int
    options: fields.JSONField[list[str]] = fields.JSONField(default=list)
    tallies: fields.JSONField[list[int]] = fields.JSONField(default=list)
    multiple = fields.BooleanField(default=False)
    hide_totals = fields.BooleanField(default=False)
    voters_count = fields.IntField(default=0)
    expires_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    update_queued = fields.BooleanField(default=False)  # a polls.update job is waiting
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "polls"


class PollVote(models.Model):
    """One account's choice of one option of a poll (a multiple-choice vote is several
    rows). ap_id is the vote Note's id, for votes sent or received over federation."""

    id = fields.BigIntField(primary_key=True)
    poll: fields.ForeignKeyRelation[Poll] = fields.ForeignKeyField(
        "models.Poll", related_name="votes", on_delete=fields.CASCADE
    )
    poll_id: int
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, on_delete=fields.CASCADE
    )
    account_id: int
    choice = fields.IntField()
    ap_id = fields.CharField(max_length=2048, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "poll_votes"
        unique_together = (("poll", "account", "choice"),)


class ScheduledStatus(models.Model):
    """A status to be published later (Mastodon's ScheduledStatus): the create_work
    arguments as JSON (with media_ids and an optional poll) and the time. The publish job
    carries the time it was queued for, so a rescheduled one does not publish at the old
    time and a deleted one not at all."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, on_delete=fields.CASCADE
    )
    account_id: int
    scheduled_at = fields.DatetimeField()
    params: fields.JSONField[dict] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "scheduled_statuses"
