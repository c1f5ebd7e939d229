"""The candidate's recording page (issue 17, ``web/candidate/``) in a real Chromium with a fake camera and
microphone, the way a candidate uses it on a phone.

The page is served by a tiny local server (``/c/assets/*`` from the files, any other ``/c/*`` is index.html,
with a strict Content-Security-Policy like production's); every ``/v1/candidate/*`` call and the upload
form's URL are answered by :class:`FakeCandidateApi` through Playwright's routing, following the contract of
issue 17. With ``JIPING_SCREENSHOTS=1`` the walk-through tests also write the committed screenshots to
``docs/candidate/`` (phone 360×740 and desktop 1280×800, Chinese and English).
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Route, expect

from tests.integration.conftest import CHROMIUM  # and its browser fixture

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "web" / "candidate"
SHOTS = REPO / "docs" / "candidate"
WRITE_SHOTS = os.environ.get("JIPING_SCREENSHOTS") == "1"  # rewrite the committed screenshots

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="the candidate page is tested in Debian's Chromium (/usr/bin/chromium): `make setup` installs it",
)

TOKEN = "tok-Secret-7f3a9c"  # noqa: S105 (a test link token) never to appear in the console
SESSION = "jc_test_session"
CONSENT_VERSION = "candidate-2026-12"
DEADLINE = "2026-12-10T15:59:59+00:00"  # 23:59 in Shanghai, where the browser's clock runs
UPLOAD_PATH = "/upload-target"
UPLOAD_FIELDS = {
    "key": "uploads/iv-1/q1/take",
    "policy": "eyJjb25kaXRpb25zIjpbXX0=",
    "x-amz-algorithm": "AWS4-HMAC-SHA256",
    "x-amz-signature": "0f0f",
}
# The production header, as far as a static file can know it: scripts, styles and API calls from this origin.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob: mediastream:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'none'"
)
DEVICES: dict[str, dict[str, Any]] = {
    "phone": {
        "viewport": {"width": 360, "height": 740},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop": {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1},
}
# Records every getUserMedia call and stream, so a test can see the constraints and that tracks were stopped.
MEDIA_SPY = """
(() => {
  const md = navigator.mediaDevices;
  window.__media = { asked: [], streams: [] };
  if (!md || !md.getUserMedia) return;
  const original = md.getUserMedia.bind(md);
  md.getUserMedia = async (constraints) => {
    window.__media.asked.push(JSON.parse(JSON.stringify(constraints)));
    const stream = await original(constraints);
    window.__media.streams.push(stream);
    return stream;
  };
})();
"""
CAMERA_REFUSED = """
(() => {
  const md = navigator.mediaDevices;
  const inner = md.getUserMedia.bind(md);
  md.getUserMedia = async (constraints) => {
    if (constraints && constraints.video) throw new DOMException("Permission denied", "NotAllowedError");
    return inner(constraints);
  };
})();
"""
NO_MEDIA_RECORDER = "delete window.MediaRecorder;"


# --- the interview the fake API serves ------------------------------------------------------------------------


def question(
    qid: str,
    text: str,
    *,
    max_seconds: int = 120,
    thinking_seconds: int = 0,
    takes_allowed: int = 3,
    text_allowed: bool = False,
) -> dict[str, Any]:
    return {
        "question_id": qid,
        "text": text,
        "max_seconds": max_seconds,
        "thinking_seconds": thinking_seconds,
        "takes_allowed": takes_allowed,
        "takes_used": 0,
        "text_allowed": text_allowed,
        "answered": False,
    }


def interview(
    questions: list[dict[str, Any]], *, language: str = "zh", practice: bool = False
) -> dict[str, Any]:
    return {
        "interview_id": "iv-1",
        "language": language,
        "practice": practice,
        "job_title": "客户服务专员" if language == "zh" else "Customer Service Associate",
        "deadline": DEADLINE,
        "stage": "invited",
        "consent": None,
        "consent_version": CONSENT_VERSION,
        "questions": questions,
        "result": "pending",
        "feedback": None,
        "review_requested": False,
    }


FEEDBACK = {
    "zh": {
        "items": [
            {"competency": "沟通表达", "kind": "strength", "text": "回答结构清楚，先说结论再给出例子。"},
            {
                "competency": "问题解决",
                "kind": "development",
                "text": "可以多说明你如何确认客户的问题已经解决。",
            },
        ],
        "overall_score": 72.5,
    },
    "en": {
        "items": [
            {
                "competency": "Communication",
                "kind": "strength",
                "text": "Clear structure: the answer first, then an example.",
            },
            {
                "competency": "Problem solving",
                "kind": "development",
                "text": "Say more about how you checked that the customer's problem was solved.",
            },
        ],
        "overall_score": 72.5,
    },
}


def error(code: str, message: str = "") -> dict[str, Any]:
    return {"error": {"code": code, "message": message or code.lower().replace("_", " ")}}


@dataclass
class Call:
    method: str
    path: str  # after /v1/candidate/
    body: Any
    authorization: str | None


@dataclass
class Upload:
    fields: list[str]  # the form's field names in order
    filename: str | None
    content_type: str | None
    size: int
    authorization: str | None


class FakeCandidateApi:
    """The candidate API of issue 17 as the page sees it, and the bucket's upload form."""

    def __init__(self, base: str, view: dict[str, Any]) -> None:
        self.base = base
        self.view = view
        self.calls: list[Call] = []
        self.uploads: list[Upload] = []
        self.queued: dict[tuple[str, str], list[tuple[int, Any]]] = {}
        self.upload_statuses: list[int] = []  # the bucket's answers in turn; 204 once they run out
        self.pending_polls = 0  # GETs after the last answer that still say "pending"
        self.feedback: dict[str, Any] | None = FEEDBACK[view["language"]]
        self.uploading: str | None = None

    def queue(self, method: str, path: str, status: int, body: Any) -> None:
        self.queued.setdefault((method, path), []).append((status, body))

    def calls_to(self, method: str, path: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path == path]

    def question(self, qid: str) -> dict[str, Any]:
        return next(q for q in self.view["questions"] if q["question_id"] == qid)

    def handle(self, route: Route, request: Request) -> None:
        path = urlsplit(request.url).path.removeprefix("/v1/candidate/")
        body = json.loads(request.post_data) if request.post_data else None
        self.calls.append(Call(request.method, path, body, request.headers.get("authorization")))
        queued = self.queued.get((request.method, path))
        status, payload = queued.pop(0) if queued else self.answer(request.method, path, body)
        route.fulfill(status=status, content_type="application/json", body=json.dumps(payload))

    def answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:  # one branch a route
        view = self.view
        if (method, path) == ("POST", "sessions"):
            assert body == {"token": TOKEN}
            return 201, {"session": SESSION, "expires_at": "2026-12-08T20:00:00+00:00", "interview": view}
        if (method, path) == ("GET", "interview"):
            if view["stage"] == "completed" and view["result"] == "pending":
                if self.pending_polls > 0:
                    self.pending_polls -= 1
                else:
                    view["result"], view["feedback"] = "scored", self.feedback
            return 200, view
        if (method, path) == ("POST", "consent"):
            view["consent"] = {"audio": body["audio"], "video": body["video"], "version": body["version"]}
            view["stage"] = "in_progress"
            return 200, view
        if (method, path) == ("POST", "review-request"):
            view["review_requested"] = True
            return 202, view
        match = re.fullmatch(r"answers/([^/]+)/(takes|upload|uploaded|text)", path)
        if method == "POST" and match:
            q = self.question(match[1])
            if match[2] == "takes":
                if q["takes_used"] >= q["takes_allowed"]:
                    return 409, error("RERECORD_LIMIT")
                q["takes_used"] += 1
                return 201, {"take": q["takes_used"], "takes_left": q["takes_allowed"] - q["takes_used"]}
            if match[2] == "upload":
                self.uploading = q["question_id"]
                form = {"url": self.base + UPLOAD_PATH, "fields": UPLOAD_FIELDS, "max_bytes": 50_000_000}
                return 201, form | {"expires_in": 3600}
            if match[2] == "uploaded":
                assert q["answered"], "handed in before the bucket took it"
                return 200, view
            self.answered(q)
            return 202, {"question_id": q["question_id"], "characters": len(body["text"])}
        return 404, error("NOT_FOUND")

    def answered(self, q: dict[str, Any]) -> None:
        q["answered"] = True
        if all(item["answered"] for item in self.view["questions"]):
            self.view["stage"] = "completed"

    def handle_upload(self, route: Route, request: Request) -> None:
        raw = request.post_data_buffer or b""
        text = raw.decode("latin-1")
        names = re.findall(r'Content-Disposition: form-data; name="([^"]+)"', text)
        file = re.search(r'name="file"; filename="([^"]*)"\r\nContent-Type: ([^\r\n]+)\r\n\r\n', text)
        size = text.rindex("\r\n--") - file.end() if file else 0
        self.uploads.append(
            Upload(
                names,
                file[1] if file else None,
                file[2] if file else None,
                size,
                request.headers.get("authorization"),
            )
        )
        status = self.upload_statuses.pop(0) if self.upload_statuses else 204
        if 200 <= status < 300 and self.uploading:
            self.answered(self.question(self.uploading))
        route.fulfill(status=status, body="" if status == 204 else "<Error/>")


