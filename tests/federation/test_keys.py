"""Key generation and parsing: RSA PEM (SPKI and PKCS#1), Ed25519 PEM and multibase."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from federation import keys


def test_generate_rsa_keypair():
    private, public = keys.generate_rsa_keypair()
    assert private.startswith("-----BEGIN PRIVATE KEY-----")
    assert public.startswith("-----BEGIN PUBLIC KEY-----")
    key = keys.load_public_key(public)
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048
    assert keys.public_pem_of(private) == public


def test_public_key_cache_returns_same_object(rsa_key):
    _, _, pub = rsa_key
    assert keys.load_public_key(pub) is keys.load_public_key(pub + "\n")
    assert keys.load_public_key(keys.load_public_key(pub)) is keys.load_public_key(pub)


def test_pkcs1_rsa_public_key_pem(rsa_key):
    key, _, _ = rsa_key
    pkcs1 = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.PKCS1
    ).decode()
    assert pkcs1.startswith("-----BEGIN RSA PUBLIC KEY-----")
    assert keys.load_public_key(pkcs1).public_numbers() == key.public_key().public_numbers()


def test_ed25519_multibase_and_pem():
    private, multibase = keys.generate_ed25519_keypair()
    assert multibase.startswith("z6Mk")  # the familiar did:key Ed25519 prefix
    key = keys.load_public_key(multibase)
    assert isinstance(key, ed25519.Ed25519PublicKey)
    pem = keys.public_pem(key)
    assert keys.ed25519_multibase(keys.load_public_key(pem)) == multibase
    assert keys.public_pem(keys.load_private_key(private).public_key()) == pem


def test_rsa_multikey(rsa_key):
    key, _, _ = rsa_key
    der = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.PKCS1)
    multibase = "z" + keys._b58encode(b"\x85\x24" + der)
    assert keys.load_public_key(multibase).public_numbers() == key.public_key().public_numbers()


@pytest.mark.parametrize("text", ["", "hello", "z0OIl", "zQ3s", "-----BEGIN PUBLIC KEY-----\nxx"])
def test_bad_keys_raise_key_format_error(text):
    with pytest.raises(keys.KeyFormatError):
        keys.load_public_key(text)


def test_small_rsa_refused():
    small = rsa.RSAPublicNumbers(65537, (1 << 511) + 0x1235).public_key()
    with pytest.raises(keys.KeyFormatError):
        keys.load_public_key(keys.public_pem(small))


def test_bad_private_key():
    with pytest.raises(keys.KeyFormatError):
        keys.load_private_key("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n")
