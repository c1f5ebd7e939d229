"""An audio-only interview: the candidate consented to the audio only, so the video is not analysed."""

from __future__ import annotations

import json

import pytest
from jiping.adapters.dynamo.api_keys import DynamoApiKeyStore
from jiping.domain.models import InterviewStatus
from jiping.portal.interviews import SCOPES, mint_key

from infra import constants
from infra.localcloud.api_gateway import LocalApi
from tests.conftest import SAMPLE_MEDIA
from tests.e2e.conftest import interview_row

pytestmark = pytest.mark.slow
TENANT, INTERVIEW = "t-consent", "iv-audio-only"


def test_a_video_answer_of_an_audio_only_interview_is_transcribed_and_no_frame_is_analysed(cloud) -> None:
    key = mint_key(DynamoApiKeyStore(cloud.outputs[constants.OUTPUT_API_KEYS_TABLE]), TENANT, SCOPES)
    consent = {"biometric": False, "audio": True, "version": "2026-11", "given_at": "2026-11-22T08:00:00Z"}
    made = LocalApi(cloud).request(
        "POST",
        "/v1/interviews",
        headers={"authorization": f"Bearer {key}", "content-type": "application/json"},
        body=json.dumps(
            {
                "interview_id": INTERVIEW,
                "candidate_ref": "cand-audio",
                "job_id": "no-profile",
                "questions": [{"question_id": "q1"}],
                "consent": consent,
            }
        ),
    )
    assert made.status == 201, made.body
    up = cloud.upload(SAMPLE_MEDIA / "q2_en.mp4", TENANT, INTERVIEW, "q1.mp4")  # a video with a face
    result = cloud.wait_for_execution(cloud.execution_arn(**up), timeout=600)
    assert result.status == "SUCCEEDED"
    entered = [s["name"] for s in result.states()]
    assert "NoVideoConsent" in entered and not [n for n in entered if n.startswith("VisionOn")]
    row = interview_row(cloud, TENANT, INTERVIEW)
    assert row.status is InterviewStatus.TRANSCRIBED
    analysis = json.loads(
        cloud.client("s3")
        .get_object(
            Bucket=cloud.outputs[constants.OUTPUT_ARTIFACTS_BUCKET], Key=row.media["q1"].analysis_key
        )["Body"]
        .read()
    )
    (answer,) = analysis["answers"]
    assert answer["transcript"]["text"].strip() and answer["vision"] is None
    assert any(f["code"] == "SIGNAL_MISSING" and "consent" in f["detail"] for f in answer["flags"])
    vision_key = f"{TENANT}/{INTERVIEW}/q1/vision.json"
    listed = cloud.client("s3").list_objects_v2(
        Bucket=cloud.outputs[constants.OUTPUT_ARTIFACTS_BUCKET], Prefix=vision_key
    )
    assert listed.get("KeyCount", 0) == 0
