"""A fake Telegram Bot API on loopback for the bot's tests (issue 15, acceptance).

It speaks the few methods python-telegram-bot uses here: ``getMe``, ``deleteWebhook``,
``getUpdates`` (long polling over the updates a test queues with ``say`` and
``send_photo``), ``sendMessage`` (recorded in ``sent``), ``getFile`` and the file download.
Requests arrive as Bot API clients send them without files: form fields or JSON.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "123456:TEST-TOKEN"


@dataclass
class Sent:
    """A message the bot sent: its chat and text."""

    chat_id: int
    text: str


@dataclass
class FakeBotApi:
    """The server's state; ``url`` is the base the library is pointed at."""

    server: ThreadingHTTPServer
    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    lock: threading.Condition = field(default_factory=threading.Condition)
    next_update: int = 1

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/bot"

    @property
    def file_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/file/bot"

    def _queue(self, chat_id: int, message: dict[str, Any]) -> None:
        with self.lock:
            number = self.next_update
            self.next_update += 1
            message |= {
                "message_id": number,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "Rina", "username": "rina"},
            }
            self.updates.append({"update_id": number, "message": message})
            self.lock.notify_all()

    def say(self, chat_id: int, text: str) -> None:
        """Queue a text message from the user of ``chat_id`` (a command when it starts
        with "/")."""
        message: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        self._queue(chat_id, message)

    def send_photo(self, chat_id: int, data: bytes) -> None:
        """Queue a photo from the user of ``chat_id``, in two sizes (the bot takes the
        larger, ``data``)."""
        number = len(self.files) + 1
        self.files[f"big{number}"] = data
        self.files[f"small{number}"] = b"not the one"
        sizes = [
            {"file_id": f"small{number}", "file_unique_id": f"s{number}", "width": 90},
            {"file_id": f"big{number}", "file_unique_id": f"b{number}", "width": 800},
        ]
        for size in sizes:
            size["height"] = size["width"]
        self._queue(chat_id, {"photo": sizes})

    def wait_for(self, chat_id: int, contains: str, timeout: float = 20.0) -> Sent:
        """The first message the bot sent to ``chat_id`` containing ``contains``, waiting
        up to ``timeout`` seconds; AssertionError with what was sent otherwise."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                for message in self.sent:
                    if message.chat_id == chat_id and contains in message.text:
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no message with {contains!r}; sent: {self.sent}")
                self.lock.wait(left)

    def updates_after(self, offset: int, wait: float) -> list[dict[str, Any]]:
        deadline = time.monotonic() + wait
        with self.lock:
            while True:
                found = [u for u in self.updates if u["update_id"] >= offset]
                left = deadline - time.monotonic()
                if found or left <= 0:
                    return found
                self.lock.wait(left)

    def record(self, chat_id: int, text: str) -> dict[str, Any]:
        with self.lock:
            self.sent.append(Sent(chat_id, text))
            self.lock.notify_all()
            return {
                "message_id": 10_000 + len(self.sent),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "text": text,
            }


def _fields(handler: BaseHTTPRequestHandler) -> dict[str, str]:
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length) if length else b""
    kind = handler.headers.get("Content-Type", "")
    if kind.startswith("application/json"):
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in json.loads(body).items()}
    return {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}


def start_fake_bot_api() -> FakeBotApi:
    """Start the fake API on a free port of 127.0.0.1 (a daemon thread); stop it with
    ``api.server.shutdown()``."""
    state: dict[str, FakeBotApi] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, result: Any, status: int = 200) -> None:
            body = json.dumps({"ok": status == 200, "result": result}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            # The bot may stop polling while the answer is on its way.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def do_GET(self) -> None:
            api = state["api"]
            prefix = f"/file/bot{TOKEN}/files/"
            path = urllib.parse.unquote(self.path)
            if path.startswith(prefix):
                data = api.files.get(path[len(prefix) :])
                if data is not None:
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
            self.send_error(404)

        def do_POST(self) -> None:
            api = state["api"]
            prefix = f"/bot{TOKEN}/"
            if not self.path.startswith(prefix):
                self._answer("Unauthorized", 401)
                return
            method = self.path[len(prefix) :]
            fields = _fields(self)
            if method == "getMe":
                me = {"id": 42, "is_bot": True, "first_name": "Jaga", "username": "jaga_test_bot"}
                self._answer(me)
            elif method in ("deleteWebhook", "setMyCommands"):
                self._answer(True)
            elif method == "getUpdates":
                offset = int(fields.get("offset") or 0)
                wait = min(float(fields.get("timeout") or 0), 1.0)
                self._answer(api.updates_after(offset, wait))
            elif method == "sendMessage":
                self._answer(api.record(int(fields["chat_id"]), fields["text"]))
            elif method == "getFile":
                file_id = fields["file_id"]
                self._answer(
                    {
                        "file_id": file_id,
                        "file_unique_id": file_id,
                        "file_size": len(api.files.get(file_id, b"")),
                        "file_path": f"files/{file_id}",
                    }
                )
            else:
                self._answer(f"method {method} is not faked", 400)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    api = FakeBotApi(server)
    state["api"] = api
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return api
