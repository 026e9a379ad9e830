"""The live dashboards' shared snapshot: once a second, one read of every campaign that some
open dashboard of this process follows (and one check of all their sessions), handed to
each dashboard filtered by what its user may see. The database's work is then the same for
one open dashboard as for fifty: a dashboard adds only its filtering and its event."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field

from tidings.bootstrap import Container
from tidings.domain import campaigns as c
from tidings.domain.errors import MissingPermission

log = logging.getLogger("tidings.web")

Row = tuple[c.Campaign, c.Progress]


@dataclass(eq=False)
class _Reader:
    token: str  # the session cookie's token: checked every tick, as every page checks it
    campaign_ids: list[str]
    # The latest rows only: a reader that falls behind skips to the newest snapshot.
    news: asyncio.Queue[list[Row] | None] = field(default_factory=lambda: asyncio.Queue(1))

    def tell(self, rows: list[Row] | None) -> None:
        with contextlib.suppress(asyncio.QueueEmpty):
            self.news.get_nowait()
        self.news.put_nowait(rows)


class CampaignFeed:
    """Runs one loop while some dashboard follows campaigns; ticks at a fixed rate (every
    `tick_seconds` from the first, whatever a tick's read took)."""

    def __init__(self, app: Container, tick_seconds: float = 1.0) -> None:
        self._app = app
        self._tick = tick_seconds
        self._readers: set[_Reader] = set()
        self._loop: asyncio.Task[None] | None = None

    async def follow(self, token: str, campaign_ids: list[str]) -> AsyncGenerator[list[Row], None]:
        """The rows of `campaign_ids` the session's user may see, each tick, until the
        session ends (signed out, expired, disabled) or the user loses the permission."""
        reader = _Reader(token, campaign_ids)
        self._readers.add(reader)
        if self._loop is None or self._loop.done():
            self._loop = asyncio.create_task(self._run(), name="campaign-feed")
        try:
            while (rows := await reader.news.get()) is not None:
                yield rows
        finally:
            self._readers.discard(reader)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()
        while self._readers:
            try:
                await self._read(list(self._readers))
            except Exception:  # a failed read must not end every dashboard: next tick
                log.exception("the campaign dashboards' snapshot failed")
            due += self._tick
            now = loop.time()
            if due < now:  # a tick took longer than the interval: start again from now
                due = now
            await asyncio.sleep(due - now)

    async def _read(self, readers: list[_Reader]) -> None:
        sessions = await self._app.console_users.sessions({r.token for r in readers})
        wanted = [i for r in readers if r.token in sessions for i in r.campaign_ids]
        found = await self._app.campaigns.shared_snapshot(wanted) if wanted else {}
        for reader in readers:
            signed_in = sessions.get(reader.token)
            if signed_in is None:
                reader.tell(None)
                continue
            rows = [found[i] for i in reader.campaign_ids if i in found]
            try:
                reader.tell(self._app.campaigns.readable(signed_in.caller, rows))
            except MissingPermission:
                reader.tell(None)
