"""The garbage collector of a long-running process.

What a process builds before it serves (modules, the application and its routes, the
tables, pydantic's and SQLAlchemy's compiled models) lives as long as the process, but
every full collection walks all of it again: 65-100 ms pauses in `tidings serve` under
load, which were most of its p99 latency (docs/benchmarks.md, issue 4). Frozen, those
objects leave the collector's generations for good; what is made afterwards is
collected as before."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Call once, when the process is built and before it serves."""
    gc.collect()
    gc.freeze()
