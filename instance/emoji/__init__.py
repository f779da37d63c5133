"""Custom emoji (Mastodon's): local uploads, remote servers' Emoji tags, and `:shortcode:`
in text shown as small images. Why a package: the admin pages, the CLI, the client API,
the outbox and the inbox all ask the same few questions of the same table."""
