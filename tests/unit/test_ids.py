"""Ids are UUIDs a Genesys client accepts, unique, and later ones sort after earlier ones
(which keeps new rows at the end of the indexes keyed by them)."""

from __future__ import annotations

import os
import threading
import time
import uuid

from tidings.domain.ids import new_id


def test_an_id_is_a_version_7_uuid_in_its_canonical_text() -> None:
    made = new_id()
    parsed = uuid.UUID(made)
    assert str(parsed) == made
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122


def test_an_id_carries_the_millisecond_it_was_made() -> None:
    before = time.time_ns() // 1_000_000
    made = uuid.UUID(new_id())
    after = time.time_ns() // 1_000_000
    assert before <= made.int >> 80 <= after


def test_ids_made_in_later_milliseconds_sort_later_as_text() -> None:
    earlier = new_id()
    time.sleep(0.002)
    later = new_id()
    assert earlier < later


def test_a_hundred_thousand_ids_are_all_different() -> None:
    assert len({new_id() for _ in range(100_000)}) == 100_000


def test_threads_making_ids_at_once_never_repeat_one() -> None:
    made: list[list[str]] = [[] for _ in range(4)]

    def make(into: list[str]) -> None:
        into.extend(new_id() for _ in range(20_000))

    threads = [threading.Thread(target=make, args=(into,)) for into in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [made_id for into in made for made_id in into]
    assert len(set(every)) == len(every)


def test_a_forked_process_does_not_repeat_its_parents_next_ids() -> None:
    new_id()  # the parent has random bits in store
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.write(write, " ".join(new_id() for _ in range(50)).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    with os.fdopen(read) as pipe:
        childs = set(pipe.read().split())
    parents = {new_id() for _ in range(50)}
    assert len(childs) == 50
    # Same millisecond or not, the random parts differ.
    assert not {i[15:] for i in childs} & {i[15:] for i in parents}
