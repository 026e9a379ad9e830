"""The web console from a test: console users made with `tidings user create`, and a small
HTTP client that keeps the console's cookies itself (they are Secure, and a cookie jar
would not send them back over the test's plain HTTP)."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

import httpx

from tests.support.server import Server

PASSWORD = "a long enough test password"
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


@dataclass(frozen=True)
class ConsoleUser:
    email: str
    password: str


def create_user(server: Server, *roles: str, password: str = PASSWORD) -> ConsoleUser:
    email = f"user-{uuid.uuid4().hex[:8]}@example.com"
    args = ["user", "create", "--email", email, "--password-stdin"]
    for role in roles:
        args += ["--role", role]
    subprocess.run(
        [sys.executable, "-m", "tidings", *args],
        env=server.env,
        input=password + "\n",
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return ConsoleUser(email, password)


@dataclass
class Browserless:
    """Requests as a browser would send them, without following redirects."""

    server: Server
    cookies: dict[str, str] = field(default_factory=dict)
    set_cookies: list[str] = field(default_factory=list)

    def request(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})  # type: ignore[call-overload]
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        answer = httpx.request(
            method, self.server.base_url + path, headers=headers, timeout=30, **kwargs
        )
        for raw in answer.headers.get_list("set-cookie"):
            self.set_cookies.append(raw)
            for name, morsel in SimpleCookie(raw).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return answer

    def get(self, path: str) -> httpx.Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict[str, str], *, token: bool = True) -> httpx.Response:
        """A form post, with the page's CSRF token unless `token` is False."""
        if token:
            data = {"csrf_token": self.csrf(), **data}
        return self.request("POST", path, data=data)

    def csrf(self) -> str:
        found = _CSRF.search(self.get("/contact-lists").text) or _CSRF.search(
            self.get("/sign-in").text
        )
        assert found, "no CSRF token on the page"
        return found.group(1)

    def sign_in(self, user: ConsoleUser, password: str | None = None) -> httpx.Response:
        form = self.get("/sign-in").text
        token = _CSRF.search(form)
        assert token
        return self.request(
            "POST",
            "/sign-in",
            data={
                "csrf_token": token.group(1),
                "email": user.email,
                "password": user.password if password is None else password,
                "next": "/",
            },
        )


def signed_in(server: Server, user: ConsoleUser) -> Browserless:
    client = Browserless(server)
    answer = client.sign_in(user)
    assert answer.status_code == 303, answer.text
    return client
