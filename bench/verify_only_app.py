"""The ingest bench's in-run reference: a Quart app served as `impasto run` serves
(instance/cli/http_server.py: Uvicorn on httptools) whose POST /inbox only reads the body,
parses the JSON and verifies the draft-cavage signature against one known key, then
answers 202. Nothing is stored.

    python bench/verify_only_app.py PUBLIC_PEM_FILE   (prints "listening on PORT", then serves)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quart import Quart, Response, request  # noqa: E402

from federation.signatures import PublicKeyInfo, SignatureError, verify_request  # noqa: E402
from instance.cli.http_server import listen, serve  # noqa: E402


def build(public_pem: str) -> Quart:
    app = Quart("verify_only")

    async def resolver(key_id: str, _refresh: bool) -> PublicKeyInfo:
        return PublicKeyInfo(key_id.split("#", 1)[0], public_pem)

    @app.post("/inbox")
    async def inbox() -> Response:
        body = await request.get_data()
        activity = json.loads(body)
        if not isinstance(activity, dict):
            return Response("", status=400)
        try:
            await verify_request("POST", request.url, dict(request.headers), body, resolver)
        except SignatureError as exc:
            return Response(exc.reason, status=exc.status)
        return Response("", status=202)

    return app


def main() -> None:
    public_pem = Path(sys.argv[1]).read_text()
    listener = listen("127.0.0.1", 0)
    print(f"listening on {listener.getsockname()[1]}", flush=True)
    serve(build(public_pem), listener)


if __name__ == "__main__":
    main()