# --- the page's server and the browser ------------------------------------------------------------------------


class _PageHandler(BaseHTTPRequestHandler):
    TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        file: Path | None = None
        if path.startswith("/c/assets/"):
            name = path.removeprefix("/c/assets/")
            file = WEB / name if name in ("app.js", "app.css") else None
        elif path.startswith("/c/"):
            file = WEB / "index.html"
        if file is None:
            self.send_error(404)
            return
        data = file.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", self.TYPES.get(file.suffix, "text/html; charset=utf-8"))
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PageHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@dataclass
class Tab:
    page: Page
    api: FakeCandidateApi
    url: str

    def open(self) -> None:
        self.page.goto(self.url)

    def screen(self, name: str) -> None:
        expect(self.page.locator(f'[data-screen="{name}"]')).to_be_visible()

    def phase(self, name: str) -> None:
        expect(self.page.locator('[data-screen="question"]')).to_have_attribute("data-phase", name)

    def live_tracks(self) -> int:
        count = self.page.evaluate(
            "window.__media.streams.flatMap((s) => s.getTracks()).filter((t) => t.readyState === 'live').length"
        )
        return int(count)

    def stored_sessions(self) -> dict[str, str]:
        raw = self.page.evaluate("localStorage.getItem('jiping.candidate.sessions')")
        return dict(json.loads(raw)) if raw else {}

    def shoot(self, name: str, *, full_page: bool = False) -> None:
        """A committed screenshot, only with JIPING_SCREENSHOTS=1."""
        if not WRITE_SHOTS:
            return
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(
            path=SHOTS / f"{name}.png", full_page=full_page, animations="disabled", caret="hide"
        )


