"""Fault-drill peers, each run as a process of its own: an SMTP relay and a webhook receiver that log what they got.

    python tests/outbox/drill_peers.py smtp PORT LOG
    python tests/outbox/drill_peers.py webhook PORT LOG MODE_FILE

Each prints "ready" once listening. The relay logs the X-Recovery-Idempotency-Key of every message it accepts.
The receiver reads MODE_FILE at every request: "500" answers 500, "hang" never answers, "slow:S" waits S
seconds then accepts, anything else accepts at once; it logs "<Idempotency-Key> <500|hung|200|repeat>", where
"repeat" is a key it had already accepted (dropped, as docs/operations.md tells receivers to, and answered 200).
"""

from __future__ import annotations

import sys
import threading
import time
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_LOCK = threading.Lock()


def _log(path: str, line: str) -> None:
    with _LOCK, open(path, "a") as handle:
        handle.write(line + "\n")


def smtp(port: int, log: str) -> None:
    from aiosmtpd.controller import Controller

    class Relay:
        async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
            _log(log, str(message_from_bytes(envelope.content)["X-Recovery-Idempotency-Key"]))
            return "250 Message accepted for delivery"

    controller = Controller(Relay(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()  # until SIGTERM or SIGKILL ends the process


def webhook(port: int, log: str, mode_file: str) -> None:
    accepted: set[str] = set()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            key = self.headers.get("Idempotency-Key", "?")
            with open(mode_file) as handle:
                mode = handle.read().strip()
            if mode == "hang":
                _log(log, f"{key} hung")
                time.sleep(60)  # the sender gives up at its deadline; this answer never comes
                return
            if mode == "500":
                _log(log, f"{key} 500")
                return self._answer(500)
            if mode.startswith("slow:"):
                time.sleep(float(mode.split(":", 1)[1]))
            with _LOCK:
                outcome = "repeat" if key in accepted else "200"
                accepted.add(key)
            _log(log, f"{key} {outcome}")
            self._answer(200)

        def _answer(self, status: int) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Receiver)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever(poll_interval=0.05)


if __name__ == "__main__":
    kind, port, log, *rest = sys.argv[1:]
    smtp(int(port), log) if kind == "smtp" else webhook(int(port), log, *rest)
