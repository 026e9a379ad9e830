"""tidings turns PostgreSQL's JIT off on its connections without dropping the operator's
own connection options."""

from __future__ import annotations

import pytest

from tidings.adapters.db.engine import postgres_options


def test_jit_is_off_when_the_operator_gave_no_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PGOPTIONS", raising=False)
    assert postgres_options("postgresql://db/tidings") == "-c jit=off"


def test_the_urls_options_are_kept_after_ours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGOPTIONS", "-c work_mem=8MB")
    url = "postgresql://db/tidings?options=-c%20search_path%3Dtidings"
    assert postgres_options(url) == "-c jit=off -c search_path=tidings"


def test_pgoptions_is_kept_when_the_url_has_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGOPTIONS", "-c jit=on")
    # The operator's setting comes last, so theirs wins.
    assert postgres_options("postgresql://db/tidings") == "-c jit=off -c jit=on"