OpenTab = Callable[..., Tab]


@pytest.fixture
def open_tab(browser: Browser, site: str) -> Iterator[OpenTab]:
    """A fresh browser context (phone by default) on ``/c/TOKEN`` with the fake API routed; after the test,
    no script error, no request to another origin, no Content-Security-Policy refusal, no token in the
    console."""
    contexts = []
    problems: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        if TOKEN in msg.text:
            problems.append(f"the token was logged: {msg.text}")
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            problems.append(f"console error: {msg.text}")

    def on_request(request: Request) -> None:
        if not request.url.startswith((site + "/", "blob:", "data:")):
            problems.append(f"request to another origin: {request.url}")

    def _open(
        view: dict[str, Any],
        *,
        device: str = "phone",
        lang: str | None = None,
        init_scripts: tuple[str, ...] = (),
    ) -> Tab:
        context = browser.new_context(
            **DEVICES[device],
            locale="zh-CN" if view["language"] == "zh" else "en-GB",
            timezone_id="Asia/Shanghai",
        )
        contexts.append(context)
        for script in (*init_scripts, MEDIA_SPY):  # the spy outermost: it sees refused calls too
            context.add_init_script(script)
        page = context.new_page()
        page.set_default_timeout(10_000)
        api = FakeCandidateApi(site, view)
        page.route(f"{site}/v1/candidate/**", api.handle)
        page.route(f"{site}{UPLOAD_PATH}", api.handle_upload)
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on("console", on_console)
        page.on("request", on_request)
        return Tab(page, api, f"{site}/c/{TOKEN}" + (f"?lang={lang}" if lang else ""))

    yield _open
    for context in contexts:
        context.close()
    assert problems == []


