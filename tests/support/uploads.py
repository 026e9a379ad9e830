"""Multipart bodies for `POST /uploads/v2/contactlist`, built by hand as a browser or
curl sends them (the test client has no multipart encoder)."""

from __future__ import annotations

import uuid
from typing import Any


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
