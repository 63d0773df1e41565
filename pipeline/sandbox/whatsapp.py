"""A local imitation of the WhatsApp Cloud API's template messages, for announcements.

`POST /{version}/{phone-number-id}/messages` with a Bearer token and
`{"messaging_product": "whatsapp", "to", "type": "template", "template": {"name", "language":
{"code"}, "components": [{"type": "body", "parameters": [{"type": "text", "text"}]}]}}` answers
`{"messaging_product": "whatsapp", "contacts": [{"input", "wa_id"}], "messages": [{"id": "wamid...",
"message_status": "accepted"}]}`. Errors use the Graph envelope (`pipeline.sandbox.meta.GraphError`)
with the Cloud API's codes: 190 bad token, 100 invalid parameter, 131030 recipient not in the
allowed list, 132000 parameter count mismatch, 132001 template does not exist in that language,
130429 throughput reached (HTTP 429), each with `error_data.details` as Meta sends it.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
from dataclasses import dataclass
from typing import Any

from pipeline.sandbox.http import FakeServer, Fault, Request, Response, route
from pipeline.sandbox.meta import GraphError

__all__ = ["Template", "WhatsAppServer"]


@dataclass(frozen=True)
class Template:
    """An approved message template: its language and how many body variables it has."""

    name: str
    language: str
    variables: int


def _cloud_error(code: int, title: str, details: str, status: int = 400) -> GraphError:
    return GraphError(code, f"(#{code}) {title}", status=status,
                      extra={"error_data": {"messaging_product": "whatsapp", "details": details}})


class WhatsAppServer(FakeServer):
    """One business phone number, its approved templates and the test recipients it may message."""

    name = "whatsapp"
    TOKEN = "EAAGsandboxWhatsAppCloudApiToken000000000000"
    PHONE_NUMBER_ID = "106540352242922"

    def __init__(self, recipients: list[str] | None = None, templates: list[Template] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.recipients = set(recipients or ["6281200000001", "6281200000002"])
        self.templates = {(t.name, t.language): t for t in templates or [
            Template("konten_disetujui", "id", 2), Template("konten_tayang", "id", 2),
            Template("konten_pengingat", "id", 3)]}
        self.sent: list[dict[str, Any]] = []
        self._ids = itertools.count(1)

    def dispatch(self, request: Request) -> Response:
        try:
            return super().dispatch(request)
        except GraphError as error:
            return Response(error.status, error.body(), dict(error.headers))

    def not_found(self, request: Request) -> Response:
        raise GraphError(2500, f"Unknown path components: {request.path}")

    @route("POST", "/{version}/{phone_id}/messages")
    def send(self, request: Request) -> Response:
        if not re.fullmatch(r"v\d+\.\d+", request.params["version"]):
            raise GraphError(2500, f"Unknown path components: /{request.params['version']}")
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise GraphError(104, "An access token is required to request this resource.", status=401)
        if token != self.TOKEN:
            raise GraphError(190, "Invalid OAuth access token - Cannot parse access token", status=401)
        if request.params["phone_id"] != self.PHONE_NUMBER_ID:
            raise GraphError(100, (
                f"Unsupported post request. Object with ID '{request.params['phone_id']}' does not exist, "
                "cannot be loaded due to missing permissions, or does not support this operation."),
                33, type="GraphMethodException")
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise _cloud_error(100, "Invalid parameter", "The request body must be a JSON object")
        if body.get("messaging_product") != "whatsapp":
            raise _cloud_error(100, "Invalid parameter", "Parameter messaging_product is required and must be "
                                                          "'whatsapp'")
        to = re.sub(r"\D", "", str(body.get("to") or ""))
        if not to:
            raise _cloud_error(131008, "Required parameter is missing", "Parameter 'to' is required")
        if body.get("type") != "template":
            raise _cloud_error(131047, "Re-engagement message", "Message failed to send because more than 24 "
                                                                 "hours have passed since the customer last replied "
                                                                 "to this number.")
        template = body.get("template") or {}
        name = str(template.get("name") or "")
        language = str((template.get("language") or {}).get("code") or "")
        known = self.templates.get((name, language))
        if known is None:
            raise _cloud_error(132001, "Template name does not exist in the translation",
                               f"template name ({name}) does not exist in {language}", status=404)
        values = [p for c in template.get("components") or [] if c.get("type") == "body"
                  for p in c.get("parameters") or []]
        if len(values) != known.variables:
            raise _cloud_error(132000, "Number of parameters does not match the expected number of params",
                               f"body: number of localizable_params ({len(values)}) does not match the expected "
                               f"number of params ({known.variables})")
        if any("\n" in str(p.get("text", "")) or "\t" in str(p.get("text", "")) for p in values):
            raise _cloud_error(132018, "There was an issue with the parameters in your template.",
                               "Param text cannot have new-line/tab characters or more than 4 consecutive spaces")
        if to not in self.recipients:
            raise _cloud_error(131030, "Recipient phone number not in allowed list",
                               "Recipient phone number not in allowed list: Add recipient phone number to "
                               "recipient list and try again.")
        wamid = "wamid." + base64.b64encode(f"HBgN{to}FQIAERgS{next(self._ids):018d}".encode()).decode()
        self.sent.append({"id": wamid, "to": to, "template": name, "language": language,
                          "values": [str(p.get("text", "")) for p in values]})
        return Response(200, {"messaging_product": "whatsapp", "contacts": [{"input": str(body["to"]), "wa_id": to}],
                              "messages": [{"id": wamid, "message_status": "accepted"}]})

    def throughput_reached(self, times: int = 1) -> None:
        """The next `times` sends hit the phone number's throughput limit (130429, HTTP 429)."""
        error = _cloud_error(130429, "Rate limit hit", "Cloud API message throughput has been reached.", status=429)
        self.inject(Fault(path=r"/messages$", status=429, body=error.body(), times=times))