def consent_and_first_question(tab: Tab, *, video: bool = False) -> None:
    tab.page.click("#start")
    tab.screen("consent")
    tab.page.check("#consent-audio")
    if video:
        tab.page.check("#consent-video")
    tab.page.click("#consent-submit")
    tab.screen("question")


def record(tab: Tab, seconds: float = 1.2) -> None:
    tab.phase("ready")
    expect(tab.page.locator("#record")).to_be_enabled()
    tab.page.click("#record")
    tab.phase("recording")
    tab.page.wait_for_timeout(seconds * 1000)
    tab.page.click("#stop")
    tab.phase("review")


# --- the tests ------------------------------------------------------------------------------------------------


def test_audio_only_interview_records_one_answer_writes_another_and_shows_the_feedback(
    open_tab: OpenTab,
) -> None:
    # Given an interview of two questions: the first recorded after thinking time, the second may be written
    tab = open_tab(
        interview(
            [
                question("q1", "请介绍一次你处理客户投诉的经历。", thinking_seconds=30),
                question("q2", "你为什么想做客户服务？", max_seconds=90, text_allowed=True),
            ]
        )
    )
    tab.api.pending_polls = 1  # the first look after the last answer still says "pending"
    page = tab.page
    tab.open()

    # the welcome page: the job, the format, the deadline in local time, the stage
    tab.screen("welcome")
    expect(page.locator("h1")).to_have_text("客户服务专员")
    expect(page.locator("#format")).to_have_text("2 个问题，每题最长 2 分钟")
    expect(page.locator("#deadline")).to_contain_text("12月10日")
    expect(page.locator("#deadline")).to_contain_text("23:59")
    expect(page.locator("#stage")).to_have_text("已预约")
    expect(page.locator("#practice-badge")).to_have_count(0)
    assert tab.stored_sessions() == {TOKEN: SESSION}

    # consent: video needs audio first; only audio is given
    page.click("#start")
    tab.screen("consent")
    expect(page.locator("#consent-version")).to_contain_text(CONSENT_VERSION)
    expect(page.locator("#consent-video")).to_be_disabled()
    expect(page.locator("#consent-submit")).to_be_disabled()  # q1 cannot be written: audio is needed
    page.check("#consent-audio")
    expect(page.locator("#consent-video")).to_be_enabled()
    page.click("#consent-submit")
    assert tab.api.calls_to("POST", "consent")[0].body == {
        "audio": True,
        "video": False,
        "version": CONSENT_VERSION,
    }

    # question 1: the thinking time is skipped, an audio answer recorded (no camera asked for) and submitted
    tab.screen("question")
    expect(page.locator("h1")).to_have_text("第 1/2 题")
    expect(page.locator("#question-text")).to_have_text("请介绍一次你处理客户投诉的经历。")
    tab.phase("thinking")
    expect(page.locator("#thinking-countdown")).to_have_text(re.compile(r"0:(30|29|28)"))
    page.click("#start-answer")
    record(tab)
    expect(page.locator("#preview")).to_have_count(0)
    expect(page.locator("audio#playback")).to_have_count(1)
    expect(page.locator("#rerecord")).to_have_text("重新录制（还剩 2 次）")
    page.click("#submit-recording")

    # question 2: written instead of recorded
    expect(page.locator("h1")).to_have_text("第 2/2 题")
    tab.phase("ready")
    page.click("#use-text")
    tab.phase("text")
    expect(page.locator("#submit-text")).to_be_disabled()
    page.fill("#text-answer", "我喜欢帮助别人解决问题。")
    expect(page.locator("#text-count")).to_have_text("12 字")
    page.click("#submit-text")

    # done: pending at first, then (the next poll, 5 s later) the feedback; every media track is stopped
    tab.screen("done")
    expect(page.locator("h1")).to_have_text("已完成")
    expect(page.locator("#stage")).to_have_text("已完成")
    expect(page.locator("#result-status")).to_have_attribute("data-result", "pending")
    feedback = page.locator("#feedback")
    expect(feedback).to_be_visible(timeout=12_000)
    expect(feedback.locator(".fb-strength")).to_contain_text("优势沟通表达回答结构清楚")
    expect(feedback.locator(".fb-development")).to_contain_text("可提升问题解决")
    expect(page.locator("#overall-score")).to_contain_text("72.5")
    assert tab.live_tracks() == 0

    # a human review is asked for with a reason
    expect(page.locator("#review-submit")).to_be_disabled()
    page.fill("#review-reason", "第 1 题有杂音")
    page.click("#review-submit")
    expect(page.locator("#review-status")).to_have_text("已提交人工复核申请，HR 会跟进。")

    # the requests: the media asked for, the upload's form and body, the text, the review; the bearer only
    # to the API, never to the bucket
    assert page.evaluate("window.__media.asked") == [{"audio": True, "video": False}]
    assert [(c.method, c.path) for c in tab.api.calls if c.method == "POST"] == [
        ("POST", "sessions"),
        ("POST", "consent"),
        ("POST", "answers/q1/takes"),
        ("POST", "answers/q1/upload"),
        ("POST", "answers/q1/uploaded"),
        ("POST", "answers/q2/text"),
        ("POST", "review-request"),
    ]
    (upload_call,) = tab.api.calls_to("POST", "answers/q1/upload")
    assert upload_call.body["content_type"] == "audio/webm"
    assert 0.8 <= upload_call.body["seconds"] <= 5
    (upload,) = tab.api.uploads
    assert upload.fields == [*UPLOAD_FIELDS, "file"]
    assert (upload.filename, upload.content_type, upload.authorization) == ("answer.webm", "audio/webm", None)
    assert upload.size > 1000
    assert tab.api.calls_to("POST", "answers/q2/text")[0].body == {"text": "我喜欢帮助别人解决问题。"}
    assert tab.api.calls_to("POST", "review-request")[0].body == {"reason": "第 1 题有杂音"}
    assert tab.api.calls[0].authorization is None
    assert {c.authorization for c in tab.api.calls[1:]} == {f"Bearer {SESSION}"}
    assert len(tab.api.calls_to("GET", "interview")) >= 2  # polled


