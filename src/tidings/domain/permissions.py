"""Genesys-style permissions (`domain:entity:action`, `*` as a wildcard segment), the
built-in roles, and the access a set of role-division grants gives.

A grant pairs a role with a division id, or with `*` for every division, present and future.
Reading an object in a division needs the permission in that division: a caller that holds
the permission elsewhere gets "not found" (the object is invisible to it), a caller that does
not hold it anywhere gets "missing permission".
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from tidings.domain.errors import MissingPermission, NotFound

ALL_DIVISIONS = "*"

_ROLE_NAMESPACE = uuid.UUID("6c1f3a52-1b7e-4b8e-9a55-7d7e2f0c9b10")

# Every permission a route of Tidings checks. Later features add theirs here; the
# permission-matrix test walks the routes and fails on a route that checks none.
PERMISSIONS: tuple[str, ...] = (
    "oauth:client:view",
    "oauth:client:add",
    "oauth:client:edit",
    "oauth:client:delete",
    "authorization:division:view",
    "authorization:division:add",
    "authorization:division:edit",
    "authorization:division:delete",
    "authorization:role:view",
    "outbound:contactList:view",
    "outbound:contactList:add",
    "outbound:contactList:edit",
    "outbound:contactList:delete",
    "outbound:contactList:search",
    "outbound:contactList:upload",
    "outbound:contact:view",
    "outbound:contact:add",
    "outbound:contact:edit",
    "outbound:contact:delete",
    "outbound:dncList:view",
    "outbound:dncList:add",
    "outbound:dncList:edit",
    "outbound:dncList:delete",
    "outbound:dncList:search",
    "outbound:dncList:upload",
    "outbound:dnc:view",
    "outbound:dnc:add",
    "outbound:dnc:edit",
    "outbound:dnc:delete",
    "outbound:contactListFilter:view",
    "outbound:contactListFilter:add",
    "outbound:contactListFilter:edit",
    "outbound:contactListFilter:delete",
    "outbound:callableTimeSet:view",
    "outbound:callableTimeSet:add",
    "outbound:callableTimeSet:edit",
    "outbound:callableTimeSet:delete",
    "outbound:messagingCampaign:view",
    "outbound:messagingCampaign:add",
    "outbound:messagingCampaign:edit",
    "outbound:messagingCampaign:delete",
    "outbound:messagingCampaign:search",
    "outbound:messagingCampaign:start",
    "outbound:messagingCampaign:stop",
    "outbound:messagingCampaign:recycle",
    "outbound:emailCampaign:view",
    "outbound:emailCampaign:add",
    "outbound:emailCampaign:edit",
    "outbound:emailCampaign:delete",
    "outbound:emailCampaign:search",
    "outbound:emailCampaign:start",
    "outbound:emailCampaign:stop",
    "outbound:emailCampaign:recycle",
    "outbound:eventLog:view",
    "responses:library:view",
    "responses:library:add",
    "responses:library:edit",
    "responses:library:delete",
    "responses:response:view",
    "responses:response:add",
    "responses:response:edit",
    "responses:response:delete",
    "sms:phoneNumber:view",
    "sms:phoneNumber:add",
    "sms:phoneNumber:edit",
    "sms:phoneNumber:delete",
    "routing:email:view",
    "routing:email:manage",
    "conversation:message:create",
    "conversation:message:view",
    "conversation:email:create",
    "conversation:email:view",
    "conversation:agentlessEmail:send",
    "analytics:conversationDetail:view",
    # The conversation detail query takes either (genesys-api.md §8).
    "analytics:agentConversationDetail:view",
    "sms:optOut:view",
    "sms:optOut:edit",
    "sms:keywordSettings:view",
    "sms:keywordSettings:edit",
    # Outgoing event webhooks (our extension).
    "tidings:webhook:view",
    "tidings:webhook:add",
    "tidings:webhook:edit",
    "tidings:webhook:delete",
)


def role_id_for(name: str) -> str:
    """Built-in roles have the same id on every installation, so scripts can name them."""
    return str(uuid.uuid5(_ROLE_NAMESPACE, name))


@dataclass(frozen=True)
class Role:
    name: str
    description: str
    permissions: tuple[str, ...]

    @property
    def id(self) -> str:
        return role_id_for(self.name)


BUILTIN_ROLES: tuple[Role, ...] = (
    Role("admin", "Everything, in every division it is granted.", ("*:*:*",)),
    Role(
        "campaignManager",
        "Contact lists, DNC lists, campaigns, templates, senders and their reports.",
        (
            "outbound:*:*",
            "responses:*:*",
            "sms:phoneNumber:*",
            "routing:email:*",
            "sms:optOut:*",
            "sms:keywordSettings:*",
            "tidings:webhook:*",
            "conversation:message:view",
            "conversation:email:view",
            "analytics:conversationDetail:view",
            "analytics:agentConversationDetail:view",
            "authorization:division:view",
            "authorization:role:view",
        ),
    ),
    Role(
        "sender",
        "Sends agentless SMS and email and reads their status.",
        (
            "conversation:message:create",
            "conversation:message:view",
            "conversation:email:create",
            "conversation:email:view",
            "conversation:agentlessEmail:send",
        ),
    ),
    Role(
        "reporting",
        "Reads everything outbound and the reports; changes nothing.",
        (
            "outbound:*:view",
            "outbound:*:search",
            "responses:*:view",
            "sms:phoneNumber:view",
            "routing:email:view",
            "conversation:message:view",
            "conversation:email:view",
            "analytics:*:view",
            "sms:optOut:view",
            "sms:keywordSettings:view",
            "authorization:division:view",
            "authorization:role:view",
        ),
    ),
)

ROLES_BY_ID = {role.id: role for role in BUILTIN_ROLES}
ROLES_BY_NAME = {role.name.lower(): role for role in BUILTIN_ROLES}


def find_role(name_or_id: str) -> Role | None:
    return ROLES_BY_ID.get(name_or_id) or ROLES_BY_NAME.get(name_or_id.lower())


def covers(pattern: str, permission: str) -> bool:
    """Does `pattern` (possibly with `*` segments) include `permission` (possibly a pattern)?"""
    want = permission.split(":")
    have = pattern.split(":")
    if len(want) != len(have):
        return False
    return all(h == "*" or h == w for h, w in zip(have, want, strict=True))


@functools.cache
def expand(patterns: tuple[str, ...]) -> frozenset[str]:
    """The concrete permissions of the catalog that some pattern includes."""
    return frozenset(p for p in PERMISSIONS if any(covers(q, p) for q in patterns))


@dataclass(frozen=True)
class Grant:
    role_id: str
    division_id: str  # a division id, or ALL_DIVISIONS


@dataclass(frozen=True)
class Scope:
    """Where a permission holds: everywhere, or in these divisions."""

    everywhere: bool
    division_ids: frozenset[str]

    def __bool__(self) -> bool:
        return self.everywhere or bool(self.division_ids)

    def includes(self, division_id: str) -> bool:
        return self.everywhere or division_id in self.division_ids


class Access:
    """What one caller may do. Built once per token and kept in memory with it."""

    def __init__(self, subject_id: str, grants: Iterable[Grant]) -> None:
        self.subject_id = subject_id
        self.grants = tuple(grants)
        self._scopes: dict[str, Scope] = {}

    def scope(self, permission: str) -> Scope:
        cached = self._scopes.get(permission)
        if cached is not None:
            return cached
        everywhere = False
        divisions: set[str] = set()
        for grant in self.grants:
            role = ROLES_BY_ID.get(grant.role_id)
            if role is None or not any(covers(p, permission) for p in role.permissions):
                continue
            if grant.division_id == ALL_DIVISIONS:
                everywhere = True
            else:
                divisions.add(grant.division_id)
        scope = Scope(everywhere, frozenset(divisions))
        self._scopes[permission] = scope
        return scope

    def require(self, *permissions: str) -> Scope:
        """The union of the scopes of `permissions` (any of them will do)."""
        everywhere = False
        divisions: set[str] = set()
        for permission in permissions:
            scope = self.scope(permission)
            everywhere |= scope.everywhere
            divisions |= scope.division_ids
        merged = Scope(everywhere, frozenset(divisions))
        if not merged:
            raise MissingPermission(list(permissions))
        return merged

    def require_in(self, permission: str, division_id: str, kind: str, entity_id: str) -> None:
        if not self.require(permission).includes(division_id):
            raise NotFound(kind, entity_id)

    def can_grant(self, role: Role, division_id: str) -> bool:
        """A caller may hand out a role only where it holds every permission of that role."""
        for concrete in expand(role.permissions):
            scope = self.scope(concrete)
            allowed = scope.everywhere or (
                division_id != ALL_DIVISIONS and division_id in scope.division_ids
            )
            if not allowed:
                return False
        return True
