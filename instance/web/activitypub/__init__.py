"""The ActivityPub side of the web: actor, object and collection documents, discovery
(WebFinger, host-meta, NodeInfo), and the signed-fetch gate those GETs pass."""
