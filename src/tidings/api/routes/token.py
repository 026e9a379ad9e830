"""`POST /oauth/token`: the client-credentials grant, answered in the OAuth error shape."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qsl, unquote

from fastapi import APIRouter, Request
from starlette.responses import Response

from tidings.api.deps import ContainerDep
from tidings.api.responses import ok
from tidings.api.schemas.oauth import OAuthError, TokenResponse
from tidings.services.oauth import TokenRefused

router = APIRouter(tags=["OAuth"])


def _refuse(error: str, description: str, status: int) -> Response:
    return ok(
        {"error": error, "description": description, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (unquote(client_id), unquote(secret)) if sep else None


@router.post(
    "/oauth/token",
    response_model=TokenResponse,
    summary="Get an access token with the client-credentials grant",
    responses={
        400: {"model": OAuthError, "description": "Bad grant or client type"},
        401: {"model": OAuthError, "description": "Unknown client, wrong secret or disabled"},
        413: {"description": "The body is too large"},
    },
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "grant_type": {"type": "string", "enum": ["client_credentials"]},
                            "client_id": {"type": "string"},
                            "client_secret": {"type": "string"},
                        },
                        "required": ["grant_type"],
                    }
                }
            },
            "required": True,
        }
    },
)
async def issue_token(request: Request, app: ContainerDep) -> Response:
    raw = (await request.body()).decode("utf-8", errors="replace")
    form = dict(parse_qsl(raw, keep_blank_values=True))
    if "\x00" in raw or any("\x00" in value for value in form.values()):
        return _refuse("invalid_request", "the form contains a NUL character", 400)
    grant_type = form.get("grant_type", "")
    if not grant_type:
        return _refuse("invalid_request", "grant_type is required", 400)
    if grant_type != "client_credentials":
        return _refuse("unsupported_grant_type", f"grant_type {grant_type!r} is not supported", 400)
    credentials = _basic_credentials(request.headers.get("authorization", ""))
    if credentials is None:
        credentials = (form.get("client_id", ""), form.get("client_secret", ""))
    if any("\x00" in part for part in credentials):
        return _refuse("invalid_client", "Invalid client credentials", 401)
    try:
        issued = await app.oauth.issue_token(*credentials)
    except TokenRefused as refused:
        return _refuse(refused.error, refused.description, refused.status)
    return ok(
        {
            "access_token": issued.access_token,
            "token_type": "bearer",
            "expires_in": issued.expires_in,
        },
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )
