"""Moderation: domain policies and shared blocklists, reports, the audit log."""
