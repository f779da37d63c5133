"""The server side of federation inside the instance: remote-actor storage, the instance
actor, domain-policy checks, and the discovery/actor/collection views."""
