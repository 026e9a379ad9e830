"""Browser tests: Debian's Chromium (/usr/bin/chromium, installed by .ci/run) driven by
Playwright's driver. No browser is ever downloaded (`playwright install` is never run)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.console import ConsoleUser, create_user
from tests.support.server import Server

CHROMIUM = Path("/usr/bin/chromium")
PDFTOTEXT = Path("/usr/bin/pdftotext")  # poppler-utils, installed by .ci/run
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Set to a directory (docs/screenshots) to keep a picture of each page a test visits.
SCREENSHOTS = os.environ.get("TIDINGS_SCREENSHOTS")


# Module scope, not session: Playwright's sync API keeps an event loop running in this
# thread while it is open, and the asyncio tests of later modules could not start theirs.
@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def console_admin(server: Server) -> ConsoleUser:
    return create_user(server, "admin")


@pytest.fixture
def page(chromium: Any, server: Server) -> Iterator[Any]:
    size = {"width": 1280, "height": 900}
    context = chromium.new_context(base_url=server.base_url, viewport=size)
    context.set_default_timeout(15_000)
    browser_page = context.new_page()
    yield browser_page
    context.close()


@pytest.fixture
def admin_page(page: Any, console_admin: ConsoleUser) -> Any:
    sign_in(page, console_admin)
    return page


def sign_in(page: Any, user: ConsoleUser, password: str | None = None) -> None:
    page.goto("/sign-in")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", user.password if password is None else password)
    page.click("button[type=submit]")


def pdf_text(path: Path) -> str:
    """The text of a PDF as poppler's pdftotext reads it, each page's rows laid out as drawn."""
    if not PDFTOTEXT.exists():
        message = f"{PDFTOTEXT} is missing: apt-get install poppler-utils (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    done = subprocess.run(
        [str(PDFTOTEXT), "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return done.stdout.decode("utf-8")


def screenshot(page: Any, name: str, part: Any = None) -> None:
    """The whole page, or only `part` (a locator) of it."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        path = str(Path(SCREENSHOTS) / f"{name}.png")
        if part is None:
            page.screenshot(path=path, full_page=True)
        else:
            part.screenshot(path=path)
