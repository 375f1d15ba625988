"""A local SMTP sink (aiosmtpd) and webhook receiver in one process of their own, counting what arrives.

    python -m bench.sinks SMTP_PORT HTTP_PORT

Both count deliveries and distinct idempotency keys (X-Recovery-Idempotency-Key, X-Recovery-Delivery), so
a message delivered twice or never shows up; `GET /stats` on the HTTP port answers the counts as JSON.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
import urllib.request
from dataclasses import dataclass

from bench.context import Run
from bench.procs import BIN, HOST, Proc, free_port, wait_port

KEY = re.compile(rb"^X-Recovery-Idempotency-Key:\s*(\S+)", re.M | re.I)
DELIVERY = re.compile(rb"^X-Recovery-Delivery:\s*(\S+)", re.M | re.I)


class Counts:
    def __init__(self) -> None:
        self.smtp_messages = 0
        self.webhook_posts = 0
        self.smtp_keys: set[bytes] = set()
        self.webhook_keys: set[bytes] = set()

    def as_dict(self) -> dict:
        return {"smtp_messages": self.smtp_messages, "smtp_unique": len(self.smtp_keys),
                "webhook_posts": self.webhook_posts, "webhook_unique": len(self.webhook_keys)}


class SmtpHandler:
    def __init__(self, counts: Counts) -> None:
        self.counts = counts

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.counts.smtp_messages += 1
        match = KEY.search(envelope.original_content or envelope.content or b"")
        if match:
            self.counts.smtp_keys.add(match.group(1))
        return "250 Message accepted"


async def _http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, counts: Counts) -> None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        length = re.search(rb"^Content-Length:\s*(\d+)", head, re.M | re.I)
        if length:
            await reader.readexactly(int(length.group(1)))
        if head.startswith(b"GET /stats"):
            body = json.dumps(counts.as_dict()).encode()
        else:
            counts.webhook_posts += 1
            match = DELIVERY.search(head)
            if match:
                counts.webhook_keys.add(match.group(1))
            body = b"ok"
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        pass
    finally:
        writer.close()


async def serve(smtp_port: int, http_port: int) -> None:
    from aiosmtpd.smtp import SMTP

    counts = Counts()
    loop = asyncio.get_running_loop()
    smtp = await loop.create_server(lambda: SMTP(SmtpHandler(counts), hostname="bench-sink"), HOST, smtp_port)
    http = await asyncio.start_server(lambda r, w: _http(r, w, counts), HOST, http_port, backlog=1024)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    smtp.close()
    http.close()


@dataclass
class Sinks:
    smtp_port: int
    http_port: int
    proc: Proc

    @classmethod
    def start(cls, run: Run) -> Sinks:
        smtp_port, http_port = free_port(), free_port()
        proc = run.procs.start("sinks", [str(BIN / "python"), "-m", "bench.sinks", str(smtp_port), str(http_port)],
                               port=http_port)
        wait_port(proc)
        return cls(smtp_port, http_port, proc)

    @property
    def webhook_url(self) -> str:
        return f"http://{HOST}:{self.http_port}/hook"

    def stats(self) -> dict:
        with urllib.request.urlopen(f"http://{HOST}:{self.http_port}/stats", timeout=10) as response:  # noqa: S310
            return json.loads(response.read())


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    asyncio.run(serve(int(sys.argv[1]), int(sys.argv[2])))
