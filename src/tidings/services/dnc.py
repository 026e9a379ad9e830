"""DNC lists: the lists, their entries, and whether an address is on them."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from tidings.domain.dnc import MAX_ENTRIES_PER_CALL, DncList, email_key
from tidings.domain.errors import FieldProblem, InvalidInput
from tidings.domain.ids import utcnow
from tidings.domain.paging import PageRequest
from tidings.ports import (
    AddressNormalizer,
    DncExportFiles,
    ImportFiles,
    UnitOfWork,
    UnitOfWorkFactory,
)
from tidings.services import divisioned
from tidings.services.caller import Caller
from tidings.services.divisioned import visible

DNC = "DNC list"
FIELD_BY_KIND = {"phone": "phoneNumbers", "email": "emailAddresses"}


class DncService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        addresses: AddressNormalizer,
        imports: ImportFiles,
        exports: DncExportFiles,
    ) -> None:
        self._uow = uow
        self._addresses = addresses
        self._imports = imports
        self._exports = exports

    async def find(
        self,
        caller: Caller,
        page: PageRequest,
        *,
        name: str | None = None,
        name_match: str = "Prefix",
        division_ids: Sequence[str] = (),
        include_size: bool = False,
        permission: str = "outbound:dncList:view",
    ) -> tuple[list[DncList], int, dict[str, int]]:
        """`permission`: `...:search` for division views (lists seen by their outline)."""
        scope = caller.access.require(permission)
        async with self._uow() as uow:
            found, total = await uow.dnc.list(
                scope, page, name=name, name_match=name_match, division_ids=division_ids
            )
            sizes = await uow.dnc.sizes([d.id for d in found]) if include_size else {}
        return found, total, sizes

    async def get(
        self,
        caller: Caller,
        list_id: str,
        *,
        include_size: bool = False,
        permission: str = "outbound:dncList:view",
    ) -> tuple[DncList, int | None]:
        async with self._uow() as uow:
            found = await _visible(uow, caller, permission, list_id)
            size = (await uow.dnc.sizes([list_id]))[list_id] if include_size else None
        return found, size

    async def create(self, caller: Caller, draft: DncList) -> DncList:
        async with self._uow() as uow:
            created = await divisioned.create(
                uow, caller, "outbound:dncList:add", DNC, uow.dnc, draft
            )
            await uow.commit()
        return created

    async def update(
        self, caller: Caller, list_id: str, draft: DncList, version: int | None
    ) -> DncList:
        async with self._uow() as uow:
            updated = await divisioned.update(
                uow, caller, "outbound:dncList:edit", DNC, uow.dnc, list_id, draft, version
            )
            await uow.commit()
        return updated

    async def delete(self, caller: Caller, list_id: str) -> None:
        """Deletes the list with its entries, and the files of its uploads and exports."""
        async with self._uow() as uow:
            await _visible(uow, caller, "outbound:dncList:delete", list_id)
            uploads = await uow.dnc_imports.ids_for([list_id])
            await uow.dnc.delete(list_id)
            await uow.commit()
        await asyncio.to_thread(self._imports.remove, uploads)
        await asyncio.to_thread(self._exports.remove, list_id)

    # --- entries ------------------------------------------------------------------------

    async def add(
        self,
        caller: Caller,
        list_id: str,
        kind: str,
        raw: Sequence[str],
        expires_at: datetime | None,
        *,
        permission: str = "outbound:dnc:add",
    ) -> None:
        """Lists the addresses (PATCH with action Add asks for outbound:dnc:edit instead)."""
        async with self._uow() as uow:
            await self._entries_of(uow, caller, permission, list_id, kind)
            await uow.dnc.add_entries(list_id, kind, self._keys(kind, raw), expires_at)
            await uow.commit()

    async def patch(
        self,
        caller: Caller,
        list_id: str,
        kind: str,
        action: str,
        raw: Sequence[str],
        expires_at: datetime | None,
    ) -> None:
        """PATCH with action Add or Remove; both ask for outbound:dnc:edit, as in Genesys."""
        if action == "Add":
            await self.add(caller, list_id, kind, raw, expires_at, permission="outbound:dnc:edit")
        else:
            await self.remove(caller, list_id, kind, raw)

    async def remove(self, caller: Caller, list_id: str, kind: str, raw: Sequence[str]) -> None:
        async with self._uow() as uow:
            # No contact-method check: entries left from an earlier method must stay removable.
            await _visible(uow, caller, "outbound:dnc:edit", list_id)
            await uow.dnc.remove_entries(list_id, kind, self._keys(kind, raw))
            await uow.commit()

    async def purge(self, caller: Caller, list_id: str, kind: str, *, expired_only: bool) -> int:
        async with self._uow() as uow:
            await _visible(uow, caller, "outbound:dnc:delete", list_id)
            purged = await uow.dnc.purge(
                list_id, kind, expired_before=utcnow() if expired_only else None
            )
            await uow.commit()
        return purged

    async def listing(
        self, list_ids: Sequence[str], *, phone: str | None = None, email: str | None = None
    ) -> set[str]:
        """The lists among `list_ids` that hold this phone number or e-mail address now,
        whatever its formatting. For the dispatcher: no caller, no permission."""
        found: set[str] = set()
        async with self._uow() as uow:
            if phone is not None:
                number = self._addresses.phone(phone, zones=False).address
                if number is not None:
                    found |= await uow.dnc.listing(list_ids, "phone", number, utcnow())
            if email is not None:
                address = self._addresses.email(email).address
                if address is not None:
                    found |= await uow.dnc.listing(list_ids, "email", email_key(address), utcnow())
        return found

    async def _entries_of(
        self, uow: UnitOfWork, caller: Caller, permission: str, list_id: str, kind: str
    ) -> DncList:
        dnc_list = await _visible(uow, caller, permission, list_id)
        if not dnc_list.takes(kind):
            raise InvalidInput(
                f"This DNC list holds {dnc_list.contact_method} entries, not {kind} entries",
                details=[
                    FieldProblem(FIELD_BY_KIND[kind], "invalid.value", "wrong contact method")
                ],
            )
        return dnc_list

    def _keys(self, kind: str, raw: Sequence[str]) -> list[str]:
        """The stored forms of `raw`; any address that cannot be one refuses the whole call."""
        field = FIELD_BY_KIND[kind]
        if len(raw) > MAX_ENTRIES_PER_CALL:
            raise InvalidInput(
                f"At most {MAX_ENTRIES_PER_CALL} entries may be sent in one call",
                details=[FieldProblem(field, "limit.exceeded", f"{len(raw)} entries")],
            )
        if kind == "email":
            checks = [self._addresses.email(a) for a in raw]
            keys = [email_key(c.address or "") for c in checks]
        else:
            checks = [self._addresses.phone(a, zones=False) for a in raw]
            keys = [c.address or "" for c in checks]
        problems = [
            FieldProblem(f"{field}[{i}]", "invalid.value", c.reason or "not valid")
            for i, c in enumerate(checks)
            if c.address is None
        ]
        if problems:
            raise InvalidInput(
                "Some entries are not valid; none was changed", details=problems[:100]
            )
        return keys


async def _visible(uow: UnitOfWork, caller: Caller, permission: str, list_id: str) -> DncList:
    return await visible(caller, permission, DNC, list_id, uow.dnc.get)
