"""The candidate's side end to end, in a real browser (issue 17): Debian's Chromium, driven by Playwright with a
fake microphone playing a spoken answer, against the local API and workflow as ``jiping serve`` runs them.

One invited interview: the link opens the page, the candidate consents to audio only (video refused),
records two answers, writes a third, and reads the feedback once the workflow has scored it; no frame was
analysed. Then the used link, a wrong link and a practice interview (which leaves no trace in the talent
pool, analytics or the bus)."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from jiping import bootstrap
from jiping.domain.models import InterviewStatus
from jiping.domain.profiles import bundled_profiles
from jiping.portal.interviews import SCOPES, mint_key

from infra import constants
from infra.localcloud.api_gateway import LocalApi
from tests.conftest import REPO, SAMPLE_MEDIA, delivered_events
from tests.e2e.conftest import hanzi, interview_row

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
TENANT = "cand-e2e"
SHOTS = REPO / "docs" / "candidate"
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server(cloud: Any) -> Iterator[str]:
    """The API, the upload door and the candidate page on one local origin, as ``jiping serve`` serves them."""
    httpd: WSGIServer = make_server("127.0.0.1", 0, LocalApi(cloud).wsgi, handler_class=_Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def portal(cloud: Any, server: str) -> Any:
    """The HR portal's calls (an API key of every scope for the test tenant)."""
    import httpx

    key = mint_key(bootstrap.api_key_store(cloud.outputs[constants.OUTPUT_API_KEYS_TABLE]), TENANT, SCOPES)
    client = httpx.Client(base_url=server, headers={"Authorization": f"Bearer {key}"}, timeout=60)
    profile = bundled_profiles()["customer-service"].model_dump(mode="json", exclude_none=True)
    for q in profile["questions"]:  # short answers: the fake microphone plays a 12 s answer
        q["max_seconds"] = 20
    profile["practice_questions"][0]["max_seconds"] = 20
    assert client.post("/v1/profiles", json=profile).status_code in (201, 409)
    assert client.put("/v1/settings/candidates", json={"feedback": True}).status_code == 200
    return client


