"""Local actions: change storage, then federate through `outbox`. The client API, the web
UI, the CLI and the media pipeline all call these, so every path federates the same way."""
