"""Multipart bodies for `POST /uploads/v2/contactlist`, built by hand as a browser or
curl sends them (the test client has no multipart encoder); waiting for an import; fetching
a signed link."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
import uuid
from typing import Any

from tests.support.server import Server


def upload_form(
    list_id: str,
    csv_text: str | bytes = "phone,first\n+13175550100,Ann\n",
    **fields: str,
) -> dict[str, Any]:
    """Keyword arguments for `Server.request`: the body and its content type."""
    boundary = uuid.uuid4().hex
    content = csv_text.encode() if isinstance(csv_text, str) else csv_text
    form = {"id": list_id, "fileType": "contactlist", **fields}
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in form.items()
    )
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    body += content + f"\r\n--{boundary}--\r\n".encode()
    return {
        "body": body,
        "headers": {"Content-Type": f"multipart/form-data; boundary={boundary}"},
    }


def wait_for_import(server: Server, token: str, status_path: str) -> dict[str, Any]:
    """The import status at `status_path` once the import has ended."""
    for _ in range(600):
        status, body, _ = server.request("GET", status_path, token=token)
        assert status == 200, body
        if body["status"] != "IN_PROGRESS":
            return dict(body)
        time.sleep(0.05)
    raise AssertionError("the import did not end")


def fetch(uri: str) -> tuple[int, bytes]:
    """A signed link, followed without a token."""
    try:
        with urllib.request.urlopen(uri, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
