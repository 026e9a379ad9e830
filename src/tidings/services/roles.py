"""The built-in roles (read only)."""

from __future__ import annotations

from collections.abc import Sequence

from tidings.domain.errors import NotFound
from tidings.domain.paging import PageRequest
from tidings.domain.permissions import BUILTIN_ROLES, Role, covers, find_role
from tidings.services.caller import Caller


def list_roles(
    caller: Caller,
    page: PageRequest,
    *,
    name: str | None = None,
    permissions: Sequence[str] = (),
    ids: Sequence[str] = (),
) -> tuple[list[Role], int]:
    caller.access.require("authorization:role:view")
    chosen = [
        role
        for role in BUILTIN_ROLES
        if (not name or name.casefold() in role.name.casefold())
        and (not ids or role.id in ids)
        and all(any(covers(p, want) for p in role.permissions) for want in permissions)
    ]
    return chosen[page.offset : page.offset + page.page_size], len(chosen)


def get_role(caller: Caller, role_id: str) -> Role:
    caller.access.require("authorization:role:view")
    role = find_role(role_id)
    if role is None:
        raise NotFound("Role", role_id)
    return role
