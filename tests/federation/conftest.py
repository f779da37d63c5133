"""Keys shared by the federation tests (RSA generation is slow; make them once)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.federation.peers import private_pem, rsa_pair


@pytest.fixture(scope="session")
def rsa_key():
    """(private key object, private PEM, public PEM)."""
    key, pub = rsa_pair()
    return key, private_pem(key), pub


@pytest.fixture(scope="session")
def other_rsa_key():
    key, pub = rsa_pair()
    return key, private_pem(key), pub


@pytest.fixture(scope="session")
def ed_key():
    key = ed25519.Ed25519PrivateKey.generate()
    return key, private_pem(key)
