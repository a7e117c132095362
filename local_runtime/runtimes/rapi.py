"""The Lambda Runtime API of one execution environment, on a loopback port of its own.

A runtime process asks ``GET /2018-06-01/runtime/invocation/next`` for its next event and answers
with ``.../invocation/{id}/response`` or ``.../{id}/error``; ``/runtime/init/error`` reports a failed
init ("Using the Lambda runtime API for custom runtimes"). The event's headers are set when the
process takes it: its deadline counts from then.
"""

from __future__ import annotations

import queue
import time
from dataclasses import dataclass, field

from local_runtime import loopback

RUNTIME = "/2018-06-01/runtime"


@dataclass(frozen=True)
class Event:
    request_id: str
    body: bytes
    timeout_s: float
    headers: dict[str, str] = field(default_factory=dict)


class RuntimeApi:
    """The server (threads of its own): ``events`` waiting to be taken, ``results`` the process posted
    as ``(kind, request id, body)``, kind being "response", "error" or "init"."""

    def __init__(self) -> None:
        self.events: queue.Queue[Event | None] = queue.Queue()
        self.results: queue.Queue[tuple[str, str | None, bytes]] = queue.Queue()
        self.polled_at: float | None = None  # when the process first asked for an event: its init is done
        api = self

        class Handler(loopback.Handler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                if self.path != f"{RUNTIME}/invocation/next":
                    return self.reply(404)
                if api.polled_at is None:
                    api.polled_at = time.perf_counter()
                event = api.events.get()
                if event is None:  # the environment is being shut down
                    return self.reply(410)
                deadline_ms = str(int(time.time() * 1000 + event.timeout_s * 1000))
                headers = {
                    "lambda-runtime-aws-request-id": event.request_id,
                    "lambda-runtime-deadline-ms": deadline_ms,
                    **event.headers,
                }
                return self.reply(200, event.body, headers)

            def do_POST(self) -> None:  # noqa: N802
                body = self.body()
                parts = self.path.removeprefix(RUNTIME).strip("/").split("/")
                if parts == ["init", "error"]:
                    api.results.put(("init", None, body))
                elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                    api.results.put((parts[2], parts[1], body))
                else:
                    return self.reply(404)
                return self.reply(202, b'{"status":"OK"}')

        self.server = loopback.LoopbackServer(Handler)

    @property
    def address(self) -> str:
        return self.server.address

    def close(self) -> None:
        self.events.put(None)
        self.server.close()
