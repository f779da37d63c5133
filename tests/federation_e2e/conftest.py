"""One pair of running instances shared by the federation tests of a test process."""

from __future__ import annotations

import pytest

from tests.federation_e2e.peers import make_peer, serving


@pytest.fixture(scope="session")
def peers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("peers")
    a, b = make_peer("a", tmp), make_peer("b", tmp)
    with serving(a, b):
        yield a, b
