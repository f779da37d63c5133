"""Who acts: local accounts (usernames, passwords, key pairs) and invites, remote actors
fetched from their origin and cached, the keys signatures are verified with, and the
instance actor that signs our fetches."""
