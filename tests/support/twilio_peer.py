"""A local Twilio-compatible aggregator: the Messages API our TwilioSender calls, and the
webhooks (status callbacks, inbound messages) Twilio sends to us.

It checks HTTP Basic auth, records each message, answers 201 with an `SM...` sid (or what
`answer_next` says: 429, 400, 500, ...), can hold requests to show how many are in flight,
and signs its webhooks with the `twilio` package's own RequestValidator, so our validator is
checked against the reference implementation rather than against itself.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import threading
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from tests.support.asgi_thread import serving

API_VERSION = "2010-04-01"


@dataclass(frozen=True)
class Answer:
    """A scripted reply to the next request(s)."""

    status: int
    code: int | None = None
    message: str | None = None
    retry_after: str | None = None


@dataclass
class ReceivedMessage:
    sid: str
    form: dict[str, str]
    headers: dict[str, str]


@dataclass
class TwilioPeer:
    account_sid: str = "AC" + "0" * 32
    auth_token: str = "peer-auth-token"
    # Statuses posted to a message's StatusCallback after it is accepted, in order.
    auto_statuses: tuple[str, ...] = ()
    base_url: str = ""
    messages: list[ReceivedMessage] = field(default_factory=list)
    requests: int = 0  # every Messages API request, whatever the answer
    in_flight: int = 0
    max_in_flight: int = 0
    callback_answers: list[int] = field(default_factory=list)
    _script: deque[Answer] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _loop: asyncio.AbstractEventLoop | None = None
    _gate: asyncio.Event | None = None

    # ---- driving it from a test

    def answer_next(self, answer: Answer, times: int = 1) -> None:
        with self._lock:
            self._script.extend([answer] * times)

    def hold(self) -> None:
        """Requests wait (in flight) until `release`."""
        self._call_in_loop(lambda: setattr(self, "_gate", asyncio.Event()))

    def release(self) -> None:
        def open_gate() -> None:
            if self._gate is not None:
                self._gate.set()
                self._gate = None

        self._call_in_loop(open_gate)

    def sign(self, url: str, params: dict[str, str]) -> str:
        return str(RequestValidator(self.auth_token).compute_signature(url, params))

    def status_form(self, sid: str, status: str, error_code: str | None = None) -> dict[str, str]:
        """The fields of Twilio's message status callback."""
        message = next((m for m in self.messages if m.sid == sid), None)
        form = {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": self.account_sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "ApiVersion": API_VERSION,
        }
        if message is not None:
            form |= {"From": message.form.get("From", ""), "To": message.form.get("To", "")}
        if error_code is not None:
            form["ErrorCode"] = error_code
        return form

    def post_status(
        self,
        sid: str,
        status: str,
        error_code: str | None = None,
        *,
        url: str | None = None,
        signature: str | None = None,
    ) -> httpx.Response:
        """Posts a signed status callback (to the message's StatusCallback by default)."""
        if url is None:
            url = next(m.form["StatusCallback"] for m in self.messages if m.sid == sid)
        return self._post_signed(url, self.status_form(sid, status, error_code), signature)

    def post_inbound(
        self,
        url: str,
        sender: str,
        recipient: str,
        body: str,
        *,
        signature: str | None = None,
        **extra: str,
    ) -> httpx.Response:
        """Posts a signed inbound message, with the fields Twilio sends."""
        sid = "SM" + uuid.uuid4().hex
        form = {
            "MessageSid": sid,
            "SmsSid": sid,
            "SmsMessageSid": sid,
            "AccountSid": self.account_sid,
            "From": sender,
            "To": recipient,
            "Body": body,
            "NumSegments": "1",
            "NumMedia": "0",
            "ApiVersion": API_VERSION,
            **extra,
        }
        return self._post_signed(url, form, signature)

    def _post_signed(self, url: str, form: dict[str, str], signature: str | None) -> httpx.Response:
        headers = {"X-Twilio-Signature": signature or self.sign(url, form)}
        return httpx.post(url, data=form, headers=headers, timeout=30)

    def _call_in_loop(self, action: Any) -> None:
        assert self._loop is not None, "the peer is not running"
        done = threading.Event()

        def run() -> None:
            action()
            done.set()

        self._loop.call_soon_threadsafe(run)
        done.wait(10)

    # ---- the server side

    def app(self) -> Starlette:
        @contextlib.asynccontextmanager
        async def lifespan(_: Starlette) -> Any:
            self._loop = asyncio.get_running_loop()
            yield

        return Starlette(
            routes=[
                Route(
                    f"/{API_VERSION}/Accounts/{{account}}/Messages.json",
                    self._create_message,
                    methods=["POST"],
                )
            ],
            lifespan=lifespan,
        )

    async def _create_message(self, request: Request) -> JSONResponse:
        self.requests += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self._gate is not None:
                await self._gate.wait()
            return await self._answer(request)
        finally:
            self.in_flight -= 1

    async def _answer(self, request: Request) -> JSONResponse:
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        if request.path_params["account"] != self.account_sid:
            return _error(404, 20404, "The requested resource was not found")
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        with self._lock:
            scripted = self._script.popleft() if self._script else None
        if scripted is not None:
            headers = {"Retry-After": scripted.retry_after} if scripted.retry_after else None
            return _error(scripted.status, scripted.code, scripted.message, headers)
        for name, code in (("To", 21604), ("From", 21603), ("Body", 21602)):
            if not form.get(name):
                return _error(400, code, f"A '{name}' is required.")
        sid = "SM" + uuid.uuid4().hex
        self.messages.append(ReceivedMessage(sid, form, dict(request.headers)))
        body = {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": form["To"],
            "from": form["From"],
            "body": form["Body"],
            "status": "queued",
            "num_segments": "1",
            "error_code": None,
            "error_message": None,
            "api_version": API_VERSION,
            "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}.json",
        }
        task = None
        if self.auto_statuses and form.get("StatusCallback"):
            task = BackgroundTask(self._auto_callbacks, sid, form["StatusCallback"])
        return JSONResponse(body, status_code=201, background=task)

    def _authorised(self, request: Request) -> bool:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        expected = f"{self.account_sid}:{self.auth_token}".encode()
        try:
            given = base64.b64decode(encoded, validate=True)
        except ValueError:
            return False
        return scheme.lower() == "basic" and given == expected

    async def _auto_callbacks(self, sid: str, url: str) -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            for status in self.auto_statuses:
                form = self.status_form(sid, status)
                answer = await client.post(
                    url, data=form, headers={"X-Twilio-Signature": self.sign(url, form)}
                )
                self.callback_answers.append(answer.status_code)


def _error(
    status: int, code: int | None, message: str | None, headers: dict[str, str] | None = None
) -> JSONResponse:
    """Twilio's error body: `code`, `message`, `more_info`, `status`."""
    body: dict[str, Any] = {"status": status, "message": message or f"HTTP {status}"}
    if code is not None:
        body |= {"code": code, "more_info": f"https://www.twilio.com/docs/errors/{code}"}
    return JSONResponse(body, status_code=status, headers=headers)


@contextlib.contextmanager
def running_peer(**options: Any) -> Iterator[TwilioPeer]:
    peer = TwilioPeer(**options)
    with serving(peer.app()) as base_url:
        peer.base_url = base_url
        yield peer


def sms_url(peer: TwilioPeer, **query: str) -> str:
    """The TIDINGS_SMS_URL that points our sender at `peer`."""
    host, port = peer.base_url.removeprefix("http://").split(":")
    params = "&".join(f"{k}={v}" for k, v in {"scheme": "http", **query}.items())
    return f"twilio://{peer.account_sid}:{peer.auth_token}@{host}:{port}?{params}"
