"""Every state column's declared moves cover the whole vocabulary, and the model's
default is one of its states: a state added without its transitions fails here."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

import pytest

from instance.storage.models import federation, jobboard, jobs, media, moderation, social, works
from instance.storage.models.states import allowed

TABLES: list[tuple[type[StrEnum], Mapping, object, str]] = [
    (works.WorkState, works.WORK_TRANSITIONS, works.Work, "state"),
    (media.MediaState, media.MEDIA_TRANSITIONS, media.MediaAttachment, "state"),
    (media.ReviewState, media.REVIEW_TRANSITIONS, media.MediaAttachment, "review_state"),
    (media.ProvenanceVerdict, media.VERDICT_TRANSITIONS, media.MediaAttachment,
     "provenance_verdict"),
    (jobs.JobState, jobs.JOB_TRANSITIONS, jobs.Job, "state"),
    (federation.InboxState, federation.INBOX_TRANSITIONS, federation.InboxItem, "state"),
    (social.FollowState, social.FOLLOW_TRANSITIONS, social.Follow, "state"),
    (moderation.ReportState, moderation.REPORT_TRANSITIONS, moderation.Report, "state"),
    (moderation.DraftState, moderation.DRAFT_TRANSITIONS, moderation.DomainPolicyDraft, "state"),
    (jobboard.ListingState, jobboard.LISTING_TRANSITIONS, jobboard.JobListing, "state"),
    (jobboard.ApplicationState, jobboard.APPLICATION_TRANSITIONS, jobboard.JobApplication,
     "state"),
]


@pytest.mark.parametrize(("states", "moves", "model", "column"), TABLES,
                         ids=[t[0].__name__ for t in TABLES])
def test_transitions_cover_every_state(states, moves, model, column):
    assert set(moves) == set(states), f"{states.__name__}: every state needs its moves"
    for source, targets in moves.items():
        assert set(targets) <= set(states), f"{states.__name__}.{source} moves outside"
    default = model._meta.fields_map[column].default
    assert default in set(states), f"{model.__name__}.{column} defaults to {default!r}"


def test_allowed_reads_the_table():
    assert allowed(works.WORK_TRANSITIONS, "processing", "ready")
    assert allowed(works.WORK_TRANSITIONS, "ready", "ready")
    assert not allowed(works.WORK_TRANSITIONS, "deleted", "ready")
    assert not allowed(jobs.JOB_TRANSITIONS, "done", "running")
