"""All Tortoise models, one module per area; Tortoise loads this package as the app."""

from instance.storage.models.accounts import Account, Invite, User
from instance.storage.models.federation import InboxItem, InstanceInfo, OutboxActivity
from instance.storage.models.jobs import Job
from instance.storage.models.media import MediaAttachment
from instance.storage.models.moderation import (
    AuditEntry,
    BlocklistSubscription,
    DomainPolicy,
    DomainPolicyDraft,
    Report,
)
from instance.storage.models.oauth import OAuthApplication, OAuthAuthorization, OAuthToken
from instance.storage.models.social import (
    Block,
    Bookmark,
    Boost,
    Follow,
    Like,
    Mute,
    Notification,
)
from instance.storage.models.works import Collection, CollectionItem, Tag, Work

__all__ = [
    "Account",
    "AuditEntry",
    "Block",
    "BlocklistSubscription",
    "Bookmark",
    "Boost",
    "Collection",
    "CollectionItem",
    "DomainPolicy",
    "DomainPolicyDraft",
    "Follow",
    "InboxItem",
    "InstanceInfo",
    "Invite",
    "Job",
    "Like",
    "MediaAttachment",
    "Mute",
    "Notification",
    "OAuthApplication",
    "OAuthAuthorization",
    "OAuthToken",
    "OutboxActivity",
    "Report",
    "Tag",
    "User",
    "Work",
]
