"""Previews of a response (saved, or a draft from the editor) for one sample contact."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tidings.domain.errors import FieldProblem, InvalidInput, NotFound
from tidings.domain.response_preview import Preview, preview
from tidings.domain.responses import Response
from tidings.ports import UnitOfWork, UnitOfWorkFactory
from tidings.services.caller import Caller
from tidings.services.divisioned import visible
from tidings.services.responses import visible_response


@dataclass(frozen=True)
class SampleContact:
    """Given inline (`data`), or by reference to a stored contact (its list's columns are
    then the names a placeholder may use)."""

    data: Mapping[str, str] | None = None
    contact_list_id: str | None = None
    contact_id: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)  # substitution values


class ResponsePreviewService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def of_saved(self, caller: Caller, response_id: str, sample: SampleContact) -> Preview:
        async with self._uow() as uow:
            response = await visible_response(uow, caller, "responses:response:view", response_id)
            data, columns = await _contact(uow, caller, sample)
        return preview(response, data, sample.values, columns)

    async def of_draft(self, caller: Caller, draft: Response, sample: SampleContact) -> Preview:
        caller.access.require("responses:response:view")
        problems = draft.problems(saved=False)
        if problems:
            raise InvalidInput("The template is not valid", details=problems)
        async with self._uow() as uow:
            data, columns = await _contact(uow, caller, sample)
        return preview(draft, data, sample.values, columns)


async def _contact(
    uow: UnitOfWork, caller: Caller, sample: SampleContact
) -> tuple[Mapping[str, str], frozenset[str] | None]:
    if sample.contact_list_id is None:
        if sample.contact_id is not None:
            raise InvalidInput(
                "contactId needs its contactListId",
                details=[FieldProblem("contactListId", "required", "the contact's list")],
            )
        return sample.data or {}, None
    if sample.data is not None:
        raise InvalidInput(
            "Give the contact inline or by reference, not both",
            details=[FieldProblem("contact", "invalid.value", "or contactListId and contactId")],
        )
    if not sample.contact_id:
        raise InvalidInput(
            "contactListId needs a contactId",
            details=[FieldProblem("contactId", "required", "the contact to preview with")],
        )
    contact_list = await visible(
        caller,
        "outbound:contact:view",
        "Contact list",
        sample.contact_list_id,
        uow.contact_lists.get,
    )
    found = await uow.contacts.get_many(contact_list.id, [sample.contact_id])
    if not found:
        raise NotFound("Contact", sample.contact_id)
    return found[0].data, frozenset(contact_list.column_names)
