from __future__ import annotations

from typing import Any

import PureCloudPlatformClientV2 as gc
import pytest

from tests.support.server import Client, Server


@pytest.fixture(scope="session")
def sdk(server: Server) -> Any:
    """A factory of SDK clients logged in as a given OAuth client, as a customer would."""

    def login(client: Client) -> Any:
        return gc.ApiClient(host=server.base_url).get_client_credentials_token(
            client.id, client.secret
        )

    return login


@pytest.fixture(scope="session")
def admin_sdk(sdk: Any, admin: Client) -> Any:
    return sdk(admin)
