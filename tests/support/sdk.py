"""Small helpers for tests that drive the official SDK and wait for the dispatcher."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import PureCloudPlatformClientV2 as gc


def model(kind: Any, **attributes: Any) -> Any:
    """SDK models take no constructor arguments; their attributes are set one by one."""
    made = kind()
    for name, value in attributes.items():
        setattr(made, name, value)
    return made


def ref(entity_id: str) -> Any:
    return model(gc.DomainEntityRef, id=entity_id)


def eventually(check: Callable[[], Any], seconds: float = 30.0) -> Any:
    """The first truthy answer of `check`, asked every 0.1 s, or its last answer."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)