def test_refused_camera_offers_an_audio_only_answer(open_tab: OpenTab) -> None:
    # Given video consent, a question that may also be written, and a browser that refuses the camera
    tab = open_tab(
        interview([question("q1", "介绍一下你自己。", text_allowed=True)]),
        init_scripts=(CAMERA_REFUSED,),
    )
    page = tab.page
    tab.open()
    consent_and_first_question(tab, video=True)

    # Then the page says so and offers audio only (primary) or a written answer
    tab.phase("permission")
    expect(page.locator("#permission h2")).to_have_text("无法使用摄像头")
    expect(page.locator("#audio-only")).to_be_visible()
    expect(page.locator("#use-text")).to_be_visible()
    page.click("#audio-only")
    record(tab)
    page.click("#submit-recording")
    tab.screen("done")

    assert tab.api.calls_to("POST", "consent")[0].body == {
        "audio": True,
        "video": True,
        "version": CONSENT_VERSION,
    }
    video = {"facingMode": "user", "width": 640, "height": 480}
    assert page.evaluate("window.__media.asked") == [
        {"audio": True, "video": video},
        {"audio": True, "video": False},
    ]
    assert tab.api.calls_to("POST", "answers/q1/upload")[0].body["content_type"] == "audio/webm"
    assert tab.api.uploads[0].content_type == "audio/webm"


