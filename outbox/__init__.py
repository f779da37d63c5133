"""Sending ActivityPub: activities built from local actions, fan-out to inboxes, delivery
jobs with retry, and the outbox collection views. Never imports `inbox`."""
