"""OAuth2 for Mastodon clients: app registration, the authorize page, the token and
revocation endpoints, RFC 8414 metadata, and scope checks for the client API."""