def test_without_media_recorder_the_page_advises_the_system_browser_and_falls_back_to_text(
    open_tab: OpenTab,
) -> None:
    # Given an old in-app browser without MediaRecorder, a Chinese interview shown in English (?lang=en)
    tab = open_tab(
        interview(
            [
                question("q1", "Describe a difficult customer.", text_allowed=True),
                question("q2", "Record a greeting.", text_allowed=False),
            ]
        ),
        lang="en",
        init_scripts=(NO_MEDIA_RECORDER,),
    )
    tab.api.feedback = {"items": FEEDBACK["en"]["items"], "overall_score": None}
    page = tab.page
    tab.open()

    # Then before the single-use link is spent, the page advises the system browser
    tab.screen("browser")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Please open this link in your browser")
    assert tab.api.calls == []

    # continuing here: the written answer is the way, and a question that needs a recording says what to do
    page.click("#continue-here")
    tab.screen("welcome")
    expect(page.locator("#format")).to_have_text("2 questions, up to 2 minutes each")
    consent_and_first_question(tab)
    tab.phase("text")
    expect(page.locator("#text-reason")).to_have_text("This browser cannot record: please answer in writing.")
    expect(page.locator("#record")).to_have_count(0)
    page.fill("#text-answer", "A customer whose parcel was lost twice.")
    page.click("#submit-text")
    expect(page.locator("h1")).to_have_text("Question 2 of 2")
    tab.phase("blocked")
    expect(page.locator("#blocked")).to_contain_text("this browser cannot record")
    expect(page.locator("#blocked")).to_contain_text("open it in your phone's own browser")
    expect(page.locator("#text-answer")).to_have_count(0)
    assert tab.api.calls_to("POST", "answers/q1/text")[0].body == {
        "text": "A customer whose parcel was lost twice."
    }
    assert page.evaluate("window.__media.asked") == []


@pytest.mark.parametrize(
    ("status", "code", "title", "english"),
    [
        (404, "LINK_INVALID", "链接无效", "This link is not valid"),
        (410, "LINK_EXPIRED", "链接已过期", "This link has expired"),
        (410, "LINK_USED", "链接已使用", "This link has been used"),
    ],
    ids=["LINK_INVALID", "LINK_EXPIRED", "LINK_USED"],
)
def test_a_refused_link_shows_a_plain_error_page(
    open_tab: OpenTab, status: int, code: str, title: str, english: str
) -> None:
    tab = open_tab(interview([question("q1", "?")]))
    tab.api.queue("POST", "sessions", status, error(code, "raw english message"))
    page = tab.page
    tab.open()

    tab.screen("error")
    expect(page.locator('[data-screen="error"]')).to_have_attribute("data-code", code)
    expect(page.locator("h1")).to_have_text(title)
    body = page.locator("#app").inner_text()
    assert code not in body and "raw english message" not in body and "{" not in body
    if code == "LINK_USED":
        expect(page.locator("#app")).to_contain_text("请回到你开始面试的手机和页面继续，或联系 HR 获取新链接")
    assert tab.stored_sessions() == {}
    # the language toggle works on any page
    page.click("#lang-toggle")
    expect(page.locator("h1")).to_have_text(english)
    assert page.url.endswith("?lang=en")


def test_a_passed_deadline_when_recording_starts_shows_the_deadline_page(open_tab: OpenTab) -> None:
    tab = open_tab(interview([question("q1", "介绍一下你自己。")]))
    tab.api.queue("POST", "answers/q1/takes", 410, error("DEADLINE_PASSED"))
    page = tab.page
    tab.open()
    consent_and_first_question(tab, video=True)
    tab.phase("ready")
    expect(page.locator("#preview")).to_be_visible()  # the live camera preview
    page.click("#record")

    tab.screen("error")
    expect(page.locator('[data-screen="error"]')).to_have_attribute("data-code", "DEADLINE_PASSED")
    expect(page.locator("h1")).to_have_text("截止时间已过")
    assert tab.live_tracks() == 0  # camera and microphone released


def test_an_expired_session_on_reload_shows_its_page_and_forgets_the_session(open_tab: OpenTab) -> None:
    tab = open_tab(interview([question("q1", "介绍一下你自己。")]))
    page = tab.page
    tab.open()
    tab.screen("welcome")

    # a reload of the same tab reuses the session ...
    page.reload()
    tab.screen("welcome")
    assert len(tab.api.calls_to("POST", "sessions")) == 1
    assert tab.api.calls_to("GET", "interview")[0].authorization == f"Bearer {SESSION}"

    # ... until it expires: the page says so and drops it
    tab.api.queue("GET", "interview", 401, error("SESSION_EXPIRED"))
    page.reload()
    tab.screen("error")
    expect(page.locator('[data-screen="error"]')).to_have_attribute("data-code", "SESSION_EXPIRED")
    expect(page.locator("h1")).to_have_text("会话已过期")
    assert tab.stored_sessions() == {}

    # the next reload exchanges the link again: now used
    tab.api.queue("POST", "sessions", 410, error("LINK_USED"))
    page.reload()
    expect(page.locator('[data-screen="error"]')).to_have_attribute("data-code", "LINK_USED")


