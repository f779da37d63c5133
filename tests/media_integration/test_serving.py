"""A real `impasto run` serves public variants with opt-out headers, never an original
(whatever the path trick), and the opt-out documents; exiftool reads the XMP."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
from urllib.parse import quote, urlsplit

import httpx
import pytest
from PIL import Image

from instance.attachments.uploads import create_upload
from instance.services import Services, close_services
from instance.storage import db
from instance.storage.models import MediaAttachment
from media.storage import Area
from tests.media_integration.conftest import local_account, textured_rgb
from tests.rig.databases import migrated_sqlite_url
from tests.rig.jobs import run_jobs_until_idle
from tests.rig.processes import impasto_env, running_server
from tests.rig.services import make_services

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory, image_pool):
    """One processed upload (cloak "low": the cloak itself is tested elsewhere), then one
    real server on the same SQLite database and media folder for the whole module.
    Serving does not touch the database, so PostgreSQL adds nothing here."""
    tmp = tmp_path_factory.mktemp("served")
    url = migrated_sqlite_url(tmp / "impasto.sqlite3")
    original = jpeg_with_exif()

    async def prepare() -> tuple[MediaAttachment, Services]:
        await db.connect(url)
        services = make_services(tmp, image_pool, CLOAK_DEFAULT_LEVEL="low")
        try:
            artist = await local_account(services, "painter", "Pat Painter")
            media = await create_upload(services, artist, original, filename="secret.jpg",
                                        content_type="image/jpeg")
            await run_jobs_until_idle(services)
            return await MediaAttachment.get(id=media.id), services
        finally:
            await close_services(services)
            await db.disconnect()

    media, services = asyncio.run(prepare())
    assert media.state == "ready", media.state_reason
    env = impasto_env(url, tmp)
    with running_server(env) as server:
        yield server, media, original, services.media_store, tmp


def raw_get(base: str, raw_path: str) -> tuple[int, bytes]:
    """Send the path byte for byte (HTTP clients normalise '..' and escapes); follow
    one redirect (merged slashes answer 308) the same way."""
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=20) as sock:
        sock.sendall(f"GET {raw_path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                     "Connection: close\r\n\r\n".encode("latin-1"))
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if status in (301, 302, 307, 308):
        location = next(line.split(b":", 1)[1].strip().decode("latin-1")
                        for line in head.split(b"\r\n") if line.lower().startswith(b"location:"))
        assert original_never_in(body)
        return raw_get(base, urlsplit(location).path or "/")
    return status, body


def original_never_in(body: bytes) -> bool:
    return b"SecretCam" not in body


def jpeg_with_exif() -> bytes:
    import io

    im = Image.fromarray(textured_rgb(480, 360, seed=3))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0110] = "Model X"  # Model
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=92, exif=exif)
    return buf.getvalue()


def test_variants_are_served_with_optout_headers(served):
    server, media, original, store, tmp = served
    for fmt, ctype in (("webp", "image/webp"), ("jpeg", "image/jpeg")):
        key = media.variants["display"][fmt]
        response = httpx.get(f"{server.url}/media/{key}")
        assert response.status_code == 200
        assert response.headers["content-type"] == ctype
        assert response.content == store.get(Area.VARIANTS, key)
        assert response.headers["cache-control"] == "public, max-age=31536000"
        assert response.headers["etag"] and response.headers["last-modified"]
        assert response.headers["x-robots-tag"] == "noai, noimageai"
        assert response.headers["tdm-reservation"] == "1"
        assert response.headers["x-content-type-options"] == "nosniff"
    assert httpx.get(f"{server.url}/media/{media.variants['thumb']['webp']}").status_code == 200


def test_original_is_never_reachable(served):
    server, media, original, store, tmp = served
    key = media.original_key
    root = tmp / "media"
    private = root / "private" / "originals" / key
    assert private.read_bytes() == original
    # A symlink planted in the public folder (file and folder) is not followed either.
    public = root / "public"
    (public / "zz").mkdir(exist_ok=True)
    os.symlink(private, public / "zz" / "planted.jpg")
    os.symlink(root / "private" / "originals", public / "originals")
    enc = quote(key, safe="")
    tricks = [
        f"/media/{key}", f"/media/originals/{key}", "/media/zz/planted.jpg",
        f"/media/../private/originals/{key}", f"/media/%2e%2e/private/originals/{key}",
        f"/media/..%2fprivate%2foriginals%2f{enc}", f"/media/%2e%2e%2fprivate%2foriginals%2f{enc}",
        f"/media/..%5cprivate%5coriginals%5c{enc}", f"/private/originals/{key}",
        f"/media/private/originals/{key}", f"/media//{private}", f"/media/{str(private)[1:]}",
        f"/media/{key}%00.jpg", f"/media/{key}?.jpg", f"/media/{media.variants['display']['jpeg']}"
        f"/../../../../private/originals/{key}", f"/static/../../{private}",
        f"/media/%252e%252e/private/originals/{key}", f"/{key}", f"/media/.{key}",
    ]
    for path in tricks:
        status, body = raw_get(server.url, path)
        assert status in (400, 404), (path, status)
        assert original not in body and b"SecretCam" not in body, path


def test_optout_documents_and_html_headers(served):
    server = served[0]
    robots = httpx.get(f"{server.url}/robots.txt")
    assert robots.status_code == 200 and robots.headers["content-type"].startswith("text/plain")
    assert "User-agent: GPTBot\nDisallow: /" in robots.text
    assert "User-agent: *\n" in robots.text and "Allow: /" in robots.text
    ai = httpx.get(f"{server.url}/ai.txt")
    assert ai.status_code == 200 and "User-Agent: *\nDisallow: /" in ai.text
    tdm = httpx.get(f"{server.url}/.well-known/tdmrep.json")
    assert tdm.headers["content-type"].startswith("application/json")
    assert tdm.json() == [{"location": "/", "tdm-reservation": 1}]
    for path in ("/", "/no-such-page"):
        page = httpx.get(f"{server.url}{path}")
        assert page.headers["content-type"].startswith("text/html"), path
        assert page.headers["x-robots-tag"] == "noai, noimageai", path
        assert page.headers["tdm-reservation"] == "1", path
    assert "x-robots-tag" not in httpx.get(f"{server.url}/health").headers


@pytest.mark.skipif(shutil.which("exiftool") is None,
                    reason="exiftool is not installed (CI installs it: apt install exiftool)")
def test_served_variants_carry_optout_xmp_and_nothing_else(served):
    server, media, original, store, tmp = served
    out = tmp / "downloads"
    out.mkdir()
    files = []
    for fmt, ext in (("webp", "webp"), ("jpeg", "jpg")):
        path = out / f"display.{ext}"
        path.write_bytes(httpx.get(f"{server.url}/media/{media.variants['display'][fmt]}").content)
        files.append(str(path))
    result = subprocess.run(["exiftool", "-j", "-G1", "-a", *files], capture_output=True,
                            text=True, check=True)
    for tags in json.loads(result.stdout):
        assert tags["XMP-plus:DataMining"].endswith("DMI-PROHIBITED-AIMLTRAINING")
        assert tags["XMP-dc:Creator"] == "Pat Painter"
        assert "Pat Painter" in tags["XMP-dc:Rights"]
        text = json.dumps(tags)
        assert "SecretCam" not in text and "Model X" not in text
        assert not any(k.startswith(("IFD0:", "ExifIFD:", "GPS:")) for k in tags), tags
