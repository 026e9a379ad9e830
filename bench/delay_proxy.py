"""A TCP proxy on 127.0.0.1 that holds every chunk for a while in each direction, so a peer
on this machine answers as if it were far away: a round trip through it takes `2 * delay`
more. Order is kept; bandwidth is not limited. It runs in its own process.

    with DelayProxy(target_port, delay_ms=5) as proxy:   # 10 ms round trips
        ... connect to proxy.port ...
"""

from __future__ import annotations

import asyncio
import multiprocessing
from multiprocessing.connection import Connection
from types import TracebackType

from tests.support.server import free_port


async def _carry(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def read() -> None:
        while data := await reader.read(65_536):
            queue.put_nowait((loop.time() + delay, data))
        queue.put_nowait((loop.time() + delay, b""))

    async def write() -> None:
        while True:
            due, data = await queue.get()
            await asyncio.sleep(max(0.0, due - loop.time()))
            if not data:
                writer.close()
                return
            writer.write(data)
            await writer.drain()

    try:
        await asyncio.gather(read(), write())
    except (ConnectionError, OSError):
        writer.close()


async def _serve(port: int, target: int, delay: float, ready: Connection) -> None:
    async def connected(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        relay_r, relay_w = await asyncio.open_connection("127.0.0.1", target)
        await asyncio.gather(_carry(client_r, relay_w, delay), _carry(relay_r, client_w, delay))

    server = await asyncio.start_server(connected, "127.0.0.1", port)
    ready.send("ready")
    async with server:
        await asyncio.get_running_loop().run_in_executor(None, ready.recv)  # until told to stop


def _main(port: int, target: int, delay: float, ready: Connection) -> None:
    asyncio.run(_serve(port, target, delay, ready))


class DelayProxy:
    def __init__(self, target_port: int, delay_ms: float) -> None:
        self.port = free_port()
        context = multiprocessing.get_context("spawn")
        self._control, theirs = context.Pipe()
        self._process = context.Process(
            target=_main, args=(self.port, target_port, delay_ms / 1000, theirs), daemon=True
        )

    def __enter__(self) -> DelayProxy:
        self._process.start()
        assert self._control.recv() == "ready"
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._control.send("stop")
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()
