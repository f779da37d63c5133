"""The test rig: the helpers many test files need, in one place, so each test says what
it checks rather than how to stand an instance up.

- `services`: `make_services(tmp_path=None, pool=None, **settings)` for a test that has
  already connected the database; `built_services(url, tmp_path, **settings)`, an async
  iterator, for an art.test instance on a given database (what the `services` fixture in
  tests/conftest.py uses). Both may reach exactly the loopback servers open in the test
  process (`loopback.OPEN_ENDPOINTS`; a subprocess server the test starts is added
  there by hand) and no other private address: the SSRF guard stays on in tests.
- `jobs`: `run_jobs_until_idle(services)` runs the queued jobs in the test's process with
  the real handlers; use it instead of sleeping or an embedded worker.
- `loopback`: `loopback_server()` starts a `LoopbackServer` on 127.0.0.1 that serves
  `files`/`documents` by path (or a `handler` of your own, e.g. chunked bodies or
  redirects) and records `requests`; use it when the code under test must go over HTTP.
- `signing`: `signed_headers(url, body, account)` and `post_signed(url, account,
  activity)` knock on an inbox as an actor would. (tests/federation/peers.py signs on its
  own, on purpose.)
- `peers`: `make_peer` and `serving` run whole Impasto instances (`impasto run`, worker
  off) on loopback ports for federation tests; `Peer.open()` and `Peer.run_jobs()` reach
  their database from the test. Peers served together may reach each other's ports and
  the ports reserved for third-party servers (`third_party_port(n)`: bovine, pasture).
- `processes`: `impasto_env`, `run_cli`, `running_server` (and `IMPASTO`, the command) run
  the real CLI and server as child processes; `running_server_at_its_address` when the
  links the server makes (mail, rel="me") must lead back to it; `free_port`.
- `smtp`: `smtp_server()` runs a real SMTP server (aiosmtpd) on loopback that keeps the
  mail it receives (`to`, `only_message_to`, `link_in`), optionally over STARTTLS or TLS
  and with a login; `settings` are the `[mail]` values that point Impasto at it.
- `import_graph`: the package layering that tests/test_architecture.py enforces.
"""
