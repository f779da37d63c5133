"""Package data: the bundled JSON-LD context documents (jsonld-contexts.json)."""
