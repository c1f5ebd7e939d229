"""Text answers (文字作答): the rules of submitting one, and how the workflow recognises it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from jiping.domain.errors import NotFound, PortalError
from jiping.domain.models import Interview, InterviewStatus, ObjectLocation, Question
from jiping.portal.text_answers import (
    MAX_TEXT_CHARS,
    TEXT_ANSWER_TYPE,
    TextAnswerReceipt,
    parse_text_answer,
    submit_text_answer,
    text_answer_key,
    text_transcript,
    transcribe_text,
)

from tests.unit.conftest import FakeInterviewRepository, FakeObjectStore

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
BUCKET = "uploads-bucket"
ANSWER = "上个月有位客户因为订单延迟很生气。我先听他说完，然后查了物流记录，当天安排了补发。"


def interview(status: InterviewStatus = InterviewStatus.CREATED) -> Interview:
    return Interview(
        tenant_id="acme",
        interview_id="iv-1",
        status=status,
        created_at=NOW,
        updated_at=NOW,
        questions=[Question(question_id="q1"), Question(question_id="q2")],
    )


def setup(
    status: InterviewStatus = InterviewStatus.CREATED,
) -> tuple[FakeInterviewRepository, FakeObjectStore]:
    repo, store = FakeInterviewRepository(), FakeObjectStore()
    repo.rows[("acme", "iv-1")] = interview(status)
    return repo, store


def submit(
    repo: FakeInterviewRepository, store: FakeObjectStore, text: str = ANSWER, **kw: str
) -> TextAnswerReceipt:
    args = {"tenant_id": "acme", "interview_id": "iv-1", "question_id": "q1"} | kw
    return submit_text_answer(
        repo, store, BUCKET, args["tenant_id"], args["interview_id"], args["question_id"], text, NOW
    )


def test_a_written_answer_is_stored_where_the_workflow_picks_up_uploads() -> None:
    repo, store = setup()
    receipt = submit(repo, store, "  " + ANSWER + "\n")
    key = text_answer_key("acme", "iv-1", "q1")
    assert key == "uploads/acme/iv-1/q1.json" and (BUCKET, key) in store.objects
    stored = parse_text_answer(store.objects[(BUCKET, key)])
    assert stored is not None and stored.text == ANSWER and stored.question_id == "q1"
    assert receipt.characters == len(ANSWER) and receipt.replayed is False


def test_the_same_text_again_replays_the_receipt_and_writes_nothing() -> None:
    repo, store = setup()
    first = submit(repo, store)
    before = dict(store.objects)
    again = submit_text_answer(repo, store, BUCKET, "acme", "iv-1", "q1", ANSWER, NOW + timedelta(minutes=5))
    assert again.replayed is True and again.sha256 == first.sha256 and again.submitted_at == NOW
    assert store.objects == before


@pytest.mark.parametrize(
    ("change", "code", "status"),
    [
        ({"text": "另一段完全不同的回答。"}, "ANSWER_EXISTS", 409),
        ({"question_id": "q9"}, "QUESTION_NOT_FOUND", 404),
        ({"tenant_id": "other"}, "INTERVIEW_NOT_FOUND", 404),
        ({"interview_id": "iv-2"}, "INTERVIEW_NOT_FOUND", 404),
        ({"text": "   "}, "INVALID_TEXT_ANSWER", 422),
        ({"text": "好" * (MAX_TEXT_CHARS + 1)}, "INVALID_TEXT_ANSWER", 422),
        ({"text": "我先听他说完\x00然后"}, "INVALID_TEXT_ANSWER", 422),
    ],
)
def test_bad_submissions_are_refused_with_a_code_and_change_nothing(
    change: dict[str, str], code: str, status: int
) -> None:
    repo, store = setup()
    submit(repo, store)
    before = dict(store.objects)
    text = change.pop("text", ANSWER)
    with pytest.raises(PortalError) as exc:
        submit(repo, store, text, **change)
    assert (exc.value.code, exc.value.status) == (code, status)
    assert store.objects == before


def test_an_interview_already_scored_takes_no_more_answers() -> None:
    repo, store = setup(InterviewStatus.SCORED)
    with pytest.raises(PortalError) as exc:
        submit(repo, store)
    assert exc.value.code == "INTERVIEW_SCORED" and exc.value.status == 409 and store.objects == {}


def test_an_erased_interview_takes_no_answer() -> None:
    repo, store = setup()
    repo.erase("acme", "iv-1")
    with pytest.raises(PortalError) as exc:
        submit(repo, store)
    assert exc.value.code == "INTERVIEW_NOT_FOUND"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\x00\x00\x20ftypisom",  # an MP4's first bytes
        b'{"type": "something-else", "text": "hi"}',
        json.dumps(
            {
                "type": TEXT_ANSWER_TYPE,
                "version": 1,
                "question_id": "q1",
                "text": " ",
                "sha256": "x",
                "submitted_at": NOW.isoformat(),
            }
        ).encode(),
        b"{not json",
    ],
)
def test_only_a_valid_text_answer_document_is_recognised_as_one(data: bytes) -> None:
    assert parse_text_answer(data) is None


def test_a_text_answer_becomes_a_transcript_without_a_clock() -> None:
    repo, store = setup()
    submit(repo, store)
    source = ObjectLocation(bucket=BUCKET, key=text_answer_key("acme", "iv-1", "q1"))
    out = ObjectLocation(bucket="artifacts", key="acme/iv-1/q1/transcript.json")
    summary = transcribe_text(source, out, store)
    transcript = store.get_json(out)
    assert transcript["text"] == ANSWER and transcript["language"] == "zh"
    assert transcript["segments"][0]["words"] == [] and transcript["duration_s"] == 0.0
    assert summary.characters == len(ANSWER) and summary.model.name == "text-answer"
    english = parse_text_answer(store.objects[(BUCKET, source.key)])
    assert english is not None
    assert (
        text_transcript(english.model_copy(update={"text": "I listened first, then I checked."})).language
        == "en"
    )


def test_transcribing_an_object_that_is_not_a_text_answer_fails_clearly() -> None:
    store = FakeObjectStore({(BUCKET, "uploads/acme/iv-1/q1.json"): b'{"type": "x"}'})
    with pytest.raises(Exception, match="not a valid text answer"):
        transcribe_text(
            ObjectLocation(bucket=BUCKET, key="uploads/acme/iv-1/q1.json"),
            ObjectLocation(bucket="a", key="t.json"),
            store,
        )
    with pytest.raises(NotFound):
        transcribe_text(
            ObjectLocation(bucket=BUCKET, key="missing.json"), ObjectLocation(bucket="a", key="t.json"), store
        )


def test_probe_media_routes_a_text_answer_past_transcription_and_still_probes_media() -> None:
    from jiping.domain.models import UploadRef
    from jiping.settings import ProbeSettings
    from jiping.workflow.stages import probe_upload

    repo, store = setup()
    submit(repo, store)
    key = text_answer_key("acme", "iv-1", "q1")
    ref = UploadRef(bucket=BUCKET, key=key, size=len(store.objects[(BUCKET, key)]))
    result = probe_upload(ref, ProbeSettings(), store)
    assert result.accepted and result.route == "text" and result.audio is None and result.video is None
    store.objects[(BUCKET, "uploads/acme/iv-1/q2.json")] = (
        b'{"type": "jiping.perception.text-answer", "text": ""}'
    )
    bad = probe_upload(
        UploadRef(bucket=BUCKET, key="uploads/acme/iv-1/q2.json", size=40), ProbeSettings(), store
    )
    assert not bad.accepted and bad.reason_code is not None and bad.route != "text"
