"""The speech-features stage: download the clip and its transcript, measure every answer's speech, store them
(the container and the local cloud call it)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from jiping.domain.models import Transcript
from jiping.perception.speech import SAMPLE_RATE, AudioFeaturesRequest, analyze, load_audio
from jiping.ports import ObjectStore
from jiping.settings import SpeechSettings


def run_audio_features(
    request: AudioFeaturesRequest, settings: SpeechSettings, store: ObjectStore
) -> dict[str, Any]:
    """Download the media and transcript, analyse every window, store ``{"answers": [...]}`` at the output.

    Returns a summary for the workflow (no transcript text): counts, flag codes per answer, timings.
    """
    started = time.perf_counter()
    transcript = Transcript.model_validate(store.get_json(request.transcript))
    with tempfile.TemporaryDirectory(prefix="jiping-speech-") as tmp:
        path = Path(tmp) / "media"
        store.download(request.source, path)
        fetched = time.perf_counter()
        audio = load_audio(path, SAMPLE_RATE)
    decoded = time.perf_counter()
    answers = [analyze(audio, SAMPLE_RATE, transcript, w, settings) for w in request.windows]
    analysed = time.perf_counter()
    version = store.put_json(request.output, {"answers": [a.model_dump(mode="json") for a in answers]})
    output = request.output.model_copy(update={"version_id": version})
    return {
        "output": output.model_dump(mode="json"),
        "language": transcript.language,
        "audio_s": round(len(audio) / SAMPLE_RATE, 3),
        "answers": len(answers),
        "answers_flagged": sum(1 for a in answers if a.flags),
        "flags": {a.question_id: [f.code.value for f in a.flags] for a in answers},
        "timings": {
            "fetch_s": round(fetched - started, 3),
            "decode_s": round(decoded - fetched, 3),
            "analyze_s": round(analysed - decoded, 3),
            "total_s": round(time.perf_counter() - started, 3),
        },
    }
