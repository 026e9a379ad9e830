"""The per-list contact limit, against the real database (a small limit keeps it quick)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.conftest import container_of
from tidings import bootstrap
from tidings.config import Settings
from tidings.domain.contact_lists import ContactList
from tidings.domain.errors import InvalidInput
from tidings.domain.imports import COMPLETE, FAILED, ContactImport, FileRejected
from tidings.domain.permissions import ALL_DIVISIONS, Access, Grant, find_role
from tidings.services.caller import Caller
from tidings.services.contact_imports import ImportOptions
from tidings.services.contact_lists import AddOptions, ContactDraft

ADMIN = find_role("admin")
assert ADMIN
CALLER = Caller("tests", Access("tests", [Grant(ADMIN.id, ALL_DIVISIONS)]), 10**9)


@pytest.fixture
async def app(tmp_path: Path, database_url: str) -> AsyncIterator[bootstrap.Container]:
    settings = Settings(data_dir=tmp_path, database_url=database_url, max_contacts_per_list=3)
    async with container_of(settings) as container:
        yield container


async def test_a_list_stops_at_its_limit_and_the_refused_call_adds_nothing(
    app: bootstrap.Container,
) -> None:
    created = await app.contact_lists.create(
        CALLER, ContactList(id="", name="small", division_id="", column_names=["first"])
    )

    def drafts(*ids: str) -> list[ContactDraft]:
        return [ContactDraft(data={"first": i}, id=i) for i in ids]

    await app.contact_lists.add_contacts(CALLER, created.id, drafts("a", "b"), AddOptions())
    with pytest.raises(InvalidInput, match="at most 3"):
        await app.contact_lists.add_contacts(CALLER, created.id, drafts("c", "d"), AddOptions())
    # Updating contacts already in the list is not growth, so it is allowed at the limit.
    await app.contact_lists.add_contacts(CALLER, created.id, drafts("a", "b", "c"), AddOptions())
    _, size = await app.contact_lists.get(CALLER, created.id, include_size=True)
    assert size == 3


async def test_an_import_that_would_pass_the_limit_is_refused_whole_and_changes_nothing(
    app: bootstrap.Container, tmp_path: Path
) -> None:
    created = await app.contact_lists.create(
        CALLER, ContactList(id="", name="small", division_id="", column_names=["id", "first"])
    )
    old = [ContactDraft(data={"id": i, "first": "Old"}, id=i) for i in ("a", "b")]
    await app.contact_lists.add_contacts(CALLER, created.id, old, AddOptions())
    options = ImportOptions(contact_id_column="id")

    async def imported(text: str) -> ContactImport:
        source = tmp_path / f"{len(text)}.csv"
        source.write_text(text)
        imports = app.imports
        await imports.start(
            CALLER, created.id, imports.new_import_id(), source, options, background=False
        )
        return await imports.status(CALLER, created.id)

    async def firsts() -> dict[str, str]:
        found = await app.contact_lists.get_contacts(CALLER, created.id, ["a", "b", "c", "d"])
        return {c.id: c.data["first"] for c in found}

    # More rows than a list may hold: refused when the header is read.
    with pytest.raises(FileRejected, match="at most 3"):
        await imported("id,first\n" + "".join(f"n{n},New\n" for n in range(4)))
    # Few enough rows, but with the contacts already there the list would pass its limit:
    # the import fails whole, even the update of `a` is not kept.
    failed = await imported("id,first\na,New\nc,New\nd,New\n")
    assert failed.state == FAILED and "at most 3" in (failed.failure_reason or "")
    assert await firsts() == {"a": "Old", "b": "Old"}
    # Updating contacts already in the list is not growth.
    done = await imported("id,first\na,New\nb,New\nc,New\n")
    assert (done.state, done.imported) == (COMPLETE, 3)
    assert await firsts() == {"a": "New", "b": "New", "c": "New"}