def test_rerecord_refused_by_the_server_keeps_the_current_take(open_tab: OpenTab) -> None:
    # Given a question of at most 2 s with 3 takes, whose second take the server refuses (used elsewhere)
    tab = open_tab(interview([question("q1", "用一句话介绍你自己。", max_seconds=2)]))
    tab.api.queue("POST", "answers/q1/takes", 201, {"take": 1, "takes_left": 2})
    tab.api.queue("POST", "answers/q1/takes", 409, error("RERECORD_LIMIT"))
    page = tab.page
    tab.open()
    consent_and_first_question(tab)

    # the countdown stops the recording by itself at 2 s
    tab.phase("ready")
    page.click("#record")
    tab.phase("recording")
    tab.phase("review")
    expect(page.locator("#take-length")).to_have_text(re.compile(r"时长 0:0[23]"))
    expect(page.locator("#rerecord")).to_have_text("重新录制（还剩 2 次）")

    page.click("#rerecord")
    tab.phase("review")
    expect(page.locator("#message")).to_have_text("没有重录次数了，将保留你当前的录制。")
    expect(page.locator("#rerecord")).to_be_disabled()
    expect(page.locator("#playback")).to_have_count(1)
    page.click("#submit-recording")
    tab.screen("done")
    assert len(tab.api.calls_to("POST", "answers/q1/takes")) == 2
    seconds = tab.api.calls_to("POST", "answers/q1/upload")[0].body["seconds"]
    assert 1.9 <= seconds <= 4  # the contract allows max_seconds + 2
    assert tab.api.uploads[0].size > 0


def test_the_upload_asks_for_a_fresh_form_on_403_and_retries_server_errors(open_tab: OpenTab) -> None:
    tab = open_tab(interview([question("q1", "介绍一下你自己。")]))
    tab.api.upload_statuses = [403, 500, 500, 204]
    page = tab.page
    tab.open()
    consent_and_first_question(tab)
    record(tab, 0.8)
    page.click("#submit-recording")

    tab.phase("uploading")
    expect(page.locator("#upload-progress")).to_be_visible()
    expect(page.locator("#upload-status")).to_contain_text("网络不稳定")
    tab.screen("done")
    assert len(tab.api.uploads) == 4
    assert len(tab.api.calls_to("POST", "answers/q1/upload")) == 2  # a fresh form once, after the 403


def test_an_upload_failing_three_times_shows_upload_failed_and_its_retry_works(open_tab: OpenTab) -> None:
    tab = open_tab(interview([question("q1", "介绍一下你自己。")]))
    tab.api.upload_statuses = [503, 503, 503]
    page = tab.page
    tab.open()
    consent_and_first_question(tab)
    record(tab, 0.8)
    page.click("#submit-recording")

    tab.phase("upload-failed")
    expect(page.locator("#upload-failed h2")).to_have_text("上传失败")
    assert len(tab.api.uploads) == 3
    page.click("#upload-retry")  # the bucket answers again
    tab.screen("done")
    assert len(tab.api.uploads) == 4
    assert tab.api.uploads[3].size == tab.api.uploads[0].size  # the same recording, kept in memory


# --- the walk-through in both languages, on a phone and a desktop (and the committed screenshots) -------------


