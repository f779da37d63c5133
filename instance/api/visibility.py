"""The views' name for the visibility rule, which lives in `instance.storage.visibility`
so that actions (an import's bookmarks) decide with the same rule as the API."""

from instance.storage.visibility import (
    can_see,
    hidden_account_ids,
    outside_blocked_domains,
    outside_blocked_domains_sql,
    shown,
    shown_sql,
    shown_works,
)

__all__ = ["can_see", "hidden_account_ids", "outside_blocked_domains", "outside_blocked_domains_sql",
           "shown", "shown_sql", "shown_works"]
