"""The running Impasto server: configuration, storage, jobs, accounts, policy, client API,
web UI, CLI, and the `create_app()` composition root."""

__version__ = "0.1.0"
