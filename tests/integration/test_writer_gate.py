"""The gate SQLite writers of several processes pass one at a time.

flock treats each open of the lock file on its own, so two gates on one path in this
process contend as two `tidings serve` processes do."""

from __future__ import annotations

import asyncio
import fcntl
import os
import threading
import time
from pathlib import Path

import pytest

from tidings.adapters.db.writer_gate import WriterGate


async def _passes(gate: WriterGate, seconds: float = 2.0) -> bool:
    try:
        await asyncio.wait_for(gate.acquire(), seconds)
    except TimeoutError:
        return False
    return True


async def test_a_writer_waits_for_another_process_without_stopping_this_loop(
    tmp_path: Path,
) -> None:
    lock = tmp_path / "db.sqlite.write.lock"
    other_process = os.open(lock, os.O_RDWR | os.O_CREAT)
    fcntl.flock(other_process, fcntl.LOCK_EX)
    gate = WriterGate(lock)
    # Were the wait to block this loop, nothing here could go on until the other process
    # lets go: a watchdog makes it let go after 3 s, and the time shows it.
    watchdog = threading.Timer(3, fcntl.flock, (other_process, fcntl.LOCK_UN))
    watchdog.start()
    try:
        started = time.monotonic()
        waiting = asyncio.create_task(gate.acquire())
        await asyncio.sleep(0.1)
        assert time.monotonic() - started < 1 and not waiting.done()
    finally:
        watchdog.cancel()

    fcntl.flock(other_process, fcntl.LOCK_UN)
    await asyncio.wait_for(waiting, 2)
    with pytest.raises(BlockingIOError):  # the lock passed to this process's writer
        fcntl.flock(other_process, fcntl.LOCK_EX | fcntl.LOCK_NB)
    gate.release()
    fcntl.flock(other_process, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.close(other_process)


async def test_a_writer_that_gives_up_waiting_holds_nothing_afterwards(tmp_path: Path) -> None:
    lock = tmp_path / "db.sqlite.write.lock"
    holder, other = WriterGate(lock), WriterGate(lock)
    await holder.acquire()
    assert not await _passes(other, 0.05)  # cancelled while another process writes

    holder.release()
    await asyncio.sleep(0.2)  # its thread takes the lock it was waiting for, and gives it back
    third = WriterGate(lock)
    assert await _passes(third, 1), "another process gets in: nothing was left locked"
    third.release()
    assert await _passes(other), "and the next task of the process that gave up"
    other.release()


async def test_tasks_of_one_process_pass_one_at_a_time_in_order(tmp_path: Path) -> None:
    gate = WriterGate(tmp_path / "db.sqlite.write.lock")
    inside: list[int] = []
    order: list[int] = []

    async def write(n: int) -> None:
        await gate.acquire()
        try:
            inside.append(n)
            assert len(inside) == 1
            order.append(n)
            await asyncio.sleep(0.001)
            inside.remove(n)
        finally:
            gate.release()

    await asyncio.gather(*(write(n) for n in range(10)))
    assert order == list(range(10))
