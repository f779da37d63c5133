"""The image pipeline: safe decode, provenance signals, cleaning, cloak, variants,
blurhash and opt-out marks. Pure library: bytes and arrays in, bytes and records out;
it never imports `instance`, `inbox` or `outbox` and never touches the database."""
