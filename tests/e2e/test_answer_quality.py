"""The done-when of scoring: strong, vague and off-topic answers to the same question, spoken, are
ordered correctly on every competency the question probes, in Mandarin and in English."""

from __future__ import annotations

import contextlib
import json

import pytest
from jiping.adapters.dynamo.interviews import DynamoInterviewRepository
from jiping.adapters.dynamo.profiles import DynamoProfileRepository
from jiping.domain.errors import ProfileVersionExists
from jiping.domain.models import Question
from jiping.domain.profiles import load_profile
from jiping.portal.interviews import create_interview

from infra import constants
from tests.conftest import REPO, SAMPLE_MEDIA
from tests.e2e.conftest import interview_row, run_upload

pytestmark = [pytest.mark.slow, pytest.mark.real_judge]
TENANT = "t-quality"
CASES = {
    "zh": ("customer-service", "difficult_customer", "q1_zh"),
    "en": ("software-engineer", "measurable_impact", "q2_en"),
}


def _scores(cloud, profile, question_id: str, clip: str, interview: str) -> dict[str, float]:
    repo = DynamoInterviewRepository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE])
    media_id = clip.rsplit(".", 1)[0]
    create_interview(
        repo,
        TENANT,
        interview,
        profile.id,
        [Question(question_id=question_id, media_id=media_id)],
        profile.version,
    )
    result = run_upload(cloud, SAMPLE_MEDIA / clip, TENANT, interview)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    row = interview_row(cloud, TENANT, interview)
    body = cloud.client("s3").get_object(
        Bucket=cloud.outputs[constants.OUTPUT_ARTIFACTS_BUCKET], Key=row.result_key
    )
    return {c["id"]: c["score"] for c in json.loads(body["Body"].read())["competencies"]}


@pytest.mark.parametrize(
    "language",
    [
        pytest.param(
            "zh",
            marks=pytest.mark.xfail(
                strict=True,
                reason="issue 13, open: the judge's 1.5B model reads the strong account (listened, checked, "
                "re-sent the same day) at level 1.5 on emotional_control, below the vague answer's 3",
            ),
        ),
        "en",
    ],
)
def test_strong_vague_and_off_topic_answers_are_ordered_on_every_probed_competency(cloud, language):
    profile_id, question_id, stem = CASES[language]
    profile = load_profile(REPO / "profiles" / f"{profile_id}.yaml")
    with contextlib.suppress(ProfileVersionExists):  # the other language's case may have stored it
        DynamoProfileRepository(cloud.client("dynamodb"), cloud.outputs[constants.OUTPUT_PROFILES_TABLE]).put(
            TENANT, profile
        )
    question = next(q for q in profile.questions if q.id == question_id)
    scores = {
        quality: _scores(cloud, profile, question_id, f"{stem}{suffix}.mp4", f"iv-{language}-{quality}")
        for quality, suffix in (("strong", ""), ("vague", "_vague"), ("off-topic", "_offtopic"))
    }
    print(language, {q: {c: scores[q][c] for c in question.competencies} for q in scores})  # for the record
    for competency in question.competencies:
        strong, vague, off = (scores[q][competency] for q in ("strong", "vague", "off-topic"))
        assert strong > vague > off, (competency, strong, vague, off)
