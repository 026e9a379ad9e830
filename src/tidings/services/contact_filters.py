"""Contact list filters and contact search. A filter belongs to a contact list and is seen
through the list's division; it is evaluated by the database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from tidings.domain.contact_filters import ContactListFilter, Criteria, criteria_problems
from tidings.domain.contact_lists import Contact, ContactList
from tidings.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound, VersionConflict
from tidings.domain.ids import new_id, utcnow
from tidings.domain.paging import PageRequest
from tidings.ports import UnitOfWork, UnitOfWorkFactory
from tidings.services.caller import Caller
from tidings.services.divisioned import visible

FILTER = "Contact list filter"
LIST = "Contact list"
MAX_SORTS = 4
PREVIEW_SIZE = 25


@dataclass(frozen=True)
class ContactSort:
    column: str
    descending: bool = False
    numeric: bool = False


@dataclass(frozen=True)
class Preview:
    filtered: int
    total: int
    contacts: list[Contact]


class ContactFilterService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def find(
        self,
        caller: Caller,
        page: PageRequest,
        *,
        name: str | None = None,
        name_match: str = "Prefix",
        contact_list_id: str | None = None,
        ids: Sequence[str] = (),
    ) -> tuple[list[ContactListFilter], int]:
        scope = caller.access.require("outbound:contactListFilter:view")
        async with self._uow() as uow:
            return await uow.contact_filters.list(
                scope,
                page,
                name=name,
                name_match=name_match,
                contact_list_id=contact_list_id,
                ids=ids,
            )

    async def get(self, caller: Caller, filter_id: str) -> ContactListFilter:
        async with self._uow() as uow:
            found, _ = await _visible_filter(
                uow, caller, "outbound:contactListFilter:view", filter_id
            )
        return found

    async def create(self, caller: Caller, draft: ContactListFilter) -> ContactListFilter:
        now = utcnow()
        async with self._uow() as uow:
            contact_list = await _list_of(uow, caller, "outbound:contactListFilter:add", draft)
            created = replace(draft, id=new_id(), version=1, date_created=now, date_modified=now)
            _check(created, contact_list)
            await _check_unique(uow, created.name, None)
            await uow.contact_filters.add(created)
            await uow.commit()
        return created

    async def update(
        self, caller: Caller, filter_id: str, draft: ContactListFilter, version: int | None
    ) -> ContactListFilter:
        if version is None:
            raise InvalidInput(
                "The filter's version is required",
                details=[FieldProblem("version", "required", "send the version you read")],
            )
        async with self._uow() as uow:
            current, _ = await _visible_filter(
                uow, caller, "outbound:contactListFilter:edit", filter_id
            )
            if version != current.version:
                raise VersionConflict(FILTER, filter_id, version, current.version)
            contact_list = await _list_of(uow, caller, "outbound:contactListFilter:edit", draft)
            updated = replace(
                draft,
                id=filter_id,
                version=current.version,
                date_created=current.date_created,
                date_modified=utcnow(),
            )
            _check(updated, contact_list)
            await _check_unique(uow, updated.name, filter_id)
            if not await uow.contact_filters.update(updated, current.version):
                raise VersionConflict(FILTER, filter_id, current.version, current.version + 1)
            await uow.commit()
        return updated

    async def delete(self, caller: Caller, filter_id: str) -> None:
        async with self._uow() as uow:
            await _visible_filter(uow, caller, "outbound:contactListFilter:delete", filter_id)
            await uow.contact_filters.delete(filter_id)
            await uow.commit()

    async def preview(self, caller: Caller, draft: ContactListFilter) -> Preview:
        """How many of the list's contacts the filter takes, and the first of them."""
        async with self._uow() as uow:
            contact_list = await _list_of(uow, caller, "outbound:contact:view", draft)
            _check(draft, contact_list, require_name=False)
            page = PageRequest(page_size=PREVIEW_SIZE, page_number=1)
            found, filtered = await uow.contacts.search(
                contact_list.id, draft.criteria, (), page, utcnow()
            )
            total = (await uow.contact_lists.sizes([contact_list.id]))[contact_list.id]
        return Preview(filtered, total, found)

    async def search(
        self,
        caller: Caller,
        list_id: str,
        page: PageRequest,
        *,
        filter_id: str | None = None,
        criteria: Criteria | None = None,
        sorts: Sequence[ContactSort] = (),
    ) -> tuple[list[Contact], int]:
        """`POST .../contacts/search`: the contacts a saved filter or ad-hoc criteria take."""
        if len(sorts) > MAX_SORTS:
            raise InvalidInput(
                f"At most {MAX_SORTS} contact sorts",
                details=[FieldProblem("contactSorts", "limit.exceeded", f"{len(sorts)}")],
            )
        async with self._uow() as uow:
            contact_list = await visible(
                caller, "outbound:contact:view", LIST, list_id, uow.contact_lists.get
            )
            problems = _sort_problems(sorts, contact_list)
            criteria = await criteria_for(uow, caller, contact_list, filter_id, criteria, problems)
            keys = [(s.column, s.descending, s.numeric) for s in sorts]
            return await uow.contacts.search(list_id, criteria, keys, page, utcnow())


