"""Receiving ActivityPub: the POST /inbox views, the signature and domain-policy gates, and
one small handler per activity type."""
