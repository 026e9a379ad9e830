"""The gate SQLite writers pass one at a time (see database.py for why).

Tasks of this process queue on an asyncio lock (in order); processes sharing the SQLite
file take turns on an flock beside it. A contended flock is waited for by a thread of the
gate's own, which the kernel wakes when the lock is free: polling it every half millisecond
cost a waiting API process a tenth of its CPU.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import queue
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)


class WriterGate:
    def __init__(self, lock_path: Path | None) -> None:
        self._tasks = asyncio.Lock()
        self._path = lock_path
        self._fd: int | None = None
        self._waiter: _FlockWaiter | None = None

    async def acquire(self) -> None:
        await self._tasks.acquire()
        if self._path is None:
            return
        try:
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                pass
            if self._waiter is None:
                self._waiter = _FlockWaiter()
            taken = self._waiter.take(self._fd)
        except BaseException:
            self._tasks.release()
            raise
        try:
            await asyncio.shield(taken)
        except BaseException:
            # The thread may still take the lock after this task gave up (cancelled): the
            # next task of this process must not pass before it is given back.
            taken.add_done_callback(self._give_back)
            raise

    def _give_back(self, taken: asyncio.Future[None]) -> None:
        try:
            if not taken.cancelled() and taken.exception() is None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)  # type: ignore[arg-type]
        finally:
            self._tasks.release()

    def release(self) -> None:
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._tasks.release()


class _FlockWaiter:
    """One daemon thread that takes the flock when asked: a process that exits while it
    waits is not held up by it (a thread pool's threads are joined at exit)."""

    def __init__(self) -> None:
        self._asked: queue.SimpleQueue[tuple[int, Callable[[BaseException | None], None]]]
        self._asked = queue.SimpleQueue()
        threading.Thread(target=self._run, name="sqlite-writer-gate", daemon=True).start()

    def take(self, fd: int) -> asyncio.Future[None]:
        loop = asyncio.get_running_loop()
        taken: asyncio.Future[None] = loop.create_future()

        def done(error: BaseException | None) -> None:
            try:
                loop.call_soon_threadsafe(_settle, taken, error)
            except RuntimeError:  # the loop is closed: nobody will give the lock back
                if error is None:
                    fcntl.flock(fd, fcntl.LOCK_UN)

        self._asked.put((fd, done))
        return taken

    def _run(self) -> None:
        while True:
            fd, done = self._asked.get()
            error: BaseException | None = None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError as failed:
                error = failed
            try:
                done(error)
            except Exception:  # the thread must live on, and the lock not stay taken
                log.exception("the SQLite writer gate could not hand the lock over")
                if error is None:
                    fcntl.flock(fd, fcntl.LOCK_UN)


def _settle(taken: asyncio.Future[None], error: BaseException | None) -> None:
    if error is None:
        taken.set_result(None)
    else:
        taken.set_exception(error)
