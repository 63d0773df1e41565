"""One retry policy for every platform call, decided by what the call may have done.

A call either creates the post (`creates=True`) or only prepares it (token, upload, container,
status). The rule that keeps posting exactly-once:
- nothing was sent (connection refused, connect timeout)  -> safe to retry, any call;
- 429 (the platform refused, honouring Retry-After / x-rate-limit-reset) -> safe to retry;
- a preparing call that timed out, dropped or got a 5xx   -> retried (it creates no post);
- the creating call that timed out, dropped or got a 5xx  -> `unknown`: the post may exist;
- any other 4xx                                            -> `failed`, with the platform's reason
  (401, or Graph's `invalid_token`: the credentials were refused, see `Platform.publish`).
"""

from __future__ import annotations

import email.utils
import io
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import httpx

from pipeline import messages
from pipeline.errors import KontenError
from pipeline.platforms import text  # noqa: F401 - registers the sentences PostError renders

SENT_BUT_NO_ANSWER = (httpx.ReadTimeout, httpx.WriteTimeout, httpx.RemoteProtocolError, httpx.ReadError,
                      httpx.WriteError)
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
#: times an upload goes on from where the server says it is, after a piece failed
RESUMES = 5


class PostError(KontenError):
    """A post that did not go out. `outcome` is `failed` (safe to retry later) or `unknown`.

    The reason is a message `code` of `pipeline.platforms.text` with its params, so that it reads
    in the SOP's language; a param that is itself a `PostError` is rendered in the same language.
    A plain `reason` (text made elsewhere, as by the chat announcer) is shown as it is.
    """

    def __init__(self, outcome: str, reason: str = "", *, code: str = "", **params: Any) -> None:
        super().__init__(code, **params)
        self.outcome = outcome
        self.plain = reason

    def render(self, lang: str = "id") -> str:
        if not self.code:
            return self.plain
        params = {k: v.render(lang) if isinstance(v, PostError) else v for k, v in self.params.items()}
        return messages.t(self.code, lang, **params)

    @property
    def reason(self) -> str:
        """The reason in English, for logs and for callers that keep plain text (chat deliveries)."""
        return self.render("en")


def retry_after(response: httpx.Response, now: float) -> float | None:
    """Seconds to wait, from `Retry-After` (seconds or a date) or `x-rate-limit-reset` (epoch)."""
    value = response.headers.get("retry-after")
    if value:
        if value.strip().isdigit():
            return float(value)
        parsed = email.utils.parsedate_to_datetime(value)
        return max(parsed.timestamp() - now, 0.0) if parsed else None
    reset = response.headers.get("x-rate-limit-reset")
    if reset and reset.strip().isdigit():
        return max(float(reset) - now, 0.0)
    return None


