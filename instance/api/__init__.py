"""The Mastodon-compatible client API: one small blueprint module per area, shared
helpers for errors, request bodies, token scopes, paging, rate limits and entities."""
