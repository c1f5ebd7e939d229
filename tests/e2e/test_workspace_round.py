"""The HR workspace's round end to end, in a real browser (issue 18): Debian's Chromium driven by Playwright against
the local API as ``jiping serve`` serves it, with the WeCom stand-in for sign-in (企业微信网页授权) and the card.

HR (张三) signs in through WeCom OAuth, opens a job with scored interviews, reads the distribution and pushes the
top 30 % to a hiring manager. The manager (李四, a second WeCom user, inside WeCom) opens the card's link, is
signed in silently, sees only the pushed candidates, plays a quote's moment in the recording, comments and
advances one; a candidate not pushed to them stays out of reach. The audit log names both by their user ids."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest
from jiping import bootstrap
from jiping.domain.models import InterviewStatus, MediaRecord, utcnow
from jiping.domain.profiles import bundled_profiles
from jiping.portal.interviews import SCOPES, mint_key

from infra import constants
from infra.localcloud.api_gateway import LocalApi
from tests.conftest import SAMPLE_MEDIA
from tests.support.results import sample_result

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
TENANT = "ws-e2e"
IN_WECOM = (  # WeCom's in-app browser announces itself: the page signs in without showing its login
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile "
    "Safari/537.36 wxwork/4.1.30 MicroMessenger/7.0.1 Language/zh"
)
SCORES = [
    (91.0, "advance"),
    (86.5, "advance"),
    (79.0, "advance"),
    (71.0, "review"),
    (66.0, "review"),
    (58.5, "decline"),
    (52.0, "decline"),
    (47.0, "decline"),
    (38.0, "decline"),
    (24.5, "decline"),
]


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server(cloud: Any) -> Iterator[str]:
    """The API, the pages and the S3 door on one local origin, as ``jiping serve`` serves them; the workspace
    knows its address (WeCom returns there, and the card links to it)."""
    httpd: WSGIServer = make_server("127.0.0.1", 0, LocalApi(cloud).wsgi, handler_class=_Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_port}"
    with cloud.function_overrides("WorkspaceApi", {"WORKSPACE_BASE_URL": url}):
        yield url
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def admin(cloud: Any, server: str) -> httpx.Client:
    key = mint_key(bootstrap.api_key_store(cloud.outputs[constants.OUTPUT_API_KEYS_TABLE]), TENANT, SCOPES)
    client = httpx.Client(base_url=server, headers={"Authorization": f"Bearer {key}"}, timeout=60)
    profile = bundled_profiles()["customer-service"].model_dump(mode="json", exclude_none=True)
    assert client.post("/v1/profiles", json=profile).status_code in (201, 409)
    for user, role, name in (("zhangsan", "hr", "张三"), ("lisi", "manager", "李四")):
        assert (
            client.put(f"/v1/workspace-members/wecom/{user}", json={"role": role, "name": name}).status_code
            == 200
        )
    return client


@pytest.fixture(scope="module")
def job(cloud: Any, admin: httpx.Client) -> list[str]:
    """Ten interviews of the job, scored (their result documents as the Score stage writes them); each has its
    answer's recording in the uploads bucket, as the candidate page left it."""
    s3, buckets = cloud.client("s3"), cloud.outputs
    repo = bootstrap.interview_repository(buckets[constants.OUTPUT_INTERVIEWS_TABLE])
    recording = (SAMPLE_MEDIA / "q1_zh.mp4").read_bytes()
    # the recordings were uploaded (and evaluated) before: no new evaluation starts for them here. The uploads
    # bucket's notification is the stack's EventBridge one (moto's GET does not show it): off, then on again.
    s3.put_bucket_notification_configuration(Bucket=cloud.uploads_bucket, NotificationConfiguration={})
    made = []
    try:
        for n, (score, rec) in enumerate(SCORES):
            interview_id = f"iv-round-{n}"
            body = {
                "interview_id": interview_id,
                "candidate_ref": f"C-2026-{n:04d}",
                "job_id": "customer-service",
                "job_version": 1,
                "questions": [{"question_id": "difficult_customer"}, {"question_id": "under_pressure"}],
            }
            assert admin.post("/v1/interviews", json=body).status_code == 201
            key = f"{constants.UPLOADS_PREFIX}{TENANT}/{interview_id}/difficult_customer.mp4"
            s3.put_object(Bucket=cloud.uploads_bucket, Key=key, Body=recording, ContentType="video/mp4")
            result = sample_result(interview_id, overall_score=score, recommendation=rec, tenant_id=TENANT)
            result_key = f"{TENANT}/{interview_id}/result.json"
            s3.put_object(
                Bucket=buckets[constants.OUTPUT_ARTIFACTS_BUCKET],
                Key=result_key,
                Body=json.dumps(result).encode(),
            )

            def scored(
                current: Any, key: str = key, result: dict = result, result_key: str = result_key
            ) -> Any:
                now = utcnow()
                current.status, current.scored_at, current.result_key = (
                    InterviewStatus.SCORED,
                    now,
                    result_key,
                )
                current.overall_score, current.recommendation = (
                    result["overall_score"],
                    result["recommendation"],
                )
                current.competency_scores = {c["id"]: c["score"] for c in result["competencies"]}
                current.media["m-1"] = MediaRecord(
                    media_id="m-1",
                    status=InterviewStatus.SCORED,
                    key=key,
                    questions=["difficult_customer"],
                    updated_at=now,
                )
                return current

            repo.update(TENANT, interview_id, scored)
            made.append(interview_id)
    finally:
        s3.put_bucket_notification_configuration(
            Bucket=cloud.uploads_bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
        )
    return made


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--autoplay-policy=no-user-gesture-required"]
        )
        yield browser
        browser.close()


