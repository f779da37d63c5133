"""Where local things live: every local ActivityPub id and page URL is built here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LocalUrls:
    base: str  # scheme://domain, no trailing slash

    def actor(self, username: str) -> str:
        return f"{self.base}/users/{username}"

    def key_id(self, username: str) -> str:
        return f"{self.actor(username)}#main-key"

    def inbox(self, username: str) -> str:
        return f"{self.actor(username)}/inbox"

    def outbox(self, username: str) -> str:
        return f"{self.actor(username)}/outbox"

    def followers(self, username: str) -> str:
        return f"{self.actor(username)}/followers"

    def following(self, username: str) -> str:
        return f"{self.actor(username)}/following"

    def featured(self, username: str) -> str:
        return f"{self.actor(username)}/collections/featured"

    def work(self, actor_id: str, work_id: int) -> str:
        """A work's id hangs under its artist's actor id (as stored when it was made)."""
        return f"{actor_id}/works/{work_id}"

    def work_page(self, username: str, work_id: int) -> str:
        return f"{self.base}/@{username}/{work_id}"

    def profile(self, username: str) -> str:
        return f"{self.base}/@{username}"

    @property
    def shared_inbox(self) -> str:
        return f"{self.base}/inbox"

    @property
    def instance_actor(self) -> str:
        return f"{self.base}/actor"
