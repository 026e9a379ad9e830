from __future__ import annotations

import pytest

from tidings.domain.errors import MissingPermission, NotFound
from tidings.domain.permissions import (
    ALL_DIVISIONS,
    BUILTIN_ROLES,
    PERMISSIONS,
    Access,
    Grant,
    covers,
    expand,
    find_role,
    role_id_for,
)

ADMIN = find_role("admin")
SENDER = find_role("sender")
REPORTING = find_role("reporting")
MANAGER = find_role("campaignManager")
assert ADMIN and SENDER and REPORTING and MANAGER


@pytest.mark.parametrize(
    ("pattern", "permission", "expected"),
    [
        ("*:*:*", "oauth:client:add", True),
        ("outbound:*:*", "outbound:contactList:add", True),
        ("outbound:*:view", "outbound:contactList:add", False),
        ("outbound:*:view", "outbound:contactList:view", True),
        ("outbound:contactList:view", "outbound:contactList:view", True),
        ("outbound:contactList:view", "outbound:contactlist:view", False),
        ("outbound:*", "outbound:contactList:view", False),
        ("*:*:*", "outbound:*:*", True),
        ("outbound:*:view", "outbound:*:*", False),
    ],
)
def test_covers(pattern: str, permission: str, expected: bool) -> None:
    assert covers(pattern, permission) is expected


def test_role_ids_are_stable_and_roles_are_found_by_name_or_id() -> None:
    assert SENDER.id == role_id_for("sender")
    assert find_role(SENDER.id) is SENDER
    assert find_role("SENDER") is SENDER
    assert find_role("nobody") is None


def test_every_role_pattern_names_something_in_the_catalog() -> None:
    for role in BUILTIN_ROLES:
        for pattern in role.permissions:
            assert expand((pattern,)), f"{role.name}: {pattern} matches no permission"


def test_reporting_reads_but_never_changes() -> None:
    granted = expand(REPORTING.permissions)
    assert "outbound:contactList:view" in granted
    assert not {p for p in granted if p.rsplit(":", 1)[1] in {"add", "edit", "delete", "create"}}


def test_admin_holds_every_permission() -> None:
    assert expand(ADMIN.permissions) == frozenset(PERMISSIONS)


def test_scope_follows_the_grants_divisions() -> None:
    access = Access("c", [Grant(SENDER.id, "d1"), Grant(REPORTING.id, ALL_DIVISIONS)])
    send = access.scope("conversation:message:create")
    assert not send.everywhere and send.division_ids == {"d1"}
    assert access.scope("outbound:contactList:view").everywhere
    assert not access.scope("oauth:client:add")


def test_missing_permission_names_the_permission() -> None:
    access = Access("c", [Grant(SENDER.id, ALL_DIVISIONS)])
    with pytest.raises(MissingPermission) as raised:
        access.require("oauth:client:view")
    assert "oauth:client:view" in raised.value.message


def test_an_object_in_another_division_is_not_found() -> None:
    access = Access("c", [Grant(ADMIN.id, "d1")])
    access.require_in("authorization:division:view", "d1", "Division", "x")
    with pytest.raises(NotFound):
        access.require_in("authorization:division:view", "d2", "Division", "x")


def test_require_accepts_any_of_several_permissions() -> None:
    access = Access("c", [Grant(SENDER.id, "d1")])
    scope = access.require("conversation:email:create", "conversation:agentlessEmail:send")
    assert scope.includes("d1") and not scope.includes("d2")


def test_unknown_roles_in_grants_give_nothing() -> None:
    access = Access("c", [Grant("not-a-role", ALL_DIVISIONS)])
    with pytest.raises(MissingPermission):
        access.require("authorization:division:view")


@pytest.mark.parametrize(
    ("caller", "role", "division", "allowed"),
    [
        ([Grant(ADMIN.id, ALL_DIVISIONS)], ADMIN, ALL_DIVISIONS, True),
        ([Grant(ADMIN.id, "d1")], ADMIN, ALL_DIVISIONS, False),
        ([Grant(ADMIN.id, "d1")], SENDER, "d1", True),
        ([Grant(ADMIN.id, "d1")], SENDER, "d2", False),
        ([Grant(MANAGER.id, ALL_DIVISIONS)], SENDER, "d1", False),
        ([Grant(MANAGER.id, ALL_DIVISIONS)], REPORTING, "d1", True),
    ],
)
def test_a_caller_grants_only_what_it_holds(
    caller: list[Grant], role: object, division: str, allowed: bool
) -> None:
    assert Access("c", caller).can_grant(role, division) is allowed  # type: ignore[arg-type]
