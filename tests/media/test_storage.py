"""LocalMediaStore: private originals, public variants, atomic writes, safe keys."""

from __future__ import annotations

import os

import pytest

from media.storage import Area, InvalidKey, LocalMediaStore, MediaStore, check_key, sharded_key


@pytest.fixture
def store(tmp_path) -> LocalMediaStore:
    return LocalMediaStore(tmp_path / "media")


def test_round_trip_and_protocol(store):
    assert isinstance(store, MediaStore)
    store.put(Area.VARIANTS, "ab/cd/abcd.webp", b"webp bytes")
    assert store.exists(Area.VARIANTS, "ab/cd/abcd.webp")
    assert store.get(Area.VARIANTS, "ab/cd/abcd.webp") == b"webp bytes"
    store.put(Area.VARIANTS, "ab/cd/abcd.webp", b"replaced")
    assert store.get(Area.VARIANTS, "ab/cd/abcd.webp") == b"replaced"
    assert store.delete(Area.VARIANTS, "ab/cd/abcd.webp") is True
    assert store.delete(Area.VARIANTS, "ab/cd/abcd.webp") is False
    assert not store.exists(Area.VARIANTS, "ab/cd/abcd.webp")
    with pytest.raises(FileNotFoundError):
        store.get(Area.VARIANTS, "ab/cd/abcd.webp")


def test_originals_are_private_and_never_served(store):
    store.put(Area.ORIGINALS, "orig.jpg", b"original with GPS")
    store.put(Area.VARIANTS, "display.webp", b"variant")
    orig_path = store.private_dir / "orig.jpg"
    assert orig_path.read_bytes() == b"original with GPS"
    assert not orig_path.resolve().is_relative_to(store.public_dir)
    assert oct(orig_path.stat().st_mode & 0o777) == "0o600"
    assert store.path_for_serving("orig.jpg") is None  # not a variant
    served = store.path_for_serving("display.webp")
    assert served is not None and served.read_bytes() == b"variant"
    assert served.is_relative_to(store.public_dir)
    assert not store.exists(Area.VARIANTS, "orig.jpg")


def test_files_in_and_out_in_pieces(store, tmp_path):
    """put_file / open: a large private file (a full archive) copied and read in pieces."""
    source = tmp_path / "archive.zip"
    source.write_bytes(b"zip" * 1_000_000)
    store.put_file(Area.ORIGINALS, "archives/ab/abcd.zip", source)
    stored = store.private_dir / "archives" / "ab" / "abcd.zip"
    assert oct(stored.stat().st_mode & 0o777) == "0o600"  # private, like an original
    assert store.path_for_serving("archives/ab/abcd.zip") is None
    with store.open(Area.ORIGINALS, "archives/ab/abcd.zip") as stream:
        assert stream.read(3) == b"zip" and len(stream.read()) == 3_000_000 - 3
    assert sorted(p.name for p in stored.parent.iterdir()) == ["abcd.zip"]  # no temporary left
    with pytest.raises(FileNotFoundError):
        store.open(Area.ORIGINALS, "archives/ab/absent.zip")
    with pytest.raises(InvalidKey):
        store.put_file(Area.ORIGINALS, "../escape.zip", source)


def test_writes_leave_no_temporary_files(store):
    for i in range(3):
        store.put(Area.VARIANTS, "x/y.jpg", b"%d" % i)
    assert sorted(p.name for p in (store.public_dir / "x").iterdir()) == ["y.jpg"]


def test_failed_write_keeps_the_old_file(store, monkeypatch):
    store.put(Area.VARIANTS, "k.webp", b"old")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        store.put(Area.VARIANTS, "k.webp", b"new")
    monkeypatch.undo()
    assert store.get(Area.VARIANTS, "k.webp") == b"old"
    assert [p.name for p in store.public_dir.iterdir()] == ["k.webp"]


@pytest.mark.parametrize(
    "key",
    ["../escape", "a/../../b", "/etc/passwd", ".hidden", "a/.b", "", "a//b", "a/", "a\\b",
     "a/b/c/d/e/f/g/h/i", "x" * 200, "a b", "é.jpg", "a/./b", "..", "C:/x"],
)
def test_keys_cannot_escape_the_root(store, key):
    with pytest.raises(InvalidKey):
        check_key(key)
    with pytest.raises(InvalidKey):
        store.put(Area.VARIANTS, key, b"x")
    with pytest.raises(InvalidKey):
        store.path_for_serving(key)


def test_symlinked_folder_outside_the_root_is_refused(store, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (store.public_dir / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(InvalidKey):
        store.put(Area.VARIANTS, "link/evil.webp", b"x")
    assert not any(outside.iterdir())


def test_sharded_key():
    assert sharded_key("0193abcd.webp") == "01/93/0193abcd.webp"
    assert sharded_key("a.webp") == "a.webp"
    with pytest.raises(InvalidKey):
        sharded_key("../x")