async def criteria_for(
    uow: UnitOfWork,
    caller: Caller,
    contact_list: ContactList,
    filter_id: str | None,
    criteria: Criteria | None,
    other_problems: Sequence[FieldProblem] = (),
) -> Criteria:
    """What a search or an export takes: a saved filter of this list the caller may see, or
    ad-hoc criteria, checked against the list's columns as they are now; neither takes
    every contact. `other_problems` of the request are refused with those of the criteria."""
    if filter_id:
        saved, _ = await _visible_filter(uow, caller, "outbound:contactListFilter:view", filter_id)
        if saved.contact_list_id != contact_list.id:
            raise InvalidInput(
                "The filter belongs to another contact list",
                details=[FieldProblem("contactListFilterId", "invalid.value", filter_id)],
            )
        criteria = saved.criteria
    criteria = criteria or Criteria()
    problems = [*criteria_problems(criteria, contact_list, "criteria."), *other_problems]
    if problems:
        raise InvalidInput("The request is not valid", details=problems)
    return criteria


def _sort_problems(sorts: Sequence[ContactSort], contact_list: ContactList) -> list[FieldProblem]:
    return [
        FieldProblem(f"contactSorts[{i}].fieldName", "unknown.column", "not a column of the list")
        for i, s in enumerate(sorts)
        if s.column not in contact_list.column_names
    ]


def _check(found: ContactListFilter, contact_list: ContactList, require_name: bool = True) -> None:
    problems = criteria_problems(found.criteria, contact_list)
    if require_name and not found.name.strip():
        problems.append(FieldProblem("name", "required", "must not be blank"))
    if problems:
        raise InvalidInput("The contact list filter is not valid", details=problems)


async def _list_of(
    uow: UnitOfWork, caller: Caller, permission: str, draft: ContactListFilter
) -> ContactList:
    if not draft.contact_list_id:
        raise InvalidInput(
            "The filter needs its contact list",
            details=[FieldProblem("contactList.id", "required", "a contact list id")],
        )
    return await visible(caller, permission, LIST, draft.contact_list_id, uow.contact_lists.get)


async def _visible_filter(
    uow: UnitOfWork, caller: Caller, permission: str, filter_id: str
) -> tuple[ContactListFilter, ContactList]:
    """The filter, if the caller holds `permission` in its list's division (else 404)."""
    caller.access.require(permission)
    found = await uow.contact_filters.get(filter_id)
    if found is None:
        raise NotFound(FILTER, filter_id)
    try:
        contact_list = await visible(
            caller, permission, LIST, found.contact_list_id, uow.contact_lists.get
        )
    except NotFound as hidden:
        raise NotFound(FILTER, filter_id) from hidden
    return found, contact_list


async def _check_unique(uow: UnitOfWork, name: str, own_id: str | None) -> None:
    same = await uow.contact_filters.find_by_name(name)
    if same is not None and same.id != own_id:
        raise Conflict(f"A contact list filter named {same.name!r} already exists")
