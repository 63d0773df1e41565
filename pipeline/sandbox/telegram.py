"""A local imitation of the Telegram Bot API's `sendMessage`, for announcements and reminders.

Follows https://core.telegram.org/bots/api: `https://api.telegram.org/bot<token>/<method>`, GET or
POST, parameters as query string, urlencoded/multipart form or JSON. Every answer is the Bot API
envelope: `{"ok": true, "result": Message}` or `{"ok": false, "error_code", "description"}`, with
`parameters.retry_after` on 429 (flood control) — in the body, as the docs' ResponseParameters say.
Descriptions are the ones bots see in practice ("Bad Request: chat not found", "Unauthorized",
"Too Many Requests: retry after N").
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from pipeline.sandbox.http import FakeServer, Fault, Request, Response, route

__all__ = ["TelegramServer"]

MAX_TEXT = 4096


def _error(code: int, description: str, **parameters: Any) -> Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return Response(code, body)


class TelegramServer(FakeServer):
    """One bot (token `TOKEN`) and the group chats it is a member of; `sent` holds what it posted."""

    name = "telegram"
    TOKEN = "7000000001:AAHsandbox-konten-bot-token-000000000"
    GROUP = "-1001000000001"  # the office's internal group, which the bot has joined
    BOT = {"id": 7000000001, "is_bot": True, "first_name": "Konten SOP", "username": "konten_sop_bot"}

    def __init__(self, chats: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.chats: dict[str, str] = dict(chats or {self.GROUP: "Grup Internal KPU Jateng"})
        self.sent: list[dict[str, Any]] = []
        self._ids = itertools.count(101)

    def flood(self, retry_after: int, times: int = 1) -> Fault:
        """Answer the next `times` sendMessage calls with flood control: wait `retry_after` seconds."""
        return self.inject(Fault(path=r"/sendMessage$", status=429, times=times, body={
            "ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {retry_after}",
            "parameters": {"retry_after": retry_after}}))

    def not_found(self, request: Request) -> Response:
        return _error(404, "Not Found")

    @route("GET", "/bot{token}/{method}")
    def call_get(self, request: Request) -> Response:
        return self._call(request)

    @route("POST", "/bot{token}/{method}")
    def call_post(self, request: Request) -> Response:
        return self._call(request)

    def _call(self, request: Request) -> Response:
        if request.params["token"] != self.TOKEN:
            return _error(401, "Unauthorized")
        if request.params["method"].lower() != "sendmessage":  # method names are case-insensitive
            return _error(404, "Not Found")
        try:
            params = self._params(request)
        except ValueError:
            return _error(400, "Bad Request: can't parse JSON object")
        return self._send_message(params)

    @staticmethod
    def _params(request: Request) -> dict[str, Any]:
        params: dict[str, Any] = {k: v[0] for k, v in request.query.items()}
        ctype = request.header("content-type", "") or ""
        if ctype.startswith("application/json") and request.body:
            body = json.loads(request.body)
            if not isinstance(body, dict):
                raise ValueError("not an object")
            params.update(body)
        elif request.body:
            params.update(request.form())
        return params

    def _send_message(self, params: dict[str, Any]) -> Response:
        chat_id = str(params.get("chat_id") or "").strip()
        text = str(params.get("text") or "")
        if not chat_id:
            return _error(400, "Bad Request: chat_id is empty")
        if not text.strip():
            return _error(400, "Bad Request: message text is empty")
        if len(text) > MAX_TEXT:
            return _error(400, "Bad Request: message is too long")
        if params.get("parse_mode") not in (None, "", "HTML", "Markdown", "MarkdownV2"):
            return _error(400, "Bad Request: unsupported parse_mode")
        if chat_id not in self.chats:
            return _error(400, "Bad Request: chat not found")
        message = {
            "message_id": next(self._ids),
            "from": dict(self.BOT),
            "chat": {"id": int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id,
                     "title": self.chats[chat_id], "type": "supergroup"},
            "date": int(time.time()),
            "text": text,
        }
        self.sent.append(message)
        return Response(200, {"ok": True, "result": message})