@pytest.fixture(scope="module")
def microphone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample interview's spoken Chinese answer as the WAV file Chromium's fake microphone plays."""
    import av

    out = tmp_path_factory.mktemp("media") / "answer.wav"
    with av.open(str(SAMPLE_MEDIA / "q1_zh.mp4")) as src, av.open(str(out), "w") as dst:
        stream = dst.add_stream("pcm_s16le", rate=48000, layout="mono")
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
        for frame in src.decode(audio=0):
            for chunk in resampler.resample(frame):
                for packet in stream.encode(chunk):
                    dst.mux(packet)
        for packet in stream.encode(None):
            dst.mux(packet)
    return out


@pytest.fixture(scope="module")
def browser(microphone: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-audio-capture={microphone}",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield chromium
        chromium.close()


def _shoot(page: Any, name: str) -> None:
    if os.environ.get("JIPING_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"))


def _invite(portal: Any, interview_id: str) -> str:
    created = portal.post(
        "/v1/interviews",
        json={
            "interview_id": interview_id,
            "candidate_ref": f"cand-{interview_id}",
            "job_id": "customer-service",
            "job_version": 1,
            "questions": [
                {"question_id": "difficult_customer", "content_type": "audio/webm"},
                {"question_id": "explain_policy", "content_type": "audio/webm"},
                {"question_id": "under_pressure"},
            ],
            "wecom": {"hr_user_ids": ["hr-wang"], "candidate_external_userid": f"wm-{interview_id}"},
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["uploads"] == []  # no consent yet: the candidate page asks for it
    invited = portal.post(f"/v1/interviews/{interview_id}/invitations", json={"expires_in_hours": 48})
    assert invited.status_code == 201, invited.text
    body = invited.json()
    assert body["wecom"]["status"] == "sent"  # to the candidate's WeCom contact; the link is returned too
    return str(body["url"])


def _told(cloud: Any, contact: str) -> list[str]:
    """What the candidate (a WeCom external contact) was sent, oldest first."""
    return [
        m["text"]["content"]
        for m in list(cloud.wecom.messages)
        if m["api"] == "externalcontact/add_msg_template" and m["external_userid"] == [contact]
    ]


def _record(page: Any, seconds: float) -> None:
    """Record one answer with the fake microphone and hand it in."""
    if page.locator("#start-answer").count():  # the thinking time, skipped
        page.click("#start-answer")
    page.click("#record")
    page.wait_for_timeout(int(seconds * 1000))
    page.click("#stop")
    page.wait_for_selector("#playback")
    page.click("#submit-recording")


def _wait_for(predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def test_an_invited_candidate_answers_by_voice_and_in_writing_and_reads_the_feedback(
    cloud: Any, server: str, portal: Any, browser: Any
) -> None:
    url = _invite(portal, "cp-1")
    context = browser.new_context(**PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("[data-screen=welcome]")
    assert page.inner_text("#job-title") == bundled_profiles()["customer-service"].title
    _shoot(page, "zh-phone-welcome-live")
    if page.locator("#start").count():
        page.click("#start")
    page.wait_for_selector("[data-screen=consent]")
    page.check("#consent-audio")
    assert not page.is_checked("#consent-video")  # video analysis is refused: audio only
    page.click("#consent-submit")

    for question, after in (("difficult_customer", "explain_policy"), ("explain_policy", "under_pressure")):
        page.wait_for_selector(f"[data-screen=question][data-question={question}] #record")
        _record(page, 13)
        page.wait_for_selector(f"[data-screen=question][data-question={after}]", timeout=120_000)
    if page.locator("#start-answer").count():
        page.click("#start-answer")
    if not page.locator("#text-answer").count():  # the question takes a recording or a written answer
        page.click("#use-text")
    page.fill(
        "#text-answer",
        "去年双十一我一个人负责三百多个工单，我先按紧急程度排好顺序，每处理完一单就记下结果，"
        "遇到情绪激动的客户先让他把话说完，再给出明确的处理时间，最后那周的满意度没有下降。",
    )
    page.click("#submit-text")
    page.wait_for_selector("[data-screen=done]")

    row = _wait_for(
        lambda: (r := interview_row(cloud, TENANT, "cp-1")).status is InterviewStatus.SCORED and r,
        600,
        "the interview to be scored",
    )
    assert row.consent is not None and row.consent["biometric"] is False and row.consent["audio"] is True
    assert row.candidate is not None and row.candidate.submitted == {
        "difficult_customer": "recording",
        "explain_policy": "recording",
        "under_pressure": "text",
    }
    # video was refused: no frame of any answer was analysed
    s3 = cloud.client("s3")
    document = json.loads(
        s3.get_object(Bucket=cloud.outputs[constants.OUTPUT_ARTIFACTS_BUCKET], Key=row.result_key)[
            "Body"
        ].read()
    )
    assert {q["question_id"] for q in document["questions"]} == {
        "difficult_customer",
        "explain_policy",
        "under_pressure",
    }
    assert all(not q["signals"]["vision"] and not q["timeline"] for q in document["questions"])
    spoken = [q for q in document["questions"] if q["question_id"] != "under_pressure"]
    for q in spoken:  # the recordings reached the workflow whole: the spoken answer, transcribed
        assert q["transcript"]["segments"][-1]["end"] > 8 and len(hanzi(q["transcript"]["text"])) > 20

    page.wait_for_selector("#feedback", timeout=60_000)
    shown = page.inner_text("#feedback")
    names = [c["name"] for c in document["competencies"] if c.get("strengths") or c.get("gaps")]
    assert names and all(name in shown for name in names)
    # the same feedback in WeCom (the tenant opted in), after the invitation with its link
    invitation, *later = _wait_for(
        lambda: len(_told(cloud, "wm-cp-1")) >= 2 and _told(cloud, "wm-cp-1"), 120, "WeCom"
    )
    assert url.rsplit("/", 1)[1] in invitation and "共 3 题" in invitation
    (feedback,) = later
    assert feedback.startswith("您的面试反馈") and all(name in feedback for name in names)
    assert "总分" not in feedback and "/100" not in feedback  # no score: the tenant did not opt in to it
    assert page.locator("#overall-score").count() == 0  # the tenant did not opt in to scores
    _shoot(page, "zh-phone-feedback-live")

    # the link was used: opening it again (another device) says so, as a page
    other = browser.new_context(**PHONE).new_page()
    other.goto(url)
    other.wait_for_selector("[data-screen=error][data-code=LINK_USED]")
    other.goto(url.rsplit("/", 1)[0] + "/not-a-real-token-0123456789")
    other.wait_for_selector("[data-screen=error][data-code=LINK_INVALID]")
    other.context.close()

    # the candidate asks for a human review from the same page
    page.fill("#review-reason", "我希望有人再看一下我的第二题")
    page.click("#review-submit")
    page.wait_for_selector("#review-status")
    assert interview_row(cloud, TENANT, "cp-1").human_review is not None
    context.close()


def test_a_practice_interview_gets_feedback_and_leaves_no_trace(
    cloud: Any, server: str, portal: Any, browser: Any
) -> None:
    made = portal.post(
        "/v1/practice-interviews",
        json={
            "job_id": "customer-service",
            "job_version": 1,
            "candidate_ref": "cand-practice",
            "wecom": {"hr_user_ids": ["hr-wang"], "candidate_external_userid": "wm-practice"},
        },
    )
    assert made.status_code == 201, made.text
    practice_id, url = made.json()["interview_id"], made.json()["url"]
    page = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN").new_page()
    page.goto(url)
    page.wait_for_selector("#practice-badge")
    if page.locator("#start").count():
        page.click("#start")
    page.wait_for_selector("[data-screen=consent]")
    page.check("#consent-audio")
    page.click("#consent-submit")
    page.wait_for_selector("[data-screen=question]")
    if page.locator("#start-answer").count():
        page.click("#start-answer")
    if page.locator("#use-text").count():
        page.click("#use-text")
    page.fill(
        "#text-answer",
        "上次系统故障，我和技术同事分工：我安抚客户并记录问题，他排查原因。我们每半小时同步一次，"
        "两小时内恢复了服务，之后我整理了常见问题的答复模板给团队使用。",
    )
    page.click("#submit-text")
    page.wait_for_selector("#feedback", timeout=600_000)
    assert page.locator("#feedback li, #feedback .item").count() >= 1
    assert page.locator("#review").count() == 0  # a practice result is the candidate's own: no review
    _shoot(page, "zh-desktop-practice-feedback-live")

    row = interview_row(cloud, TENANT, practice_id)
    assert row.practice and row.status is InterviewStatus.SCORED and row.expires_at is not None
    # never in the talent pool ...
    pool = portal.get("/v1/jobs/customer-service/interviews").json()
    assert practice_id not in {e["interview_id"] for e in pool["items"]}
    # ... nor in analytics (the ScoredByJob index they read) ...
    scored = bootstrap.interview_repository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE]).list_scored(
        TENANT, "customer-service"
    )
    assert practice_id not in {i.interview_id for i in scored}
    # ... nor on the bus (webhooks and HR notices are fed from it): HR is never told
    assert delivered_events(cloud, practice_id) == []
    assert not [m for m in cloud.wecom.messages if practice_id in json.dumps(m, ensure_ascii=False)]
    (invitation,) = _told(cloud, "wm-practice")  # the candidate got the practice link, nothing else
    assert "模拟面试" in invitation
    page.context.close()
