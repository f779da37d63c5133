"""Every client-API endpoint checks a token's scopes: walk the app's URL map (no server
needed) and find the scope rule on each view; and the scope rules themselves."""

from __future__ import annotations

from instance.api.oauth import scopes
from instance.app import create_app
from instance.config import load_config

# Endpoints that need no token by design.
OPEN = {
    ("POST", "/api/v1/apps"),
    ("GET", "/api/v1/streaming/health"),
}


def test_every_api_route_declares_its_scopes(tmp_path):
    config = load_config(environ={"IMPASTO_SERVER_SECRET_KEY_FILE": str(tmp_path / "key")})
    app = create_app(config)
    unchecked = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if (method, rule.rule) not in OPEN and not hasattr(view, "required_scopes"):
                unchecked.append(f"{method} {rule.rule}")
    assert unchecked == []
    routes = {r.rule for r in app.url_map.iter_rules()}
    assert {
        "/api/v1/instance",
        "/api/v1/instance/",
        "/api/v2/instance/",
        "/oauth/token",
        "/oauth/authorize",
        "/oauth/revoke",
        "/.well-known/oauth-authorization-server",
    } <= routes


def test_scope_rules():
    granted = scopes.expand(["read", "follow"])
    assert scopes.allows(granted, "read:statuses") and scopes.allows(granted, "write:follows")
    assert not scopes.allows(granted, "write:statuses")
    assert not scopes.allows(scopes.expand(["write:media"]), "write:statuses")
    assert scopes.subset(["read:statuses", "write:media"], ["read", "write"])
    assert not scopes.subset(["write"], ["write:media"])
    assert scopes.parse("read+write:media") == ["read", "write:media"]
    assert scopes.parse("") == ["read"]
    for bad in ("admin:all", "read:everything", "root"):
        try:
            scopes.parse(bad)
        except scopes.ScopeError:
            continue
        raise AssertionError(f"{bad} was accepted")
