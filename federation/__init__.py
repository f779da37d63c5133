"""ActivityPub protocol code: vocabulary, JSON-LD, HTTP signatures, discovery documents,
and the guarded HTTP client. Pure library: it never imports `instance`, `inbox` or `outbox`
and never touches the database."""
