"""A table the dispatcher cannot analyse now (its lock is taken, the connection dropped)
is left for a later pass; the other stale tables are still analysed."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from tidings.dispatch.loop import Dispatcher


class _Statistics:
    def __init__(self, stale: list[str], failing: dict[str, Exception]) -> None:
        self._stale, self._failing = stale, failing
        self.committed: list[str] = []
        self.current: str | None = None

    async def stale(self) -> list[str]:
        return list(self._stale)

    async def analyse(self, table: str) -> bool:
        if table in self._failing:
            raise self._failing[table]
        self.current = table
        return True


class _Uow:
    def __init__(self, statistics: _Statistics) -> None:
        self.statistics = statistics

    async def __aenter__(self) -> _Uow:
        self.statistics.current = None
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        if self.statistics.current:
            self.statistics.committed.append(self.statistics.current)


async def test_a_table_that_fails_to_analyse_leaves_the_others_analysed() -> None:
    # An exception whose text is empty (a dropped connection) as well as a lock timeout.
    statistics = _Statistics(
        ["messages", "message_receipts", "conversations"],
        {"messages": ConnectionResetError(), "message_receipts": TimeoutError("lock\nSQL")},
    )

    def uow() -> Any:
        return _Uow(statistics)

    analysed = await Dispatcher(uow, poll_seconds=1).refresh_statistics()
    assert analysed == ["conversations"]
    assert statistics.committed == ["conversations"]
