"""Where local things live: every local ActivityPub id and page URL is built here.

Ids that hang under an actor's or an object's id take that stored id (`actor_id`,
`object_id`), not a username: an id never moves, even if the base URL is changed later.
"""

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

    def followers_of(self, actor_id: str) -> str:
        """The followers collection under a stored actor id (when the row names none)."""
        return f"{actor_id}/followers"

    def work(self, actor_id: str, work_id: int) -> str:
        """A work's id hangs under its artist's actor id (as stored when it was made)."""
        return f"{actor_id}/works/{work_id}"

    def work_placeholder(self, actor_id: str, token: str) -> str:
        """The unique id a work holds until its row id is known (then `work`)."""
        return f"{actor_id}/works/pending-{token}"

    def collection(self, actor_id: str, collection_id: int) -> str:
        return f"{actor_id}/collections/{collection_id}"

    def collection_placeholder(self, actor_id: str, token: str) -> str:
        """The unique id a collection holds until its row id is known (then `collection`)."""
        return f"{actor_id}/collections/pending-{token}"

    # Activity ids. Those of a work's Create/Update/Delete hang under the work's id.

    def create_activity(self, object_id: str) -> str:
        return f"{object_id}/activity"

    def update_activity(self, object_id: str, token: str) -> str:
        return f"{object_id}/updates/{token}"

    def delete_activity(self, object_id: str) -> str:
        return f"{object_id}#delete"

    def undo_activity(self, activity_id: str) -> str:
        return f"{activity_id}/undo"

    def profile_update_activity(self, actor_id: str, token: str) -> str:
        return f"{actor_id}#updates/{token}"

    def move_activity(self, actor_id: str, token: str) -> str:
        return f"{actor_id}#moves/{token}"

    def follow_activity(self, actor_id: str, token: str) -> str:
        return f"{actor_id}#follows/{token}"

    def answer_activity(self, actor_id: str, kind: str, token: str) -> str:
        """An Accept or Reject (`kind`) of a follow request: …#accepts/… or …#rejects/…"""
        return f"{actor_id}#{kind.lower()}s/{token}"

    def like_activity(self, actor_id: str, like_id: int) -> str:
        return f"{actor_id}#likes/{like_id}"

    def announce_activity(self, actor_id: str, boost_id: int) -> str:
        """A boost's Announce: dereferenceable, served at /users/<name>/boosts/<id>."""
        return f"{actor_id}/boosts/{boost_id}"

    def block_activity(self, actor_id: str, block_id: int) -> str:
        return f"{actor_id}#blocks/{block_id}"

    def flag_activity(self, actor_id: str, token: str) -> str:
        return f"{actor_id}#flags/{token}"

    def work_page(self, username: str, work_id: int) -> str:
        return f"{self.base}/@{username}/{work_id}"

    def listing(self, actor_id: str, listing_id: int) -> str:
        """A job listing's id hangs under its poster's actor id, like a work's."""
        return f"{actor_id}/listings/{listing_id}"

    def listing_placeholder(self, actor_id: str, token: str) -> str:
        """The unique id a listing holds until its row id is known (then `listing`)."""
        return f"{actor_id}/listings/pending-{token}"

    def listing_page(self, listing_id: int) -> str:
        return f"{self.base}/jobs/{listing_id}"

    @property
    def job_board(self) -> str:
        return f"{self.base}/jobs"

    def profile(self, username: str) -> str:
        return f"{self.base}/@{username}"

    def media(self, key: str) -> str:
        """A stored media file (a variant or a profile image) by its storage key."""
        return f"{self.base}{self.media_path(key)}"

    @staticmethod
    def media_path(key: str) -> str:
        """The path of a stored media file: what is stored on a record (an avatar, a
        header), so a change of domain or port never leaves it pointing at the old host."""
        return f"/media/{key}"

    def absolute(self, url: str | None) -> str | None:
        """A stored local path made absolute for this base at render time (remote URLs
        and None pass through)."""
        return f"{self.base}{url}" if url and url.startswith("/") else url

    def tag(self, name: str) -> str:
        return f"{self.base}/tags/{name}"

    def reset_password(self, token: str) -> str:
        """The page a mailed (or CLI-printed) password-reset link opens."""
        return f"{self.base}/password/reset/{token}"

    def confirm_email(self, token: str) -> str:
        return f"{self.base}/signup/confirm/{token}"

    def static(self, name: str) -> str:
        return f"{self.base}/static/{name}"

    @property
    def home(self) -> str:
        return f"{self.base}/"

    @property
    def local_prefix(self) -> str:
        """What every local URL starts with (to tell local ids and inboxes from remote ones)."""
        return f"{self.base}/"

    @property
    def subscribe_template(self) -> str:
        """Where other servers send our users to follow someone (WebFinger's OStatus
        subscribe link; `{uri}` is left for them to fill in)."""
        return f"{self.base}/authorize_interaction?uri={{uri}}"

    @property
    def shared_inbox(self) -> str:
        return f"{self.base}/inbox"

    @property
    def instance_actor(self) -> str:
        return f"{self.base}/actor"

    @property
    def instance_actor_key_id(self) -> str:
        return f"{self.instance_actor}#main-key"

    @property
    def instance_actor_inbox(self) -> str:
        return f"{self.instance_actor}/inbox"

    @property
    def instance_actor_outbox(self) -> str:
        return f"{self.instance_actor}/outbox"

    # The job board's Service actor (@jobs@domain): announces every local open listing.

    @property
    def jobs_actor(self) -> str:
        return f"{self.base}/services/jobs"

    @property
    def jobs_actor_key_id(self) -> str:
        return f"{self.jobs_actor}#main-key"

    @property
    def jobs_actor_inbox(self) -> str:
        return f"{self.jobs_actor}/inbox"

    @property
    def jobs_actor_outbox(self) -> str:
        return f"{self.jobs_actor}/outbox"

    @property
    def jobs_actor_followers(self) -> str:
        return f"{self.jobs_actor}/followers"

    def listing_announce(self, listing_id: int) -> str:
        """The jobs actor's Announce of a local listing (one per listing, made when it opens)."""
        return f"{self.jobs_actor}/announces/{listing_id}"

    def application(self, actor_id: str, application_id: int) -> str:
        """The direct reply that carries an application to a listing on another server."""
        return f"{actor_id}/applications/{application_id}"