def signed_in_to_wecom(chromium: Any, cloud: Any, user: str, **options: Any) -> Any:
    """A browser whose WeCom (the stand-in) knows ``user``: what WeCom's sign-in page recognises."""
    context = chromium.new_context(locale="zh-CN", **options)
    origin = cloud.wecom.oauth_url.split("/connect/", 1)[0]
    context.add_cookies([{"name": "wecom_user", "value": user, "url": origin}])
    return context


def test_hr_pushes_the_top_candidates_and_the_manager_reviews_them_in_wecom(
    cloud, server, admin, job, chromium
) -> None:
    from playwright.sync_api import expect

    cloud.wecom.reset()
    errors: list[str] = []
    # --- HR in the browser: sign in through WeCom, the job, the distribution, the push ---------------------------
    hr = signed_in_to_wecom(chromium, cloud, "zhangsan", viewport={"width": 1280, "height": 900})
    page = hr.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/hr/?t={TENANT}")
    page.click(
        "#login-wecom"
    )  # to WeCom's page (the stand-in), which returns at once: 张三 is signed in there
    expect(page.locator("#who")).to_have_text("张三 · HR")
    job_card = page.locator('[data-job="customer-service"]')
    expect(job_card.locator('[data-count="scored"] dd')).to_have_text("10")
    job_card.locator("h2 a").click()
    bars = page.locator("#distribution-chart rect.bar")
    expect(bars).to_have_count(10)
    expect(page.locator('#recommendations [data-rec="advance"]')).to_contain_text("3")
    rows = page.locator("#pool-rows tr")
    expect(rows.first.locator('[data-col="candidate"] a')).to_have_text("C-2026-0000")
    page.select_option("#push-manager", "lisi")
    page.click("#push-submit")
    expect(page.locator("#push-result")).to_contain_text("已推送 3 人。")
    expect(page.locator("#push-result")).to_contain_text("企业微信通知：已发送。")
    hr.close()

    # --- WeCom: the card went to the manager, with the workspace's link ----------------------------------------
    cards = [m for m in cloud.wecom.messages if m["api"] == "message/send"]
    assert [c["touser"] for c in cards] == ["lisi"]
    link = cards[0]["textcard"]["url"]
    assert link == f"{server}/hr/?t={TENANT}" and "3 位候选人" in cards[0]["textcard"]["description"]

    # --- the manager, inside WeCom: silent sign-in, only the pushed, a quote's moment, a comment, a decision --------
    wecom = signed_in_to_wecom(
        chromium, cloud, "lisi", user_agent=IN_WECOM, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = wecom.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(link)
    expect(page.locator("#who")).to_have_text("李四 · 用人经理")
    pushed = page.locator("#pushed > li")
    expect(pushed).to_have_count(3)
    for n in range(3):
        expect(page.locator("#pushed")).to_contain_text(f"C-2026-{n:04d}")
    expect(page.locator("#pushed")).not_to_contain_text("C-2026-0003")
    pushed.first.locator("a").first.click()
    expect(page.locator("#overall-score")).to_contain_text("/ 100")
    quote = page.locator("button.quote").first
    quote.click()
    player = page.locator('video.player[data-question="difficult_customer"]')
    page.wait_for_function(
        "() => { const v = document.querySelector('video.player[data-question=\"difficult_customer\"]');"
        " return v && v.readyState >= 2 && v.currentTime >= 2.0 && v.currentTime < 6.5; }",
        timeout=20_000,
    )
    seconds = player.evaluate("v => v.currentTime")
    assert 2.0 <= seconds < 6.5  # the quote "上个月有位客户……" starts at 2.0 s of the recording
    player.evaluate("v => v.pause()")
    page.fill("#comment-text", "逻辑思维得分高，但缺乏行业经验，建议二次面试重点考察")
    page.click("#comment-submit")
    expect(page.locator("#comments li").last).to_contain_text("李四（用人经理）")
    page.check("#decision-advance")
    page.fill("#decision-form-reason", "安排二面。")
    page.click("#decision-form-submit")
    expect(page.locator("#current-decision")).to_contain_text("李四（用人经理）")
    decided = page.url.rsplit("/", 1)[1]
    # a candidate HR did not push to them: the page cannot open it, the API said it does not exist
    page.goto(f"{server}/hr/interviews/{job[5]}")
    expect(page.locator("h1")).to_have_text("找不到这场面试")
    wecom.close()
    assert errors == []

    # --- the audit log names both people by their ids ----------------------------------------------------------
    audit = admin.get(f"/v1/interviews/{decided}/audit").json()
    kinds = {(r["kind"], r["actor"]) for r in audit}
    assert {
        ("pushed", "user:wecom:zhangsan"),
        ("commented", "user:wecom:lisi"),
        ("decided", "user:wecom:lisi"),
    } <= kinds
    assert decided in job[:3]