# Always the English phone walk (the video path, English throughout); the others only for the screenshots.
WALKS = (
    [("zh", "phone"), ("en", "phone"), ("zh", "desktop"), ("en", "desktop")]
    if WRITE_SHOTS
    else [("en", "phone")]
)
TEXTS = {
    "zh": {
        "q1": "请介绍一次你处理客户投诉的经历：当时发生了什么，你做了什么，结果如何？",
        "q2": "你为什么想做客户服务工作？",
        "answer": "我喜欢和人打交道，也喜欢帮别人把问题解决掉。上一份工作里，我负责处理售后咨询。",
        "counter": "第 1/2 题",
        "done": "已完成",
    },
    "en": {
        "q1": "Tell us about a time you handled a customer complaint: what happened, what did you do, and how did it end?",
        "q2": "Why do you want to work in customer service?",
        "answer": "I enjoy working with people and helping them solve problems. In my last job I handled after-sales questions.",
        "counter": "Question 1 of 2",
        "done": "All done",
    },
}
ERROR_SHOTS = [
    (404, "LINK_INVALID"),
    (410, "LINK_EXPIRED"),
    (410, "LINK_USED"),
    (401, "SESSION_EXPIRED"),
    (410, "DEADLINE_PASSED"),
]


@pytest.mark.parametrize(("lang", "device"), WALKS, ids=[f"{lang}-{device}" for lang, device in WALKS])
def test_walk_through_with_video(open_tab: OpenTab, lang: str, device: str) -> None:
    words = TEXTS[lang]
    tab = open_tab(
        interview(
            [
                question("q1", words["q1"], thinking_seconds=20),
                question("q2", words["q2"], text_allowed=True),
            ],
            language=lang,
            practice=lang == "en",
        ),
        device=device,
    )
    page = tab.page
    name = f"{lang}-{device}"
    tab.open()
    tab.screen("welcome")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN" if lang == "zh" else "en")
    if lang == "en":
        expect(page.locator("#practice-badge")).to_have_text("Practice")
    tab.shoot(f"{name}-welcome")

    page.click("#start")
    tab.screen("consent")
    if device == "phone":
        tab.shoot(f"{name}-consent")
    page.check("#consent-audio")
    page.check("#consent-video")
    page.click("#consent-submit")
    tab.phase("thinking")
    expect(page.locator("h1")).to_have_text(words["counter"])
    page.click("#start-answer")
    tab.phase("ready")
    expect(page.locator("#record")).to_be_enabled()
    page.click("#record")
    tab.phase("recording")
    expect(page.locator("#preview")).to_be_visible()
    page.wait_for_timeout(1500)
    tab.shoot(f"{name}-question-recording" if device == "phone" else f"{name}-question")
    page.click("#stop")
    tab.phase("review")
    expect(page.locator("video#playback")).to_have_count(1)
    page.click("#submit-recording")

    tab.phase("ready")
    page.click("#use-text")
    page.fill("#text-answer", words["answer"])
    page.locator("#text-answer").blur()
    if device == "phone":
        tab.shoot(f"{name}-question-text")
    page.click("#submit-text")

    tab.screen("done")
    expect(page.locator("h1")).to_have_text(words["done"])
    expect(page.locator("#feedback")).to_be_visible()
    # a practice result (the English walk-through) is the candidate's own: nothing for a person to review
    expect(page.locator("#review-submit")).to_have_count(0 if lang == "en" else 1)
    tab.shoot(f"{name}-feedback", full_page=True)
    assert tab.api.calls_to("POST", "answers/q1/upload")[0].body["content_type"] == "video/webm"
    assert tab.api.uploads[0].content_type == "video/webm"

    if device == "phone" and WRITE_SHOTS:  # the error pages' own tests are above
        old_browser = open_tab(
            interview([question("q1", "?")], language=lang), lang=lang, init_scripts=(NO_MEDIA_RECORDER,)
        )
        old_browser.open()
        old_browser.screen("browser")
        old_browser.shoot(f"{name}-browser")
        for status, code in ERROR_SHOTS:
            # before the link is exchanged the page knows no interview language: zh unless ?lang=
            error_tab = open_tab(interview([question("q1", "?")], language=lang), device=device, lang=lang)
            error_tab.api.queue("POST", "sessions", status, error(code))
            error_tab.open()
            expect(error_tab.page.locator('[data-screen="error"]')).to_have_attribute("data-code", code)
            error_tab.shoot(f"{name}-error-{code.lower().replace('_', '-')}")
