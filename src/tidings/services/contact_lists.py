"""Contact lists and their contacts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from tidings.domain.callable_times import is_time_zone
from tidings.domain.contact_lists import (
    MAX_CONTACTS_PER_CALL,
    Contact,
    ContactList,
    TimeZoneMappingPreview,
    clean_data,
    with_recipient_zone,
    zip_code,
)
from tidings.domain.errors import (
    FieldProblem,
    InvalidInput,
    NotFound,
)
from tidings.domain.ids import new_id, utcnow
from tidings.domain.paging import PageRequest
from tidings.ports import (
    AddressNormalizer,
    ExportStore,
    ImportFiles,
    UnitOfWork,
    UnitOfWorkFactory,
    ZoneLookup,
)
from tidings.services import divisioned
from tidings.services.caller import Caller
from tidings.services.divisioned import visible

LIST = "Contact list"
CONTACT = "Contact"


@dataclass(frozen=True)
class ContactDraft:
    """One contact as a caller sends it (POST body item or PUT body)."""

    data: dict[str, str]
    id: str | None = None
    contact_list_id: str | None = None
    callable: bool = True
    phone_number_status: dict[str, bool] | None = None
    contactable_status: dict[str, dict[str, object]] | None = None


@dataclass(frozen=True)
class AddOptions:
    priority: bool = False
    clear_system_data: bool = False
    do_not_queue: bool = False


class ContactListService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        addresses: AddressNormalizer,
        zones: ZoneLookup,
        exports: ExportStore,
        imports: ImportFiles,
        max_contacts: int = 1_000_000,
    ) -> None:
        self._uow = uow
        self._addresses = addresses
        self._zones = zones
        self._exports = exports
        self._imports = imports
        self._max_contacts = max_contacts

    # --- lists --------------------------------------------------------------------------

    async def find(
        self,
        caller: Caller,
        page: PageRequest,
        *,
        name: str | None = None,
        name_match: str = "Prefix",
        ids: Sequence[str] = (),
        division_ids: Sequence[str] = (),
        include_size: bool = False,
        permission: str = "outbound:contactList:view",
    ) -> tuple[list[ContactList], int, dict[str, int]]:
        """`permission`: `...:search` for division views (lists seen by their outline)."""
        scope = caller.access.require(permission)
        async with self._uow() as uow:
            found, total = await uow.contact_lists.list(
                scope, page, name=name, name_match=name_match, ids=ids, division_ids=division_ids
            )
            sizes = await uow.contact_lists.sizes([c.id for c in found]) if include_size else {}
        return found, total, sizes

    async def get(
        self,
        caller: Caller,
        list_id: str,
        *,
        include_size: bool = False,
        permission: str = "outbound:contactList:view",
    ) -> tuple[ContactList, int | None]:
        async with self._uow() as uow:
            found = await _visible(uow, caller, permission, list_id)
            size = (await uow.contact_lists.sizes([list_id]))[list_id] if include_size else None
        return found, size

    async def time_zone_preview(self, caller: Caller, list_id: str) -> TimeZoneMappingPreview:
        """How the list's contacts map to zones, through its first phone column (else its
        first e-mail column)."""
        preview = TimeZoneMappingPreview()
        async with self._uow() as uow:
            contact_list = await _visible(uow, caller, "outbound:contactList:view", list_id)
            columns = contact_list.phone_columns + contact_list.email_columns
            if not columns:
                preview.size = (await uow.contact_lists.sizes([list_id]))[list_id]
                preview.default_window = preview.size
                return preview
            counts = await uow.contacts.zone_counts(list_id, columns[0].column_name)
        for zones, source, contacts in counts:
            preview.count(zones, source, contacts)
        return preview

    async def create(self, caller: Caller, draft: ContactList) -> ContactList:
        async with self._uow() as uow:
            created = await divisioned.create(
                uow, caller, "outbound:contactList:add", LIST, uow.contact_lists, draft
            )
            await uow.commit()
        return created

    async def update(
        self, caller: Caller, list_id: str, draft: ContactList, version: int | None
    ) -> ContactList:
        async with self._uow() as uow:
            updated = await divisioned.update(
                uow,
                caller,
                "outbound:contactList:edit",
                LIST,
                uow.contact_lists,
                list_id,
                draft,
                version,
            )
            await uow.commit()
        return updated

    async def delete(self, caller: Caller, list_ids: Sequence[str]) -> None:
        """Deletes one or several lists with their contacts, export and import files; all
        or nothing."""
        async with self._uow() as uow:
            for list_id in list_ids:
                await _visible(uow, caller, "outbound:contactList:delete", list_id)
            export_ids = await uow.exports.ids_for(list_ids)
            import_ids = await uow.contact_imports.ids_for(list_ids)
            for list_id in list_ids:
                await uow.contact_lists.delete(list_id)
            await uow.commit()
        await asyncio.to_thread(self._exports.remove, export_ids)
        await asyncio.to_thread(self._imports.remove, import_ids)

    # --- contacts -----------------------------------------------------------------------

    async def add_contacts(
        self, caller: Caller, list_id: str, drafts: Sequence[ContactDraft], options: AddOptions
    ) -> list[Contact]:
        if len(drafts) > MAX_CONTACTS_PER_CALL:
            raise InvalidInput(
                f"At most {MAX_CONTACTS_PER_CALL} contacts may be sent in one call",
                details=[FieldProblem("body", "limit.exceeded", f"{len(drafts)} contacts")],
            )
        async with self._uow() as uow:
            contact_list = await _visible(uow, caller, "outbound:contact:add", list_id)
            now = utcnow()
            base = time.time_ns() // 1000 * 1000
            batch: dict[str, Contact] = {}
            problems: list[FieldProblem] = []
            for index, draft in enumerate(drafts):
                where = f"[{index}]"
                contact = self._contact(contact_list, draft, where, problems)
                contact.priority = options.priority
                contact.queued_at = base + index
                contact.date_created = now
                batch[contact.id] = contact  # the same id twice in one call: the last wins
            if problems:
                raise InvalidInput("Some contacts are not valid; none was added", details=problems)
            await uow.contacts.upsert(
                list(batch.values()),
                keep_system_data=not options.clear_system_data,
                keep_queue_position=options.do_not_queue,
            )
            # Counted after the write, inside its transaction: concurrent adds cannot both
            # slip under the limit; over it, nothing of this call is kept.
            size = (await uow.contact_lists.sizes([list_id]))[list_id]
            if size > self._max_contacts:
                raise InvalidInput(
                    f"A contact list holds at most {self._max_contacts} contacts; "
                    f"this call would bring it to {size}",
                    details=[FieldProblem("body", "limit.exceeded", "contacts per list")],
                )
            stored = await uow.contacts.get_many(list_id, list(batch))
            await uow.commit()
        return stored

    async def get_contacts(
        self, caller: Caller, list_id: str, contact_ids: Sequence[str]
    ) -> list[Contact]:
        async with self._uow() as uow:
            await _visible(uow, caller, "outbound:contact:view", list_id)
            return await uow.contacts.get_many(list_id, contact_ids)

    async def get_contact(self, caller: Caller, list_id: str, contact_id: str) -> Contact:
        found = await self.get_contacts(caller, list_id, [contact_id])
        if not found:
            raise NotFound(CONTACT, contact_id)
        return found[0]

    async def replace_contact(
        self, caller: Caller, list_id: str, contact_id: str, draft: ContactDraft
    ) -> Contact:
        async with self._uow() as uow:
            contact_list = await _visible(uow, caller, "outbound:contact:edit", list_id)
            problems: list[FieldProblem] = []
            contact = self._contact(contact_list, replace(draft, id=contact_id), "body", problems)
            if problems:
                raise InvalidInput("The contact is not valid", details=problems)
            if not await uow.contacts.replace(contact):
                raise NotFound(CONTACT, contact_id)
            stored = await uow.contacts.get_many(list_id, [contact_id])
            await uow.commit()
        return stored[0]

    async def delete_contacts(
        self, caller: Caller, list_id: str, contact_ids: Sequence[str]
    ) -> int:
        async with self._uow() as uow:
            await _visible(uow, caller, "outbound:contact:delete", list_id)
            deleted = await uow.contacts.delete(list_id, contact_ids)
            await uow.commit()
        return deleted

    async def delete_contact(self, caller: Caller, list_id: str, contact_id: str) -> None:
        if not await self.delete_contacts(caller, list_id, [contact_id]):
            raise NotFound(CONTACT, contact_id)

    async def clear(self, caller: Caller, list_id: str) -> int:
        async with self._uow() as uow:
            await _visible(uow, caller, "outbound:contact:delete", list_id)
            deleted = await uow.contacts.clear(list_id)
            await uow.commit()
        return deleted

    def _contact(
        self,
        contact_list: ContactList,
        draft: ContactDraft,
        where: str,
        problems: list[FieldProblem],
    ) -> Contact:
        if draft.contact_list_id not in (None, contact_list.id):
            problems.append(
                FieldProblem(
                    f"{where}.contactListId", "invalid.value", "must be the list of the path"
                )
            )
        data, found = clean_data(contact_list, draft.data, where)
        problems.extend(found)
        # An invalid address does not reject the contact: that column becomes uncontactable,
        # with the reason kept for the export.
        # A column the contact leaves out is checked as empty, so it too carries a reason.
        checks = {
            column.column_name: self._addresses.phone(data.get(column.column_name, ""))
            for column in contact_list.phone_columns
        } | {
            column.column_name: self._addresses.email(data.get(column.column_name, ""))
            for column in contact_list.email_columns
        }
        zip_zone = None
        if contact_list.automatic_time_zone_mapping and contact_list.zip_code_column_name:
            code = zip_code(data.get(contact_list.zip_code_column_name, ""))
            zip_zone = self._zones.zip_zones().get(code) if code else None
        for column in contact_list.phone_columns + contact_list.email_columns:
            named = data.get(column.time_column, "").strip() if column.time_column else ""
            checks[column.column_name] = with_recipient_zone(
                checks[column.column_name], named if is_time_zone(named) else None, zip_zone
            )
        return Contact(
            id=draft.id or new_id(),
            contact_list_id=contact_list.id,
            data=data,
            callable=draft.callable,
            phone_number_status=dict(draft.phone_number_status or {}),
            contactable_status=dict(draft.contactable_status or {}),
            addresses=checks,
        )


async def _visible(uow: UnitOfWork, caller: Caller, permission: str, list_id: str) -> ContactList:
    return await visible(caller, permission, LIST, list_id, uow.contact_lists.get)
