"""`TIDINGS_PHONE_REGION`: numbers written without a country code are read in the
configured region alike by the API, by CSV imports and by DNC lists, so they meet."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.conftest import container_of
from tidings import bootstrap
from tidings.config import load_settings
from tidings.domain.contact_lists import AddressColumn, ContactList
from tidings.domain.dnc import DncList
from tidings.domain.permissions import ALL_DIVISIONS, Access, Grant, find_role
from tidings.services.caller import Caller
from tidings.services.contact_imports import ImportOptions
from tidings.services.contact_lists import AddOptions, ContactDraft

ADMIN = find_role("admin")
assert ADMIN
CALLER = Caller("tests", Access("tests", [Grant(ADMIN.id, ALL_DIVISIONS)]), 10**9)


@pytest.fixture
async def app(tmp_path: Path, database_url: str) -> AsyncIterator[bootstrap.Container]:
    settings = load_settings(
        environ={
            "TIDINGS_DATA_DIR": str(tmp_path),
            "TIDINGS_DATABASE_URL": database_url,
            "TIDINGS_PHONE_REGION": "gb",
        }
    )
    async with container_of(settings) as container:
        yield container


async def test_national_numbers_are_read_in_the_configured_region_everywhere(
    app: bootstrap.Container, tmp_path: Path
) -> None:
    created = await app.contact_lists.create(
        CALLER,
        ContactList(
            id="",
            name="London",
            division_id="",
            column_names=["id", "phone"],
            phone_columns=[AddressColumn("phone", "cell")],
        ),
    )
    drafts = [ContactDraft(data={"id": "api", "phone": "020 7946 0958"}, id="api")]
    await app.contact_lists.add_contacts(CALLER, created.id, drafts, AddOptions())
    source = tmp_path / "london.csv"
    source.write_text("id,phone\ncsv,020 7946 0959\nodd,(317) 555-0100\n")
    await app.imports.start(
        CALLER,
        created.id,
        app.imports.new_import_id(),
        source,
        ImportOptions(contact_id_column="id"),
        background=False,
    )
    found = {
        c.id: c.addresses["phone"]
        for c in await app.contact_lists.get_contacts(CALLER, created.id, ["api", "csv", "odd"])
    }
    assert found["api"].address == "+442079460958"
    assert found["api"].time_zones == ("Europe/London",)
    assert found["csv"].address == "+442079460959"
    assert found["odd"].address is None  # a US number without +1 is not a UK number

    dnc = await app.dnc.create(CALLER, DncList("", "UK opt-outs", "", "Phone"))
    await app.dnc.add(CALLER, dnc.id, "phone", ["020 7946 0958"], None)
    assert await app.dnc.listing([dnc.id], phone=found["api"].address) == {dnc.id}
    assert await app.dnc.listing([dnc.id], phone="+44 20 7946 0958") == {dnc.id}
