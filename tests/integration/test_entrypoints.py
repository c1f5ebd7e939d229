"""Every Lambda and container entrypoint imports and exposes what its template or job definition calls."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra import constants
from infra.localcloud.runtime import load_module

REPO = Path(__file__).resolve().parents[2]  # (integration: importing Powertools opens the X-Ray UDP socket)


def _load(path: Path):
    """As the Lambda runtime does (a handler inside a package keeps its relative imports)."""
    return load_module(path, f"entry_{path.parent.name}_{path.stem}")


@pytest.mark.parametrize("handler", sorted(constants.ZIP_FUNCTIONS.values()))
def test_zip_function_handlers_exist(handler):
    module_name, attr = handler.rsplit(".", 1)
    assert callable(getattr(_load(REPO / "functions" / f"{module_name.replace('.', '/')}.py"), attr))


@pytest.mark.parametrize("task", ["vision", "speech", "scoring"])
def test_container_entrypoints_serve_lambda_and_the_command_line(task):
    module = _load(REPO / "containers" / task / "entrypoint.py")
    assert callable(module.handler) and callable(module.main)
    with pytest.raises(SystemExit):  # --request is required
        module.main([])


@pytest.mark.parametrize("task", ["transcribe", "vision"])
def test_pool_entrypoints_offer_a_worker_and_one_of_request_or_pool(task, capsys):
    module = _load(REPO / "containers" / task / "entrypoint.py")
    assert callable(module.worker)
    for argv in ([], ["--pool", "--request", "{}"]):  # one mode, exactly
        with pytest.raises(SystemExit):
            module.main(argv)
    assert "--pool" in capsys.readouterr().err


def test_the_speech_container_runs_the_stage_under_powertools_and_logs_no_transcript_text(
    monkeypatch, capsys
):
    import logging

    from jiping.domain.models import ObjectLocation

    from infra.localcloud.runtime import LambdaContext
    from tests.unit.conftest import FakeObjectStore
    from tests.unit.perception.test_speech import MEDIA, _q2_transcript

    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")  # the local cloud, if started, turned them off
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("jiping").addHandler(handler)
    entrypoint = _load(REPO / "containers" / "speech" / "entrypoint.py")
    store = FakeObjectStore({("media", "q2_en.mp4"): (MEDIA / "q2_en.mp4").read_bytes()})
    store.put_json(ObjectLocation(bucket="art", key="t.json"), _q2_transcript().model_dump(mode="json"))
    monkeypatch.setattr(entrypoint.bootstrap, "object_store", lambda: store)
    event = {
        "source": {"bucket": "media", "key": "q2_en.mp4"},
        "transcript": {"bucket": "art", "key": "t.json"},
        "windows": [{"question_id": "q2", "media_id": "m1", "start": 0}],
        "output": {"bucket": "art", "key": "speech.json"},
    }
    entrypoint.logger.append_keys(tenant_id="t-earlier")  # what an earlier invocation left on the logger
    try:
        result = entrypoint.handler(event, LambdaContext("AudioFeatures", 3008, 300))
    finally:
        logging.getLogger("jiping").removeHandler(handler)

    assert result["answers"] == 1 and ("art", "speech.json") in store.objects
    lines = [entrypoint.logger.registered_formatter.format(r) for r in records]  # as Powertools writes them
    logged = [json.loads(line) for line in lines if '"speech_features"' in line]
    assert len(logged) == 1 and logged[0]["function_name"] == "AudioFeatures"  # with the Lambda context
    assert logged[0]["answers"] == 1 and "text" not in logged[0]
    assert "tenant_id" not in logged[0]  # the earlier invocation's key is cleared (clear_state)
    emitted = capsys.readouterr().out  # Powertools' log_metrics flushes the metric as EMF on stdout
    assert '"AnswersAnalysed"' in emitted
    assert "engineers" not in "".join(lines) + emitted  # no transcript text anywhere
