"""The candidate side's rules (jiping.portal.candidates): links open once, takes and lengths are bounded by the
profile, feedback is in plain words without scores or comparisons, practice stays apart, the sweep reminds
only those who have not finished."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from jiping.adapters.dynamo.interviews import InterviewItem, _fill
from jiping.domain.errors import PortalError
from jiping.domain.models import Interview, InterviewStatus, MediaRecord, Question, StatusChange
from jiping.domain.profiles import JobProfile, ProfileError, bundled_profiles, profile_from_text
from jiping.portal import candidates
from jiping.portal.candidates import (
    CONSENT_VERSION,
    CandidateOptions,
    Due,
    InvitationIn,
    LinkRecord,
    PracticeIn,
    UploadIn,
)

from tests.unit.conftest import FakeInterviewRepository

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
T = "acme"


class MemoryLinks:
    def __init__(self) -> None:
        self.records: dict[str, LinkRecord] = {}
        self.dues: dict[str, Due] = {}
        self.tenant: dict[str, CandidateOptions] = {}

    def put(self, record: LinkRecord) -> None:
        self.records[f"{record.kind}#{record.token_sha256}"] = record

    def get(self, kind: str, token_sha256: str) -> LinkRecord | None:
        found = self.records.get(f"{kind}#{token_sha256}")
        return found.model_copy() if found else None

    def claim(self, token_sha256: str, now: datetime) -> bool:
        found = self.records.get(f"link#{token_sha256}")
        if found is None or found.used_at is not None or now >= found.expires_at:
            return False
        found.used_at = now
        return True

    def options(self, tenant_id: str) -> CandidateOptions:
        return self.tenant.get(tenant_id, CandidateOptions())

    def put_options(self, tenant_id: str, options: CandidateOptions) -> None:
        self.tenant[tenant_id] = options

    def schedule(self, due: Due) -> None:
        self.dues[f"{due.kind}#{due.tenant_id}#{due.interview_id}"] = due

    def due(self, now: datetime, limit: int) -> list[Due]:
        return [d for d in self.dues.values() if d.due_at <= now][:limit]

    def done(self, due: Due) -> None:
        self.dues.pop(f"{due.kind}#{due.tenant_id}#{due.interview_id}", None)


class Presigner:
    def __init__(self) -> None:
        self.forms: list[tuple[str, str, int]] = []

    def post_form(
        self, bucket: str, key: str, content_type: str, max_bytes: int, expires_in: int
    ) -> dict[str, Any]:
        self.forms.append((key, content_type, max_bytes))
        return {"url": f"https://{bucket}.s3.amazonaws.com/", "fields": {"key": key}}

    def get_url(self, bucket: str, key: str, expires_in: int) -> str:
        return ""


@pytest.fixture
def profile() -> JobProfile:
    return bundled_profiles()["customer-service"]


def _interview(repo: FakeInterviewRepository, interview_id: str = "iv-1", **extra: Any) -> None:
    repo.rows[(T, interview_id)] = Interview(
        tenant_id=T,
        interview_id=interview_id,
        job_id="customer-service",
        job_version=1,
        questions=[
            Question(question_id="difficult_customer", media_id="difficult_customer"),
            Question(question_id="under_pressure", text="自定义题面", media_id="under_pressure"),
        ],
        status=InterviewStatus.CREATED,
        created_at=NOW,
        updated_at=NOW,
        status_history=[StatusChange(status=InterviewStatus.CREATED, at=NOW)],
        **extra,
    )


def _invited(repo: FakeInterviewRepository, links: MemoryLinks, profile: JobProfile, hours: int = 72) -> str:
    _interview(repo)
    token, _ = candidates.invite(repo, links, profile, T, "iv-1", InvitationIn(expires_in_hours=hours), NOW)
    return token


def _code(exc: pytest.ExceptionInfo[PortalError]) -> str:
    return exc.value.code


def test_a_link_opens_one_session_and_only_its_hash_is_stored(repo: FakeInterviewRepository, profile) -> None:
    links = MemoryLinks()
    token = _invited(repo, links, profile)
    assert not any(token in key for key in links.records)  # the token itself is nowhere
    session, opened = candidates.open_session(links, token, NOW + timedelta(minutes=1))
    assert (opened.tenant_id, opened.interview_id) == (T, "iv-1")
    assert candidates.session_of(links, f"Bearer {session}", NOW).interview_id == "iv-1"
    with pytest.raises(PortalError) as used:
        candidates.open_session(links, token, NOW + timedelta(minutes=2))
    assert _code(used) == "LINK_USED" and used.value.status == 410
    with pytest.raises(PortalError) as wrong:
        candidates.open_session(links, token[:-1] + ("A" if token[-1] != "A" else "B"), NOW)
    assert _code(wrong) == "LINK_INVALID" and wrong.value.status == 404
    with pytest.raises(PortalError) as forged:
        candidates.session_of(links, "Bearer jc_" + "x" * 43, NOW)
    assert _code(forged) == "SESSION_INVALID"


def test_an_expired_link_says_so_and_opens_nothing(repo: FakeInterviewRepository, profile) -> None:
    links = MemoryLinks()
    token = _invited(repo, links, profile, hours=1)
    with pytest.raises(PortalError) as expired:
        candidates.open_session(links, token, NOW + timedelta(hours=1, seconds=1))
    assert _code(expired) == "LINK_EXPIRED"
    assert not any(r.kind == "session" for r in links.records.values())


def test_the_invitation_copies_the_profile_settings_and_schedules_a_reminder(
    repo: FakeInterviewRepository, profile
) -> None:
    links = MemoryLinks()
    _invited(repo, links, profile)
    side = repo.stored(T, "iv-1").candidate
    assert side is not None and side.language == "zh" and side.job_title == profile.title
    pressure = side.question("under_pressure")
    assert pressure is not None and pressure.text_allowed and pressure.max_seconds == 150
    assert side.question("difficult_customer").text_allowed is False  # type: ignore[union-attr]
    questions = {q.question_id: q.text for q in repo.stored(T, "iv-1").questions}
    assert questions == {
        "difficult_customer": "请讲一次你处理难缠客户的经历。",
        "under_pressure": "自定义题面",
    }
    (reminder,) = links.dues.values()
    assert reminder.kind == "remind" and reminder.due_at == NOW + timedelta(hours=48)


def test_takes_are_bounded_by_the_profile_and_need_audio_consent(
    repo: FakeInterviewRepository, profile
) -> None:
    links = MemoryLinks()
    _invited(repo, links, profile)
    with pytest.raises(PortalError) as no_consent:
        candidates.start_take(repo, T, "iv-1", "difficult_customer", NOW)
    assert _code(no_consent) == "CONSENT_REQUIRED"
    candidates.give_consent(repo, T, "iv-1", True, False, CONSENT_VERSION, NOW)
    assert candidates.start_take(repo, T, "iv-1", "difficult_customer", NOW) == (1, 1)
    assert candidates.start_take(repo, T, "iv-1", "difficult_customer", NOW) == (2, 0)
    with pytest.raises(PortalError) as limit:
        candidates.start_take(repo, T, "iv-1", "difficult_customer", NOW)
    assert _code(limit) == "RERECORD_LIMIT" and limit.value.status == 409


def test_consent_is_separate_and_versioned(repo: FakeInterviewRepository, profile) -> None:
    links = MemoryLinks()
    _invited(repo, links, profile)
    with pytest.raises(PortalError) as old:
        candidates.give_consent(repo, T, "iv-1", True, True, "candidate-2020-01", NOW)
    assert _code(old) == "CONSENT_VERSION"
    with pytest.raises(PortalError) as nothing:  # difficult_customer takes no written answer
        candidates.give_consent(repo, T, "iv-1", False, False, CONSENT_VERSION, NOW)
    assert _code(nothing) == "CONSENT_REQUIRED"
    done = candidates.give_consent(repo, T, "iv-1", True, False, CONSENT_VERSION, NOW)
    assert done.consent is not None and done.consent["audio"] is True and done.consent["biometric"] is False


def test_an_upload_form_is_bounded_by_the_question_and_the_consent(
    repo: FakeInterviewRepository, profile
) -> None:
    links, presigner = MemoryLinks(), Presigner()
    _invited(repo, links, profile)
    candidates.give_consent(repo, T, "iv-1", True, False, CONSENT_VERSION, NOW)

    def form(question: str, content_type: str, seconds: float) -> Any:
        return candidates.upload_form(
            repo,
            presigner,
            "up",
            T,
            "iv-1",
            question,
            UploadIn(content_type=content_type, seconds=seconds),
            NOW,
        )

    with pytest.raises(PortalError) as no_take:
        form("difficult_customer", "audio/webm", 10)
    assert _code(no_take) == "NO_TAKE"
    candidates.start_take(repo, T, "iv-1", "difficult_customer", NOW)
    with pytest.raises(PortalError) as video:
        form("difficult_customer", "video/webm;codecs=vp8,opus", 10)
    assert _code(video) == "VIDEO_NOT_CONSENTED"
    with pytest.raises(PortalError) as long:
        form("difficult_customer", "audio/webm", 180 + candidates.DURATION_GRACE_S + 0.5)
    assert _code(long) == "TOO_LONG" and long.value.status == 422
    with pytest.raises(PortalError) as kind:
        form("difficult_customer", "application/pdf", 10)
    assert _code(kind) == "UNSUPPORTED_TYPE"
    made = form("difficult_customer", "audio/webm;codecs=opus", 100)
    key, content_type, max_bytes = presigner.forms[-1]
    assert key == f"uploads/{T}/iv-1/difficult_customer.weba" and content_type == "audio/webm"
    # the byte limit follows the question's seconds: a recording far longer than allowed cannot be stored
    assert made.max_bytes == max_bytes < (180 * 3) * candidates.AUDIO_BYTES_PER_S
    with pytest.raises(PortalError) as late:
        candidates.upload_form(
            repo, presigner, "up", T, "iv-1", "difficult_customer",
            UploadIn(content_type="audio/webm", seconds=10), NOW + timedelta(hours=73),
        )  # fmt: skip
    assert _code(late) == "DEADLINE_PASSED" and late.value.status == 410


def test_one_way_per_question_and_text_only_where_allowed(repo: FakeInterviewRepository, profile) -> None:
    links = MemoryLinks()
    _invited(repo, links, profile)
    with pytest.raises(PortalError) as not_allowed:
        candidates.check_text_answer(repo, T, "iv-1", "difficult_customer", NOW)
    assert _code(not_allowed) == "TEXT_NOT_ALLOWED" and not_allowed.value.status == 422
    candidates.check_text_answer(repo, T, "iv-1", "under_pressure", NOW)
    candidates.mark_submitted(repo, T, "iv-1", "under_pressure", "text", NOW)
    with pytest.raises(PortalError) as again:
        candidates.check_text_answer(repo, T, "iv-1", "under_pressure", NOW)
    assert _code(again) == "ANSWER_EXISTS"
    view = candidates.candidate_view(repo.stored(T, "iv-1"), None)
    assert view.stage == "in_progress" and [q.answered for q in view.questions] == [False, True]
    with pytest.raises(PortalError) as no_take:
        candidates.mark_submitted(repo, T, "iv-1", "difficult_customer", "recording", NOW)
    assert _code(no_take) == "NO_TAKE"


def test_the_view_says_invited_in_progress_completed_from_what_was_handed_in(
    repo: FakeInterviewRepository, profile
) -> None:
    links = MemoryLinks()
    _invited(repo, links, profile)
    assert candidates.candidate_view(repo.stored(T, "iv-1"), None).stage == "invited"
    candidates.give_consent(repo, T, "iv-1", True, False, CONSENT_VERSION, NOW)
    assert candidates.candidate_view(repo.stored(T, "iv-1"), None).stage == "in_progress"
    row = repo.stored(T, "iv-1")
    row.media["difficult_customer"] = MediaRecord(
        media_id="difficult_customer",
        status=InterviewStatus.TRANSCRIBED,
        key="k",
        questions=["difficult_customer"],
        updated_at=NOW,
    )
    repo.rows[(T, "iv-1")] = row
    candidates.mark_submitted(repo, T, "iv-1", "under_pressure", "text", NOW)
    view = candidates.candidate_view(repo.stored(T, "iv-1"), None)
    assert view.stage == "completed" and view.result == "pending"


RESULT = {
    "overall_score": 71.3,
    "competencies": [
        {
            "name": "情绪管理",
            "assessed": True,
            "strengths": [{"level": 3, "text": "保持冷静并安抚客户", "quote": "我先让客户把话说完"}],
            "gaps": [{"level": 5, "text": "事后复盘并改进流程"}],
        },
        {
            "name": "沟通表达",
            "assessed": True,
            "strengths": [],
            "gaps": [{"level": 3, "text": "用客户听得懂的话解释"}],
        },
        {"name": "客户导向", "assessed": False, "strengths": [], "gaps": []},
    ],
}


def test_feedback_names_strengths_and_development_points_in_plain_words_without_a_score() -> None:
    feedback = candidates.feedback_from_result(RESULT, "zh", include_score=False)
    assert [(i.competency, i.kind) for i in feedback.items] == [
        ("情绪管理", "strength"),
        ("情绪管理", "development"),
        ("沟通表达", "development"),
    ]
    assert "保持冷静并安抚客户" in feedback.items[0].text and feedback.overall_score is None
    text = candidates.feedback_text(feedback, "zh")
    assert "71" not in text and "排名" not in text and "其他" not in text
    scored = candidates.feedback_from_result(RESULT, "en", include_score=True)
    assert scored.overall_score == 71.3 and scored.items[0].text.startswith("Your answers showed")


def test_practice_questions_must_not_be_the_real_ones(profile) -> None:
    document = profile.model_dump(mode="json", exclude_none=True)
    document["practice_questions"] = [dict(document["questions"][0], id="p1")]  # the real text again
    with pytest.raises(ProfileError, match="repeats a real question"):
        profile_from_text(__import__("json").dumps(document), "json")


def test_a_practice_interview_stays_out_of_the_talent_pool_and_is_purged(
    repo: FakeInterviewRepository, profile
) -> None:
    links = MemoryLinks()
    links.put_options(T, CandidateOptions(practice_retention_days=3))
    token, practice = candidates.practice_interview(
        repo,
        links,
        profile,
        T,
        PracticeIn(job_id=profile.id, job_version=1, candidate_ref="c-9", expires_in_hours=96),
        NOW,
    )
    assert practice.practice and [q.question_id for q in practice.questions] == ["practice_teamwork"]
    assert practice.expires_at == NOW + timedelta(days=3)
    # its link ends with the interview (3 days), however long the portal asked for (96 h)
    (link,) = [r for r in links.records.values() if r.kind == "link"]
    assert link.expires_at == NOW + timedelta(days=3) and links.claim(link.token_sha256, NOW)
    assert [d.kind for d in links.dues.values()] == ["purge"]  # no reminder for practice
    scored = repo.stored(T, practice.interview_id)
    scored.status, scored.overall_score = InterviewStatus.SCORED, 90.0
    stored = InterviewItem(T, practice.interview_id)
    _fill(stored, scored)  # the row as written: in neither job index, so in no pool and no analytics
    assert stored.pool_key is None and stored.job_key is None
    deleted: list[str] = []

    class Objects:
        def delete_prefix(self, bucket: str, prefix: str) -> int:
            deleted.append(f"{bucket}:{prefix}")
            return 1

    early = candidates.sweep(
        links, repo, now=NOW + timedelta(days=2), remind=None, objects=Objects(),
        uploads_bucket="up", artifacts_bucket="art", erase=repo.erase,
    )  # fmt: skip
    assert early.purged == 0 and repo.get(T, practice.interview_id) is not None
    done = candidates.sweep(
        links, repo, now=NOW + timedelta(days=3), remind=None, objects=Objects(),
        uploads_bucket="up", artifacts_bucket="art", erase=repo.erase,
    )  # fmt: skip
    assert done.purged == 1 and repo.get(T, practice.interview_id) is None
    assert deleted == [f"up:uploads/{T}/{practice.interview_id}/", f"art:{T}/{practice.interview_id}/"]
    assert token  # the link was made (and its interview is gone now)


def test_the_sweep_reminds_only_candidates_who_have_not_finished(
    repo: FakeInterviewRepository, profile
) -> None:
    links = MemoryLinks()
    _invited(repo, links, profile)
    _interview(repo, "iv-2")
    candidates.invite(repo, links, profile, T, "iv-2", InvitationIn(), NOW)
    for q in ("difficult_customer", "under_pressure"):  # iv-2 is finished
        row = repo.stored(T, "iv-2")
        assert row.candidate is not None
        row.candidate.submitted[q] = "text"
        repo.rows[(T, "iv-2")] = row
    told: list[tuple[str, str]] = []

    class Wecom:
        def tell_candidate(self, interview: Interview, message_id: str, text: str) -> None:
            told.append((interview.interview_id, text))

    report = candidates.sweep(
        links, repo, now=NOW + timedelta(hours=49), remind=Wecom(), objects=None,  # type: ignore[arg-type]
        uploads_bucket="up", artifacts_bucket="art", erase=repo.erase,
    )  # fmt: skip
    assert (report.reminded, report.not_reminded) == (1, 1)
    assert told[0][0] == "iv-1" and "截止" in told[0][1] and "/c/" not in told[0][1]  # no link in a reminder
    assert links.dues == {}
