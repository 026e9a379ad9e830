"""The gate SQLite writers of several processes pass one at a time.

flock treats each open of the lock file on its own, so two gates on one path in this
process contend as two `tidings serve` processes do."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tidings.adapters.db.database import WriterGate


async def _passes(gate: WriterGate, seconds: float = 2.0) -> bool:
    try:
        await asyncio.wait_for(gate.acquire(), seconds)
    except TimeoutError:
        return False
    return True


async def test_a_writer_of_another_process_waits_for_the_holder_without_stopping_this_loop(
    tmp_path: Path,
) -> None:
    lock = tmp_path / "db.sqlite.write.lock"
    holder, other = WriterGate(lock), WriterGate(lock)
    await holder.acquire()
    waiting = asyncio.create_task(other.acquire())
    ticks = 0
    for _ in range(20):
        await asyncio.sleep(0.005)
        ticks += 1
    assert ticks == 20 and not waiting.done()

    holder.release()
    await asyncio.wait_for(waiting, 2)
    assert not await _passes(holder, 0.1), "the lock passed to the other writer"
    other.release()
    assert await _passes(holder)
    holder.release()


async def test_a_writer_that_gives_up_waiting_holds_nothing_afterwards(tmp_path: Path) -> None:
    lock = tmp_path / "db.sqlite.write.lock"
    holder, other = WriterGate(lock), WriterGate(lock)
    await holder.acquire()
    assert not await _passes(other, 0.05)  # cancelled while another process writes

    holder.release()
    assert await _passes(other), "the next task of the process that gave up gets in"
    other.release()
    assert await _passes(holder), "and the lock it was still waiting for was given back"
    holder.release()


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
