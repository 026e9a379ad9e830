"""Two uses of one PostgreSQL advisory lock key would make each wait for the other for
nothing: an opt-out behind a table's analysis, a receipt behind a migration."""

from tidings.adapters.db import lock_keys


def test_no_two_uses_of_an_advisory_lock_share_its_key() -> None:
    keys = {name: value for name, value in vars(lock_keys).items() if name.isupper()}
    assert len(keys) >= 5
    assert len(set(keys.values())) == len(keys), keys
