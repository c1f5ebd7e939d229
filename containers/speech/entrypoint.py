"""Speech features (``audio-features``): the container-image Lambda and a command line for local runs.

- Lambda (x86_64 image): ``entrypoint.handler`` with an AudioFeaturesRequest as the event.
- Local: ``python containers/speech/entrypoint.py --request '<AudioFeaturesRequest JSON>'``; the
  summary is printed as JSON on stdout and the features land at the request's output location.

A container image, not a zip Lambda on the shared layer: praat-parselmouth publishes no arm64 (aarch64)
Linux wheels, so it cannot go into the arm64 layer. Both paths call ``jiping.workflow.speech.run_audio_features``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from jiping import bootstrap
from jiping.handlers import powertools_handler
from jiping.observability import logger, metrics
from jiping.perception.speech import AudioFeaturesRequest
from jiping.settings import SpeechSettings, load
from jiping.workflow.speech import run_audio_features
from jiping.workflow.tasks import task_main


@lru_cache(maxsize=1)
def settings() -> SpeechSettings:
    return load(SpeechSettings)


def run(request: AudioFeaturesRequest) -> dict[str, Any]:
    return run_audio_features(request, settings(), bootstrap.object_store())


def _handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = run(AudioFeaturesRequest.model_validate(event))
    # Counts and timings only: never the transcript text.
    logger.info(
        "speech_features",
        language=result["language"],
        audio_s=result["audio_s"],
        answers=result["answers"],
        answers_flagged=result["answers_flagged"],
        analyze_s=result["timings"].get("analyze_s"),
    )
    metrics.add_metric(name="AnswersAnalysed", unit=MetricUnit.Count, value=result["answers"])
    return result


handler = powertools_handler(_handle)  # the metrics are flushed by its log_metrics


def main(argv: Sequence[str] | None = None) -> int:
    return task_main(
        argv,
        description="Speech features of the answers in one media object",
        request=AudioFeaturesRequest,
        run=run,
    )


if __name__ == "__main__":
    raise SystemExit(main())