class Api:
    """An httpx client with the retry policy above; `reason` extracts a platform's error text."""

    def __init__(
        self,
        client: httpx.Client,
        reason: Callable[[httpx.Response], str],
        *,
        retries: int = 3,
        max_wait: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.reason = reason
        self.retries = retries
        self.max_wait = max_wait
        self.sleep = sleep
        self.clock = clock

    def request(
        self,
        method: str,
        url: str,
        *,
        creates: bool = False,
        ok: Iterable[int] = (200, 201),
        **kwargs: Any,
    ) -> httpx.Response:
        allowed = tuple(ok)
        body = kwargs.get("content")
        host = httpx.URL(url).netloc.decode()  # never the path: a bot token may be part of it
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            if hasattr(body, "seek"):
                body.seek(0)  # httpx reads a file-like body from where it is: a retry sends it whole again
            try:
                response = self.client.request(method, url, **kwargs)
            except NOT_SENT as exc:
                if last:
                    raise PostError("failed", code="post.unreachable", host=host, error=type(exc).__name__) from None
                self.sleep(2**attempt)
                continue
            except SENT_BUT_NO_ANSWER as exc:
                if creates or last:
                    raise PostError("unknown" if creates else "failed", host=host, error=type(exc).__name__,
                                    code="post.lost_answer" if creates else "post.no_answer") from None
                self.sleep(2**attempt)
                continue
            status = response.status_code
            if status in allowed:
                return response
            if status == 429:
                wait = retry_after(response, self.clock())
                wait = 2.0**attempt if wait is None else wait
                if last or wait > self.max_wait:
                    raise self.refusal("failed", "post.rate_limited", host, response)
                self.sleep(wait)
                continue
            if status >= 500:
                if creates:
                    raise self.refusal("unknown", "post.server_error_on_create", host, response)
                if last:
                    raise self.refusal("failed", "post.server_error", host, response)
                self.sleep(2**attempt)
                continue
            refused = status == 401 or "invalid_token" in response.headers.get("www-authenticate", "")
            raise self.refusal("failed", "post.credentials" if refused else "post.refused", host, response)
        raise AssertionError("unreachable")  # pragma: no cover

    def refusal(self, outcome: str, code: str, host: str, response: httpx.Response) -> PostError:
        """The platform answered no; its own words go along as quoted data."""
        return PostError(outcome, code=code, host=host, status=response.status_code,
                         detail=self.reason(response).strip() or "-")


def json_reason(response: httpx.Response) -> str:
    """A readable reason from the common JSON error shapes, else the start of the body."""
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(data, dict):
        err = data.get("error")
        if isinstance(err, dict):
            return str(err.get("message") or err.get("code") or err)
        if isinstance(err, str):
            return str(data.get("error_description") or err)
        for key in ("detail", "title", "message"):
            if data.get(key):
                return str(data[key])
        if isinstance(data.get("errors"), list) and data["errors"]:
            first = data["errors"][0]
            return str(first.get("message") if isinstance(first, dict) else first)
    return str(data)[:200]


class FileSegment:
    """Bytes `start` to `start + length` of an open file, streamed in blocks whenever httpx sends
    them (again on a retry): the request holds this window, never the bytes.

    Passing bytes would keep every chunk alive until the garbage collector runs, because httpx
    ties each response (which holds its request) into a reference cycle.
    Works as `content=` (iterable; httpx takes the length from seek/tell) and as a multipart
    file part.
    """

    BLOCK = 64 * 1024

    def __init__(self, handle: IO[bytes], start: int, length: int) -> None:
        self.handle, self.start, self.length, self.position = handle, start, length, 0

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.length}[whence]
        self.position = min(max(base + offset, 0), self.length)
        return self.position

    def tell(self) -> int:
        return self.position

    def read(self, size: int = -1) -> bytes:
        left = self.length - self.position
        size = left if size < 0 else min(size, left)
        self.handle.seek(self.start + self.position)
        data = self.handle.read(size)
        self.position += len(data)
        return data

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[bytes]:
        self.seek(0)
        return iter(lambda: self.read(self.BLOCK), b"")


def upload_file(path: Path, label: str, piece: Callable[[int], int], send: Callable[[int, FileSegment], None],
                offset_now: Callable[[], int], progress: Callable[[str, int, int], None]) -> None:
    """Stream a file piece by piece (one piece in memory), resuming where the server says it is.

    `piece(offset)` is the length of the piece starting at `offset`; `send` posts it (through the
    `Api`, which retries what it safely can). When a piece still fails, the server is asked how
    much it holds (`offset_now`): if that moved (a dropped connection after the bytes landed) the
    upload goes on from there; if not, the error stands. A piece that creates the post is sent
    with `creates=True` by `send` and its `unknown` is never resumed.
    """
    total = path.stat().st_size
    offset, resumes = 0, RESUMES
    with path.open("rb") as handle:
        while offset < total:
            data = FileSegment(handle, offset, piece(offset))
            try:
                send(offset, data)
            except PostError as exc:
                now = offset_now() if exc.outcome == "failed" and resumes else offset
                if now == offset:
                    raise
                offset, resumes = now, resumes - 1
                continue
            offset += len(data)
            progress(label, offset, total)
