"""Settings come from the environment, cast and checked in one place."""

from __future__ import annotations

import pytest

from app.config import Config, ConfigError


def test_defaults_without_environment() -> None:
    assert Config.from_env({}) == Config()
    assert Config().allowed_origin is None


def test_values_are_read_and_cast() -> None:
    config = Config.from_env(
        {
            "STAGE": "prod",
            "RELEASE": "abc123",
            "ALLOWED_ORIGIN": "https://app.example.com",
            "LIST_MAX_AGE": "60",
            "FINISHED_RUN_MAX_AGE": "3600",
            "ACTIVE_RUN_MAX_AGE": "0",
            "CORS_MAX_AGE": "7200",
        }
    )
    assert config == Config(
        stage="prod",
        release="abc123",
        allowed_origin="https://app.example.com",
        list_max_age=60,
        finished_run_max_age=3600,
        active_run_max_age=0,
        cors_max_age=7200,
    )


@pytest.mark.parametrize(
    "origin", ["*", "app.example.com", "https://app.example.com/", "https://a.com/path", "ftp://x"]
)
def test_a_value_that_is_not_an_origin_is_refused(origin: str) -> None:
    with pytest.raises(ConfigError, match="ALLOWED_ORIGIN"):
        Config.from_env({"ALLOWED_ORIGIN": origin})


@pytest.mark.parametrize("value", ["soon", "1.5", "-1"])
def test_bad_seconds_are_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(ConfigError, match="LIST_MAX_AGE"):
        Config.from_env({"LIST_MAX_AGE": value})


def test_create_app_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from app import create_app

    monkeypatch.setenv("STAGE", "staging")
    monkeypatch.setenv("RELEASE", "r9")
    answer = create_app().test_client().get("/version")
    assert answer.json == {"stage": "staging", "release": "r9"}
