"""All Tortoise models, one module per area; Tortoise loads this package as the app.

`__all__` lists the models. The enums of their state columns are re-exported here too
(`X as X`, see instance.storage.models.states), so a model and its states import together.
"""

from instance.storage.models.accounts import Account, EmailToken, Invite, User
from instance.storage.models.accounts import TokenPurpose as TokenPurpose
from instance.storage.models.counters import HostSlot, RateCounter
from instance.storage.models.emoji import CustomEmoji
from instance.storage.models.federation import InboxItem, InstanceInfo, OutboxActivity
from instance.storage.models.federation import InboxState as InboxState
from instance.storage.models.jobboard import ApplicationState as ApplicationState
from instance.storage.models.jobboard import (
    ArtistAvailability,
    JobApplication,
    JobListing,
    SavedListing,
)
from instance.storage.models.jobboard import ListingState as ListingState
from instance.storage.models.jobs import Job, PeriodicRun
from instance.storage.models.jobs import JobState as JobState
from instance.storage.models.lists import (
    AccountList,
    ContentFilter,
    FilterKeyword,
    FilterStatus,
    ListMember,
)
from instance.storage.models.lists import FilterAction as FilterAction
from instance.storage.models.lists import RepliesPolicy as RepliesPolicy
from instance.storage.models.media import MediaAttachment
from instance.storage.models.media import MediaState as MediaState
from instance.storage.models.media import ProvenanceVerdict as ProvenanceVerdict
from instance.storage.models.media import ReviewState as ReviewState
from instance.storage.models.moderation import (
    AuditEntry,
    BlocklistSubscription,
    DomainPolicy,
    DomainPolicyDraft,
    InstanceSetting,
    Report,
)
from instance.storage.models.moderation import DraftState as DraftState
from instance.storage.models.moderation import ReportState as ReportState
from instance.storage.models.oauth import OAuthApplication, OAuthAuthorization, OAuthToken
from instance.storage.models.polls import Poll, PollVote, ScheduledStatus
from instance.storage.models.portability import AccountDomainBlock, ArchiveExport, ImportRun
from instance.storage.models.portability import ArchiveState as ArchiveState
from instance.storage.models.portability import ImportState as ImportState
from instance.storage.models.push import WebPushSubscription
from instance.storage.models.social import (
    Block,
    Bookmark,
    Boost,
    ConversationMark,
    Follow,
    Like,
    Mute,
    Notification,
)
from instance.storage.models.social import FollowState as FollowState
from instance.storage.models.tags import FeaturedTag, FollowedTag
from instance.storage.models.works import Collection, CollectionItem, Tag, Work
from instance.storage.models.works import WorkState as WorkState

__all__ = [
    "Account",
    "AccountDomainBlock",
    "ArchiveExport",
    "AccountList",
    "ArtistAvailability",
    "AuditEntry",
    "CustomEmoji",
    "Block",
    "BlocklistSubscription",
    "Bookmark",
    "Boost",
    "Collection",
    "CollectionItem",
    "ContentFilter",
    "ConversationMark",
    "DomainPolicy",
    "DomainPolicyDraft",
    "EmailToken",
    "FeaturedTag",
    "FilterKeyword",
    "FilterStatus",
    "Follow",
    "FollowedTag",
    "ImportRun",
    "InboxItem",
    "InstanceInfo",
    "InstanceSetting",
    "Invite",
    "Job",
    "JobApplication",
    "JobListing",
    "Like",
    "ListMember",
    "MediaAttachment",
    "Mute",
    "Notification",
    "OAuthApplication",
    "OAuthAuthorization",
    "OAuthToken",
    "OutboxActivity",
    "PeriodicRun",
    "HostSlot",
    "RateCounter",
    "Report",
    "SavedListing",
    "Tag",
    "User",
    "WebPushSubscription",
    "Work",
    "Poll",
    "PollVote",
    "ScheduledStatus",
]
