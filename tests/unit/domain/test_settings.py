"""Settings: validated per entrypoint; each function of the local cloud sees its own environment."""

from __future__ import annotations

import threading

import pytest
from jiping.settings import PersistSettings, ProbeSettings, function_environment, load
from pydantic import ValidationError


def test_missing_required_setting_fails_at_load():
    with function_environment({}), pytest.raises(ValidationError):
        load(PersistSettings)


def test_function_environment_is_per_thread():
    seen: dict[str, float] = {}

    def run(name: str, seconds: str) -> None:
        with function_environment({"MAX_MEDIA_SECONDS": seconds}):
            barrier.wait()
            seen[name] = load(ProbeSettings).max_media_seconds

    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=run, args=(n, s)) for n, s in (("a", "10"), ("b", "20"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"a": 10.0, "b": 20.0}


def test_invalid_values_are_refused():
    with function_environment({"MAX_MEDIA_SECONDS": "-1"}), pytest.raises(ValidationError):
        load(ProbeSettings)


def test_a_function_environment_names_only_fields_of_its_settings() -> None:
    from jiping.settings import ProbeSettings, environment

    assert environment(ProbeSettings, max_media_seconds=600.0, short_clip_max_seconds=90) == {
        "MAX_MEDIA_SECONDS": "600.0",
        "SHORT_CLIP_MAX_SECONDS": "90",
    }
    with pytest.raises(ValueError, match="ProbeSettings has no setting max_media_secs"):
        environment(ProbeSettings, max_media_secs=600)
