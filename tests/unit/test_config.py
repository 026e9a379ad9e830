from __future__ import annotations

from pathlib import Path

import pytest

from tidings.config import ConfigError, load_settings


def test_defaults_are_the_embedded_ones() -> None:
    settings = load_settings(environ={})
    assert settings.sms_url == "simulator:" and settings.smtp_url == "simulator:"
    assert settings.inbound_smtp == ""  # the inbound receiver is off unless asked for
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.resolved_database_url.endswith("tidings-data/tidings.db")
    assert settings.rate_limit_per_minute == 600_000


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    config = tmp_path / "tidings.toml"
    config.write_text('database_url = "postgresql://file/db"\nport = 9000\n')
    settings = load_settings(
        config, environ={"TIDINGS_DATABASE_URL": "postgresql://env/db", "TIDINGS_DATA_DIR": "/x"}
    )
    assert settings.database_url == "postgresql://env/db"
    assert settings.port == 9000
    assert settings.data_dir == Path("/x")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"TIDINGS_PORT": "eighty"}, "port"),
        ({"TIDINGS_RUN_DISPATCHER": "maybe"}, "run_dispatcher"),
        ({"TIDINGS_RATE_LIMIT_PER_MINUTE": "0"}, "rate_limit_per_minute"),
        ({"TIDINGS_WORKERS": "0"}, "workers"),
        ({"TIDINGS_DNS_RESOLVER": "127.0.0.1"}, "dns_resolver"),
        ({"TIDINGS_DNS_RESOLVER": "dns.example:53"}, "dns_resolver"),
        ({"TIDINGS_DNS_RESOLVER": "127.0.0.1:99999"}, "dns_resolver"),
        ({"TIDINGS_PHONE_REGION": "XX"}, "phone_region"),
        ({"TIDINGS_PHONE_REGION": "UK"}, "phone_region"),  # the United Kingdom is GB
    ],
)
def test_bad_values_are_named(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(environ=environ)


def test_unknown_keys_in_the_file_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "tidings.toml"
    config.write_text('databse_url = "typo"\n')
    with pytest.raises(ConfigError, match="databse_url"):
        load_settings(config, environ={})


def test_a_dns_resolver_is_an_address_and_port() -> None:
    assert load_settings(environ={"TIDINGS_DNS_RESOLVER": "[::1]:5353"}).dns_resolver
    assert load_settings(environ={"TIDINGS_DNS_RESOLVER": "127.0.0.1:53"}).dns_resolver


def test_the_phone_region_is_read_in_any_case() -> None:
    assert load_settings(environ={"TIDINGS_PHONE_REGION": " gb "}).phone_region == "GB"
