"""Signing in and out of the console, its cookies, CSRF and brute-force protections."""

from __future__ import annotations

import subprocess
import sys

from tests.support.console import Browserless, create_user, signed_in
from tests.support.server import Server

REFUSED = "The e-mail address or the password is not right"


def test_signing_in_opens_the_console_and_sets_a_secure_http_only_cookie(server: Server) -> None:
    user = create_user(server, "admin")
    client = Browserless(server)
    assert client.get("/contact-lists").headers["location"] == "/sign-in?next=/contact-lists"
    answer = client.sign_in(user)
    assert answer.status_code == 303
    session = next(c for c in client.set_cookies if c.startswith("tidings_session="))
    flags = {part.strip().lower() for part in session.split(";")}
    assert {"httponly", "secure", "samesite=lax", "path=/"} <= flags
    page = client.get("/contact-lists")
    assert page.status_code == 200
    assert user.email in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(server: Server) -> None:
    user = create_user(server, "admin")
    wrong_password = Browserless(server).sign_in(user, "not the password at all")
    unknown = Browserless(server).sign_in(
        type(user)("nobody-" + user.email, user.password), user.password
    )
    for answer in (wrong_password, unknown):
        assert answer.status_code == 401
        assert REFUSED in answer.text
        assert "tidings_session" not in answer.headers.get("set-cookie", "")


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(server: Server) -> None:
    user = create_user(server, "admin")
    for _ in range(5):
        assert Browserless(server).sign_in(user, "a wrong password!").status_code == 401
    locked = Browserless(server).sign_in(user)
    assert locked.status_code == 401
    assert REFUSED in locked.text  # the lock says no more than a wrong password


def test_a_sign_in_form_without_its_cookie_token_is_refused(server: Server) -> None:
    user = create_user(server, "admin")
    client = Browserless(server)
    answer = client.request(
        "POST",
        "/sign-in",
        data={"csrf_token": "forged", "email": user.email, "password": user.password},
    )
    assert answer.status_code == 403
    assert "tidings_session" not in client.cookies


def test_forms_and_scripts_without_the_csrf_token_are_refused(server: Server) -> None:
    client = signed_in(server, create_user(server, "admin"))
    form = {"name": "refused", "columns": "phone", "phone_columns": "phone"}
    refused = client.post("/contact-lists/new", form, token=False)
    assert refused.status_code == 403
    assert "security token" in refused.text
    wrong = client.post("/contact-lists/new", {**form, "csrf_token": "x" * 43}, token=False)
    assert wrong.status_code == 403
    script = client.request(
        "POST", "/templates/analysis", json={"body": "Hello"}, headers={"X-CSRF-Token": "x"}
    )
    assert script.status_code == 403
    assert "refused" not in client.get("/contact-lists").text  # nothing was created
    made = client.post("/contact-lists/new", form)
    assert made.status_code == 303


def test_signing_out_ends_the_session_for_a_stolen_copy_of_the_cookie_too(
    server: Server,
) -> None:
    client = signed_in(server, create_user(server, "admin"))
    copy = Browserless(server, cookies=dict(client.cookies))
    assert client.post("/sign-out", {}).status_code == 303
    assert "tidings_session" not in client.cookies
    assert copy.get("/contact-lists").status_code == 303  # back to the sign-in form
    assert copy.post("/contact-lists/new", {"name": "x", "columns": "a"}).status_code == 401


def test_sign_in_goes_only_to_a_page_of_this_site(server: Server) -> None:
    user = create_user(server, "admin")
    client = Browserless(server)
    form = client.get("/sign-in?next=//evil.example/x").text
    assert "//evil.example" not in form
    token = client.cookies["tidings_sign_in"]
    answer = client.request(
        "POST",
        "/sign-in",
        data={
            "csrf_token": token,
            "email": user.email,
            "password": user.password,
            "next": "//evil.example/x",
        },
    )
    assert answer.headers["location"] == "/"


def test_the_cli_refuses_a_short_password_and_an_unknown_role(server: Server) -> None:
    def create(password: str, role: str) -> subprocess.CompletedProcess[str]:
        args = ["user", "create", "--email", "x@example.com", "--role", role, "--password-stdin"]
        return subprocess.run(
            [sys.executable, "-m", "tidings", *args],
            env=server.env,
            input=password + "\n",
            capture_output=True,
            text=True,
            timeout=120,
        )

    short = create("short", "admin")
    assert short.returncode == 2
    assert "at least 12 characters" in short.stderr
    assert create("long enough password", "wizard").returncode == 2
