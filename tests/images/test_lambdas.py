"""The container-image Lambdas: the image's own ENTRYPOINT/CMD (awslambdaric, entrypoint.handler) is started
against a fake Lambda Runtime API that hands it one event, and the result it posts back is checked."""

from __future__ import annotations

from jiping.domain.models import ObjectLocation
from jiping.perception.vision import VisionTrack

from tests.images.conftest import require_image
from tests.images.support import invoke
from tests.unit.perception.test_speech import _q2_transcript


def _ok(response, error, output: str) -> dict:
    assert error is None, f"the handler failed: {error}\n{output[-3000:]}"
    assert isinstance(response, dict), output[-3000:]
    return response


def test_vision_lambda_serves_one_invocation_through_the_runtime_interface_client(aws_env, s3, media_bucket):
    require_image("vision-lambda")
    event = {
        "source": {"bucket": media_bucket, "key": "q2_en.mp4"},
        "output": {"bucket": "artifacts", "key": "vision-lambda/track.json"},
    }
    result = _ok(*invoke("vision-lambda", event, aws_env))

    track = VisionTrack.model_validate_json(
        s3.get_object(Bucket="artifacts", Key="vision-lambda/track.json")["Body"].read()
    )
    assert result["frames_sampled"] == track.frames_sampled > 0
    assert any(f.faces >= 1 for f in track.frames)


def test_speech_lambda_measures_the_answer_of_the_sample(aws_env, s3, media_bucket):
    require_image("speech-lambda")
    transcript = _q2_transcript()
    s3.put_object(
        Bucket="artifacts", Key="speech/transcript.json", Body=transcript.model_dump_json().encode()
    )
    event = {
        "source": {"bucket": media_bucket, "key": "q2_en.mp4"},
        "transcript": ObjectLocation(bucket="artifacts", key="speech/transcript.json").model_dump(
            mode="json"
        ),
        "windows": [{"question_id": "q2", "media_id": "m1", "start": 0}],
        "output": {"bucket": "artifacts", "key": "speech/features.json"},
    }
    result = _ok(*invoke("speech-lambda", event, aws_env))

    assert result["answers"] == 1 and result["audio_s"] > 0
    assert s3.get_object(Bucket="artifacts", Key="speech/features.json")["ContentLength"] > 0
