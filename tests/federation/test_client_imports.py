"""A request through the federation client searches no import path: httpcore asks for
the optional `sniffio` on every lock it makes, and when it is not installed each ask used
to scan sys.path anew (most of a delivery's CPU in the fan-out bench)."""

from __future__ import annotations

import sys
from importlib.abc import MetaPathFinder

from federation.client import FederationClient
from tests.rig.loopback import Response, loopback_server

HEADERS = {"Content-Type": "application/activity+json"}


class Recorder(MetaPathFinder):
    """Sees every import that is not already in sys.modules, finds nothing itself."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(self, fullname, path=None, target=None):  # noqa: ANN001 (the finder protocol)
        self.names.append(fullname)
        return None


async def test_a_post_searches_no_import_path():
    recorder = Recorder()
    async with loopback_server(lambda request: Response(202)) as server, FederationClient(
        "art.test", allow_private_addresses=[f"127.0.0.1:{server.port}"]
    ) as client:
        assert (await client.post_plain(f"{server.base}/inbox", b"{}", HEADERS)).status == 202  # warm
        sys.meta_path.insert(0, recorder)
        try:
            for _ in range(3):
                assert (await client.post_plain(f"{server.base}/inbox", b"{}", HEADERS)).status == 202
        finally:
            sys.meta_path.remove(recorder)
    assert recorder.names == []
