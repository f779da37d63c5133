"""Every built-in job kind, named once: the code that enqueues a job and the handler that
runs it both use these constants, so a kind is never typed out twice."""

from __future__ import annotations

PUBLISH_WORK = "works.publish"
