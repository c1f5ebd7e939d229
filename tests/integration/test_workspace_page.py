"""The HR workspace (issue 18, ``web/hr/``) in a real Chromium, the way HR and a hiring manager use it.

The page is served with the very headers ``jiping serve`` sends (``LocalApi.workspace_page``: the strict
Content-Security-Policy, no camera, no framing); the answers' recordings come from ``events/media`` on the same
origin (with byte ranges, as S3 answers a player); every ``/v1/workspace/*`` call is answered by
:class:`FakeWorkspaceApi` through Playwright's routing, following the contract of issue 18. With
``JIPING_SCREENSHOTS=1`` the tests also write the committed screenshots to ``docs/workspace/`` (desktop
1280×900 and phone 360×740, full pages).
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Route, expect

from infra.localcloud.api_gateway import LocalApi
from tests.integration.conftest import CHROMIUM  # and its browser fixture

REPO = Path(__file__).resolve().parents[2]
MEDIA = REPO / "events" / "media"
SHOTS = REPO / "docs" / "workspace"
WRITE_SHOTS = os.environ.get("JIPING_SCREENSHOTS") == "1"  # rewrite the committed screenshots

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="the workspace is tested in Debian's Chromium (/usr/bin/chromium): `make setup` installs it",
)

DEVICES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1},
    "phone": {
        "viewport": {"width": 360, "height": 740},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}
WECOM_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile "
    "Safari/537.36 wxwork/4.1.30 MicroMessenger/7.0.1 Language/zh"
)
# Where each player stands when the page starts it: a seek must come before play, not be reached by playing.
PLAY_SPY = """
(() => {
  const play = HTMLMediaElement.prototype.play;
  window.__plays = [];
  HTMLMediaElement.prototype.play = function () {
    window.__plays.push({ question: this.dataset.question, at: this.currentTime });
    return play.call(this);
  };
})();
"""
XSS = '<img src=x onerror="window.__pwned=1">很好'
TENANT = "acme"
JOB_ID = "customer-service"
REPORT_ID = "iv-0009"

# --- the data the fake API serves (a customer service job, 25 scored candidates) ------------------------------

SCORES = [
    91.5,
    86.0,
    84.5,
    82.0,
    79.5,
    78.0,
    76.5,
    75.5,
    72.5,
    71.0,
    69.5,
    68.0,
    66.5,
    65.0,
    64.0,
    62.5,
    61.0,
]
SCORES += [58.5, 56.0, 54.5, 52.0, 48.5, 45.0, 38.5, 27.0]
HR_USER = {"user_id": "wangwu", "name": "王五"}
MANAGERS = [{"user_id": "lisi", "name": "李四"}, {"user_id": "zhaoliu", "name": "赵六"}]


def level_of(score: float) -> int:
    return 5 if score >= 80 else 4 if score >= 65 else 3 if score >= 50 else 2 if score >= 35 else 1


def recommendation_of(score: float) -> str:
    return "advance" if score >= 75 else "review" if score >= 60 else "decline"


def pool_entries() -> list[dict[str, Any]]:
    entries = []
    for i, score in enumerate(SCORES, start=1):
        entries.append(
            {
                "rank": i,
                "interview_id": f"iv-{i:04d}",
                "candidate_ref": f"C-2026-{(37 * i + 11) % 900 + 100:04d}",
                "overall_score": score,
                "level": level_of(score),
                "recommendation": recommendation_of(score),
                "status": "SCORED",
                "review_needed": i in (5, 9, 14, 20),
                "pushed_to": [{"user_id": "lisi", "name": "李四"}] if i <= 2 else [],
                "decision": {
                    "decision": "advance",
                    "by": {"user_id": "lisi", "name": "李四", "role": "manager"},
                }
                if i == 1
                else None,
                "scored_at": f"2026-12-0{1 + i % 7}T0{i % 10}:30:00Z",
            }
        )
    return entries


def distribution(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    bins = [{"from": b * 10, "to": b * 10 + 10, "count": 0} for b in range(10)]
    for e in entries:
        bins[min(9, int(e["overall_score"] // 10))]["count"] += 1
    return bins


def job_summary(entries: list[dict[str, Any]]) -> dict[str, Any]:
    recs = {r: sum(e["recommendation"] == r for e in entries) for r in ("advance", "review", "decline")}
    return {
        "job_id": JOB_ID,
        "title": "客服专员",
        "version": 2,
        "counts": {"invited": 40, "started": 31, "completed": 28, "scored": 25, "rejected": 2, "failed": 1},
        "pass_rate": recs["advance"] / len(entries),
        "passed": recs["advance"],
        "distribution": distribution(entries),
        "competencies": [
            {"id": "communication", "name": "沟通表达", "mean": 66.4, "n": 25},
            {"id": "customer_focus", "name": "客户导向", "mean": 69.8, "n": 25},
            {"id": "resilience", "name": "抗压能力", "mean": 54.2, "n": 25},
            {"id": "problem_solving", "name": "问题解决", "mean": 61.7, "n": 24},
        ],
        "recommendations": recs,
    }


OTHER_JOB = {
    "job_id": "after-sales",
    "title": "售后技术支持",
    "version": 1,
    "counts": {"invited": 12, "started": 5, "completed": 2, "scored": 0, "rejected": 0, "failed": 0},
    "pass_rate": None,
    "passed": 0,
    "distribution": [{"from": b * 10, "to": b * 10 + 10, "count": 0} for b in range(10)],
    "competencies": [],
    "recommendations": {"advance": 0, "review": 0, "decline": 0},
}

Q1_TEXT = "请讲一次你处理难缠客户的经历。"
Q1_SAID = "上个月有位客户因为订单延迟很生气。我先耐心听他说完，然后查了物流记录，当天就安排了补发。最后客户很满意，给了我们好评。"
QUOTE_START = 3.4  # "我先耐心听他说完，然后查了物流记录" in q1_zh.mp4 (12.2 s)


def report_view(role: str) -> dict[str, Any]:
    return {
        "interview_id": REPORT_ID,
        "job_id": JOB_ID,
        "job_title": "客服专员",
        "candidate_ref": "C-2026-0444",
        "status": "SCORED",
        "scored_at": "2026-12-07T08:00:00Z",
        "language": "zh",
        "overall": {"score": 72.5, "level": 4},
        "recommendation": "review",
        "model_recommendation": "review",
        "review": {
            "needed": True,
            "reasons": [
                "第 2 题回答较短（约 7 秒），也没有讲到具体的经历",
                "“抗压能力”的判断依据较少，建议人工听一下第 2 题",
            ],
        },
        "competencies": [
            {
                "id": "communication",
                "name": "沟通表达",
                "weight": 0.3,
                "assessed": True,
                "score": 75.0,
                "level": 4,
                "anchor": "能根据对方的情况调整表达方式，条理清楚，先说结论再讲过程。",
                "reason": "候选人讲投诉处理时先说客户的诉求，再按顺序说明自己的处理步骤和结果，条理清楚；"
                "没有讲到如何根据不同的客户调整沟通方式。",
                "strengths": [
                    {
                        "text": "先倾听，弄清对方的诉求再回应",
                        "quote": "我先耐心听他说完，然后查了物流记录",
                        "question_id": "q1",
                        "start": QUOTE_START,
                        "end": 7.0,
                    }
                ],
                "gaps": [
                    {"text": "针对不同的客户主动调整表达（如对老年客户放慢语速、少用术语）", "level": 5}
                ],
                "evidence": [],
            },
            {
                "id": "customer_focus",
                "name": "客户导向",
                "weight": 0.3,
                "assessed": True,
                "score": 80.0,
                "level": 4,
                "anchor": "能理解客户的主要诉求并给出解决方案，必要时会跟进结果。",
                "reason": "候选人当天安排补发，并确认了客户的满意度，体现了以解决客户问题为先。",
                "strengths": [
                    {
                        "text": "当天给出解决方案，并确认客户满意",
                        "quote": "当天就安排了补发。最后客户很满意",
                        "question_id": "q1",
                        "start": 7.0,
                        "end": 10.5,
                    }
                ],
                "gaps": [{"text": "主动发现客户没有说出的需求，超出预期地解决问题", "level": 5}],
                "evidence": [],
            },
            {
                "id": "resilience",
                "name": "抗压能力",
                "weight": 0.2,
                "assessed": True,
                "score": 48.0,
                "level": 2,
                "anchor": "压力下能保持基本礼貌，但情绪容易受影响，需要他人支持才能完成工作。",
                "reason": "第 2 题只说“大家一起想办法”，没有讲到自己在压力下如何调整状态、如何完成工作。",
                "strengths": [],
                "gaps": [
                    {"text": "压力下能控制自己的情绪，按流程完成工作", "level": 3},
                    {"text": "高峰期能主动安排优先级，保持服务质量", "level": 4},
                ],
                "evidence": [],
            },
            {
                "id": "problem_solving",
                "name": "问题解决",
                "weight": 0.2,
                "assessed": True,
                "score": 66.0,
                "level": 3,
                "anchor": "能按流程查明原因，解决常见问题。",
                "reason": "第 3 题给出了分类处理投诉、事后回访和复盘的步骤，但没有讲到如何找出故障的原因。",
                "strengths": [
                    {
                        "text": "按紧急程度分类处理，事后回访并复盘",
                        "quote": "把投诉按紧急程度分类，优先处理影响下单的客户",
                        "question_id": "q3",
                        "start": 0.0,
                        "end": 0.0,
                    }
                ],
                "gaps": [{"text": "找出问题的根本原因，提出防止再次发生的改进", "level": 4}],
                "evidence": [],
            },
        ],
        "questions": [
            {
                "question_id": "q1",
                "text": Q1_TEXT,
                "answer": "video",
                "media_url": "/media/q1_zh.mp4",
                "transcript": Q1_SAID,
                "start": 0.0,
                "end": 12.2,
            },
            {
                "question_id": "q2",
                "text": "工作压力很大的时候，你是怎么调整自己的？",
                "answer": "audio",
                "media_url": "/media/q1_zh_vague.mp4",
                "transcript": "我们平时都会尽量服务好客户，遇到问题大家一起想办法解决，总体来说还可以。",
                "start": 0.0,
                "end": 7.2,
            },
            {
                "question_id": "q3",
                "text": "如果系统故障导致大量客户投诉，你会怎么处理？",
                "answer": "text",
                "media_url": None,
                "transcript": "先在群里同步故障情况和预计恢复时间，统一对客户的解释口径；把投诉按紧急程度分类，"
                "优先处理影响下单的客户；故障恢复后逐一回访，并整理成案例给团队复盘。",
                "start": 0.0,
                "end": 0.0,
            },
        ],
        "flags": [
            {
                "code": "LOOKING_AWAY",
                "question_id": "q1",
                "words": "约 40% 的时间未看向镜头",
                "start": 0.0,
                "end": 12.0,
            },
            {
                "code": "SHORT_ANSWER",
                "question_id": "q2",
                "words": "回答较短（约 7 秒）",
                "start": 0.0,
                "end": 7.2,
            },
        ],
        "raw": [
            {
                "question_id": "q1",
                "group": "speech",
                "name": "speaking_rate",
                "label": "语速",
                "value": 272.7,
                "unit": "字/分钟",
                "missing": None,
            },
            {
                "question_id": "q1",
                "group": "speech",
                "name": "pitch_sd_semitones",
                "label": "音高变化",
                "value": 2.58,
                "unit": "st",
                "missing": None,
            },
            {
                "question_id": "q1",
                "group": "vision",
                "name": "looking_at_camera",
                "label": "看向镜头的时间比例",
                "value": 0.61,
                "unit": "",
                "missing": None,
            },
            {
                "question_id": "q2",
                "group": "speech",
                "name": "speaking_rate",
                "label": "语速",
                "value": 231.4,
                "unit": "字/分钟",
                "missing": None,
            },
            {
                "question_id": "q2",
                "group": "vision",
                "name": "looking_at_camera",
                "label": "看向镜头的时间比例",
                "value": None,
                "unit": "",
                "missing": "只录了音频",
            },
        ],
        "versions": {
            "rubric": "customer-service@v2",
            "judge_model": "qwen2.5-3b-instruct-q4",
            "prompt": "judge-v3",
        },
        "decision": None,
        "pushed_to": [{"user_id": "lisi", "name": "李四", "at": "2026-12-07T09:00:00Z"}],
        "comments": [
            {
                "id": "c-1",
                "author": {"user_id": "wangwu", "name": "王五", "role": "hr"},
                "text": "表达清楚，第 2 题建议二面再追问。",
                "at": "2026-12-07T09:12:00Z",
            }
        ],
        "viewer": {"role": role, "can_override": role == "hr", "can_push": role == "hr"},
    }


OUTLINE = {
    "interview_id": REPORT_ID,
    "job_title": "客服专员",
    "minutes": 10,
    "resume_supplied": True,
    "focus": [
        {
            "competency_id": "resilience",
            "name": "抗压能力",
            "score": 48.0,
            "level": 2,
            "target_level": 4,
            "gap": "未体现：压力下控制自己的情绪、按流程完成工作；高峰期主动安排优先级。",
            "questions": [
                {
                    "text": "请讲一次你一天内接到很多投诉电话的经历，你当时是怎么安排的？",
                    "source": "question_bank",
                    "source_label": "题库：q7",
                },
                {
                    "text": "你说遇到问题“大家一起想办法”，那一次你自己具体做了什么？结果怎样？",
                    "source": "evaluation_gap",
                    "source_label": "评估缺口：等级 3",
                },
                {
                    "text": "简历中写到你在银行信用卡客服中心做过组长，团队最忙的时候你是怎么带大家的？",
                    "source": "resume",
                    "source_label": "简历第 4 行",
                },
            ],
            "resume_lines": [{"line": 4, "text": "2021-2023 某银行信用卡客服中心 组长（8 人）"}],
        },
        {
            "competency_id": "problem_solving",
            "name": "问题解决",
            "score": 66.0,
            "level": 3,
            "target_level": 4,
            "gap": "未体现：找出问题的根本原因，提出防止再次发生的改进。",
            "questions": [
                {
                    "text": "请讲一个你发现并解决了反复出现的客户问题的例子。",
                    "source": "question_bank",
                    "source_label": "题库：q3",
                },
                {
                    "text": "系统故障恢复后，你会怎么确认问题不再发生？",
                    "source": "evaluation_gap",
                    "source_label": "评估缺口：等级 4",
                },
            ],
            "resume_lines": [{"line": 6, "text": "负责整理常见问题知识库，月均更新 20 条"}],
        },
    ],
}


def pushed_items() -> list[dict[str, Any]]:
    out = []
    for e, note in zip(pool_entries()[:3], ["沟通不错，请重点看第 2 题", "", "客户导向突出"], strict=True):
        out.append(
            e
            | {
                "job_id": JOB_ID,
                "job_title": "客服专员",
                "pushed_by": HR_USER,
                "pushed_at": "2026-12-07T09:00:00Z",
                "note": note,
            }
        )
    return out


def error(code: str, message: str = "") -> dict[str, Any]:
    return {"error": {"code": code, "message": message or code.lower().replace("_", " ")}}


# --- the fake API -----------------------------------------------------------------------------------------------


@dataclass
class Call:
    method: str
    path: str  # after /v1/workspace/
    query: dict[str, str]
    body: Any
    headers: dict[str, str]


@dataclass
class FakeWorkspaceApi:
    """The workspace API of issue 18 as the page sees it."""

    role: str = "hr"
    signed_in: bool = True
    cognito: dict[str, str] | None = None
    calls: list[Call] = field(default_factory=list)
    pool: list[dict[str, Any]] = field(default_factory=pool_entries)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)

    def calls_to(self, method: str, path: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path == path]

    def me(self) -> dict[str, Any]:
        person = HR_USER if self.role == "hr" else MANAGERS[0]
        return person | {
            "tenant_id": TENANT,
            "role": self.role,
            "login": "wecom",
            "expires_at": "2026-12-08T10:00:00Z",
        }

    def handle(self, route: Route, request: Request) -> None:
        url = urlsplit(request.url)
        path = url.path.removeprefix("/v1/workspace/")
        body = json.loads(request.post_data) if request.post_data else None
        call = Call(request.method, path, dict(parse_qsl(url.query)), body, dict(request.headers))
        self.calls.append(call)
        if (request.method, path) in (("GET", "login/wecom"), ("GET", "login/cognito")):
            # WeCom (or the Cognito hosted UI, the code exchanged by the server) signs the person in and
            # sends them back
            self.signed_in = True
            route.fulfill(status=302, headers={"location": call.query["next"]})
            return
        status, payload = self.answer(call)
        if status == 204:
            route.fulfill(status=204, body="")
        else:
            route.fulfill(status=status, content_type="application/json", body=json.dumps(payload))

    def answer(self, call: Call) -> tuple[int, Any]:
        if (call.method, call.path) == ("GET", "config"):  # before any session
            return 200, {"logins": ["wecom", *(["cognito"] if self.cognito else [])], "cognito": self.cognito}
        refused = self.refusal(call)
        if refused is not None:
            return refused
        interview = re.fullmatch(r"interviews/([^/]+)(?:/(outline|comments|decision|override))?", call.path)
        if interview:
            return self.interview(call, interview[1], interview[2])
        routes: dict[tuple[str, str], Callable[[], tuple[int, Any]]] = {
            ("GET", "me"): lambda: (200, self.me()),
            ("POST", "logout"): self.logout,
            ("GET", "jobs"): lambda: (200, [job_summary(self.pool), OTHER_JOB]),
            ("GET", f"jobs/{JOB_ID}"): lambda: (200, job_summary(self.pool)),
            ("GET", "managers"): lambda: (200, MANAGERS),
            ("GET", f"jobs/{JOB_ID}/pool"): lambda: self.page_of(call.query),
            ("POST", f"jobs/{JOB_ID}/push"): lambda: (200, self.push(call.body)),
            ("GET", "pushed"): lambda: (200, {"items": pushed_items()}),
        }
        route = routes.get((call.method, call.path))
        return route() if route else (404, error("NOT_FOUND"))

    def refusal(self, call: Call) -> tuple[int, Any] | None:
        """The contract's guards: the CSRF header, the session, the role."""
        if call.method != "GET" and call.headers.get("x-jiping-workspace") != "1":
            return 403, error("CSRF_HEADER_REQUIRED")
        if not self.signed_in:
            return 401, error("SESSION_REQUIRED")
        hr_only = call.path.startswith("jobs") or call.path == "managers"
        if (hr_only and self.role != "hr") or (call.path == "pushed" and self.role != "manager"):
            return 403, error("ROLE_FORBIDDEN")
        return None

    def logout(self) -> tuple[int, Any]:
        self.signed_in = False
        return 204, None

    def interview(self, call: Call, interview_id: str, part: str | None) -> tuple[int, Any]:
        if interview_id != REPORT_ID:
            return 404, error("INTERVIEW_NOT_FOUND")
        view = self.views.setdefault(self.role, report_view(self.role))
        if call.method == "GET":
            return 200, OUTLINE if part == "outline" else view
        person = self.me()
        author = {"user_id": person["user_id"], "name": person["name"], "role": self.role}
        if part == "comments":
            comment = {"id": f"c-{len(view['comments']) + 1}", "author": author, "text": call.body["text"]}
            view["comments"].append(comment | {"at": "2026-12-08T02:30:00Z"})
            return 201, view["comments"][-1]
        if part == "decision":
            decision = {"decision": call.body["decision"], "by": author, "reason": call.body["reason"]}
            view["decision"] = decision | {"at": "2026-12-08T02:31:00Z"}
            return 200, view
        if part == "override" and self.role == "hr":
            view["recommendation"] = call.body["recommendation"]
            return 200, view
        return 403, error("ROLE_FORBIDDEN")

    def page_of(self, query: dict[str, str]) -> tuple[int, Any]:
        if query.get("review") == "1" and query.get("recommendation") not in (None, "review"):
            return 422, error("FILTER_CONFLICT", "review=1 is the recommendation review")  # as WorkspaceApi
        items = [
            e
            for e in self.pool
            if (not query.get("status") or e["status"] == query["status"])
            and (not query.get("recommendation") or e["recommendation"] == query["recommendation"])
            and (not query.get("min_score") or e["overall_score"] >= float(query["min_score"]))
            and (not query.get("max_score") or e["overall_score"] <= float(query["max_score"]))
            and (query.get("review") != "1" or e["review_needed"])
        ]
        start, limit = int(query.get("cursor") or 0), int(query.get("limit") or 20)
        end = start + limit
        return 200, {"items": items[start:end], "next_cursor": str(end) if end < len(items) else None}

    def push(self, body: dict[str, Any]) -> dict[str, Any]:
        manager = next(m for m in MANAGERS if m["user_id"] == body["manager"])
        top = self.pool[: max(1, math.ceil(len(self.pool) * body["top_percent"] / 100))]
        pushed, already = [], []
        for e in top:
            if manager in e["pushed_to"]:
                already.append(e["interview_id"])
            else:
                e["pushed_to"] = [*e["pushed_to"], manager]
                pushed.append(e["interview_id"])
        return {"pushed": pushed, "already": already, "card": {"status": "sent", "reason": None}}


# --- the page's server and the browser ------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    """The workspace exactly as ``jiping serve`` sends it, and the recordings (as S3 sends them: byte ranges)."""

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/hr" or path.startswith("/hr/"):
            status, headers, body = LocalApi.workspace_page(path)
            self.send_response(int(status.split()[0]))
            for name, value in headers:
                self.send_header(name, value)
        elif path.startswith("/media/") and (MEDIA / path.removeprefix("/media/")).is_file():
            data = (MEDIA / path.removeprefix("/media/")).read_bytes()
            wanted = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("range") or "")
            start, end = (int(wanted[1]), int(wanted[2] or len(data) - 1)) if wanted else (0, len(data) - 1)
            body = data[start : end + 1]
            self.send_response(206 if wanted else 200)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Accept-Ranges", "bytes")
            if wanted:
                self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        else:
            self.send_error(404)
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@dataclass
class Tab:
    page: Page
    api: FakeWorkspaceApi
    site: str

    def open(self, path: str) -> None:
        self.page.goto(self.site + path)

    def screen(self, name: str) -> None:
        expect(self.page.locator(f'[data-screen="{name}"]')).to_be_visible()

    def shoot(self, name: str) -> None:
        """A committed screenshot (the whole page), only with JIPING_SCREENSHOTS=1."""
        if not WRITE_SHOTS:
            return
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=SHOTS / f"{name}.png", full_page=True, animations="disabled", caret="hide")


OpenTab = Callable[..., Tab]


@pytest.fixture
def open_tab(browser: Browser, site: str) -> Iterator[OpenTab]:
    """A fresh browser context (desktop by default) with the fake API routed; after the test: no script error,
    no Content-Security-Policy refusal (Chromium logs them as console errors), no request to another origin."""
    contexts = []
    problems: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            problems.append(f"console error: {msg.text}")

    def on_request(request: Request) -> None:
        if not request.url.startswith((site + "/", "blob:", "data:")):
            problems.append(f"request to another origin: {request.url}")

    def _open(
        api: FakeWorkspaceApi | None = None, *, device: str = "desktop", user_agent: str | None = None
    ) -> Tab:
        context = browser.new_context(
            **DEVICES[device], locale="zh-CN", timezone_id="Asia/Shanghai", user_agent=user_agent
        )
        contexts.append(context)
        context.add_init_script(PLAY_SPY)
        page = context.new_page()
        page.set_default_timeout(10_000)
        fake = api or FakeWorkspaceApi()
        page.route(f"{site}/v1/workspace/**", fake.handle)
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on("console", on_console)
        page.on("request", on_request)
        return Tab(page, fake, site)

    yield _open
    for context in contexts:
        context.close()
    assert problems == []


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# --- the tests ------------------------------------------------------------------------------------------------


def test_a_401_sends_to_the_login_keeping_next_and_the_wecom_login_comes_back_there(
    open_tab: OpenTab,
) -> None:
    # Given someone without a session who follows a card's link (it carries the tenant)
    tab = open_tab(FakeWorkspaceApi(signed_in=False))
    page = tab.page
    tab.open(f"/hr/jobs/{JOB_ID}?t={TENANT}")

    # the login, which knows where to come back to and for which company; no Cognito unless configured
    tab.screen("login")
    assert urlsplit(page.url).path == "/hr/login"
    assert query_of(page.url) == {"next": [f"/hr/jobs/{JOB_ID}?t={TENANT}"], "t": [TENANT]}
    expect(page.locator("#tenant-known")).to_contain_text(TENANT)
    expect(page.locator("#tenant-field")).to_be_hidden()
    expect(page.locator("#login-cognito")).to_have_count(0)

    # When they press the WeCom button: the server's login, which (WeCom stand-in) signs in and comes back
    with page.expect_request(re.compile(r"/v1/workspace/login/wecom\?")) as login:
        page.click("#login-wecom")
    assert query_of(login.value.url) == {"tenant": [TENANT], "next": [f"/hr/jobs/{JOB_ID}?t={TENANT}"]}
    tab.screen("job")
    assert urlsplit(page.url).path == f"/hr/jobs/{JOB_ID}"
    assert page.evaluate("localStorage.getItem('jiping.hr.tenant')") == TENANT  # remembered after /me

    # Then a failed WeCom login comes back with its code in plain words, and Cognito shows once configured
    tab.api.cognito = {"domain": "https://acme.auth.ap-east-1.amazoncognito.com", "client_id": "abc"}
    tab.open("/hr/login?error=NOT_A_MEMBER")
    tab.screen("login")
    expect(page.locator("#login-message")).to_contain_text("不在本企业的成员中")
    expect(page.locator("#tenant-known")).to_contain_text(TENANT)  # from localStorage now
    expect(page.locator("#login-cognito")).to_be_visible()
    with page.expect_request("**/v1/workspace/login/cognito?*") as cognito:
        page.click("#login-cognito")  # the server takes it from here: the page holds no code or token
    assert urlsplit(cognito.value.url).query == "next=%2Fhr%2F"


def test_inside_wecom_the_login_is_silent_and_without_a_tenant_the_page_asks_for_one(
    open_tab: OpenTab,
) -> None:
    tab = open_tab(FakeWorkspaceApi(signed_in=False), device="phone", user_agent=WECOM_UA)
    with tab.page.expect_request(re.compile(r"/v1/workspace/login/wecom\?")) as login:
        tab.open(f"/hr/?t={TENANT}")  # no page to press anything on
    assert query_of(login.value.url) == {"tenant": [TENANT], "next": [f"/hr/?t={TENANT}"]}
    tab.screen("jobs")

    # a browser that knows no tenant: the login asks for it before leaving for WeCom
    other = open_tab(FakeWorkspaceApi(signed_in=False))
    other.open("/hr/")
    other.screen("login")
    other.page.click("#login-wecom")
    expect(other.page.locator("#login-message")).to_have_text("请先填写企业标识。")
    expect(other.page.locator("#tenant")).to_be_focused()
    with other.page.expect_request(re.compile(r"/v1/workspace/login/wecom\?")) as login:
        other.page.fill("#tenant", TENANT)
        other.page.click("#login-wecom")
    assert query_of(login.value.url) == {"tenant": [TENANT], "next": ["/hr/"]}


def test_hr_sees_the_jobs_with_their_counts_and_pass_rates(open_tab: OpenTab) -> None:
    tab = open_tab()
    page = tab.page
    tab.open("/hr/")
    tab.screen("jobs")
    expect(page.locator("#who")).to_have_text("王五 · HR")
    jobs = page.locator("#jobs > li")
    expect(jobs).to_have_count(2)
    first = page.locator(f'[data-job="{JOB_ID}"]')
    expect(first.locator("h2")).to_have_text("客服专员")
    for name, value in {
        "invited": 40,
        "started": 31,
        "completed": 28,
        "scored": 25,
        "rejected": 2,
        "failed": 1,
    }.items():
        expect(first.locator(f'[data-count="{name}"] dd')).to_have_text(str(value))
    expect(first.locator('[data-count="rejected"] dt')).to_have_text("录制不合格")
    expect(first.locator(".pass-value")).to_have_text("32%")
    expect(first.locator(".pass")).to_contain_text("已出结果的 25 人中，8 人建议进入下一轮")
    expect(page.locator('[data-job="after-sales"] .pass')).to_have_text("通过率：暂无（还没有评估结果）")
    tab.shoot("jobs")

    # a job's link is in-page navigation (no reload) to the job
    page.evaluate("window.__stayed = true")
    first.locator("h2 a").click()
    tab.screen("job")
    assert page.evaluate("window.__stayed") is True


def test_the_job_page_charts_the_scores_pages_filters_and_pushes_the_pool(open_tab: OpenTab) -> None:
    tab = open_tab()
    page = tab.page
    tab.open(f"/hr/jobs/{JOB_ID}")
    tab.screen("job")
    expect(page.locator("h1")).to_have_text("客服专员")

    # the distribution: 10 bars, the tallest one is the fullest bin (60–70: 7 people), each labelled
    bars = page.locator("#distribution-chart rect.bar")
    expect(bars).to_have_count(10)
    shapes = bars.evaluate_all(
        "bs => bs.map(b => ({h: b.getBBox().height, n: +b.dataset.count, from: +b.dataset.from}))"
    )
    tallest = max(shapes, key=lambda b: b["h"])
    assert (tallest["n"], tallest["from"]) == (7, 60) and tallest["h"] > 0
    assert [b["n"] for b in shapes] == [0, 0, 1, 1, 2, 4, 7, 6, 3, 1]
    assert sorted(shapes, key=lambda b: b["n"]) == sorted(
        shapes, key=lambda b: b["h"]
    )  # heights follow counts
    expect(page.locator("#distribution-chart")).to_contain_text("综合得分（分）")
    expect(page.locator('#funnel [data-count="completed"]')).to_contain_text("已交齐回答")
    expect(page.locator('#funnel [data-count="completed"]')).to_contain_text("28 人")
    expect(page.locator('#competency-means [data-competency="resilience"]')).to_contain_text(
        "平均 54.2 / 100（25 人）"
    )
    expect(page.locator('#recommendations [data-rec="review"]')).to_contain_text("9")
    expect(page.locator('#recommendations [data-rec="review"]')).to_contain_text("建议人工复核后决定")

    # the pool: 20 ranked rows, then "更多" follows next_cursor
    rows = page.locator("#pool-rows tr")
    expect(rows).to_have_count(20)
    first = rows.first
    expect(first.locator('[data-col="candidate"] a')).to_have_text("C-2026-0148")
    expect(first.locator('[data-col="score"]')).to_contain_text("91.5 / 100")
    expect(first.locator('[data-col="rec"]')).to_contain_text("建议进入下一轮")
    expect(first.locator('[data-col="pushedTo"]')).to_contain_text("李四")
    expect(first.locator('[data-col="decision"]')).to_contain_text("推进到下一轮")
    expect(rows.nth(4).locator('[data-col="reviewNeeded"]')).to_contain_text("是")
    tab.shoot("job")
    page.click("#pool-more")
    expect(rows).to_have_count(25)
    expect(page.locator("#pool-more")).to_be_hidden()
    second = tab.api.calls_to("GET", f"jobs/{JOB_ID}/pool")[-1]
    assert second.query == {"limit": "20", "cursor": "20"}
    expect(rows.last.locator('[data-col="rank"] .rank')).to_have_text("#25")

    # filters go into the API's query and the CSV link's
    page.select_option("#f-status", "SCORED")
    page.select_option("#f-rec", "review")
    page.fill("#f-min", "60")
    page.fill("#f-max", "90")
    page.check("#f-review")
    page.click("#f-apply")
    expect(rows).to_have_count(2)  # ranks 9 and 14: review, 60–90, needing review
    filtered = tab.api.calls_to("GET", f"jobs/{JOB_ID}/pool")[-1]
    expected = {
        "status": "SCORED",
        "recommendation": "review",
        "min_score": "60",
        "max_score": "90",
        "review": "1",
    }
    assert filtered.query == expected | {"limit": "20"}
    csv = page.locator("#pool-csv").get_attribute("href") or ""
    assert urlsplit(csv).path == f"/v1/workspace/jobs/{JOB_ID}/pool.csv"
    assert dict(parse_qsl(urlsplit(csv).query)) == expected
    assert page.locator("#results-csv").get_attribute("href") == f"/v1/workspace/jobs/{JOB_ID}/results.csv"
    page.select_option("#f-rec", "advance")  # a refusal is said in words, and the rows stay
    page.click("#f-apply")
    expect(page.locator("#pool-message")).to_contain_text("不能再选其他评估建议")
    expect(rows).to_have_count(2)
    page.click("#f-reset")
    expect(rows).to_have_count(20)
    expect(page.locator("#pool-message")).to_be_hidden()

    # push the top 30 % to a manager: the body, the CSRF header, the result and the WeCom card in words
    expect(page.locator("#push-submit")).to_have_text("前 30% → 用人经理")
    page.click("#push-submit")
    expect(page.locator("#push-message")).to_have_text("请先选择用人经理。")
    assert tab.api.calls_to("POST", f"jobs/{JOB_ID}/push") == []
    page.select_option("#push-manager", "lisi")
    page.click("#push-submit")
    (push,) = tab.api.calls_to("POST", f"jobs/{JOB_ID}/push")
    assert push.body == {"manager": "lisi", "top_percent": 30}
    assert push.headers["x-jiping-workspace"] == "1"
    assert push.headers["content-type"] == "application/json"
    result = page.locator("#push-result")
    expect(result).to_contain_text("已推送 6 人。")
    expect(result).to_contain_text("另有 2 人之前已推送过")
    expect(result).to_contain_text("企业微信通知：已发送。")
    expect(rows.nth(5).locator('[data-col="pushedTo"]')).to_have_text(re.compile("李四"))  # the pool reloaded
    if WRITE_SHOTS:
        page.locator("#pool-section").screenshot(path=SHOTS / "pool.png", animations="disabled", caret="hide")


def test_the_report_reads_in_plain_words_plays_a_quote_and_takes_comments_decisions_and_overrides(
    open_tab: OpenTab,
) -> None:
    tab = open_tab()
    page = tab.page
    tab.open(f"/hr/interviews/{REPORT_ID}")
    tab.screen("report")

    # the overall result with its units, the recommendation in words, the review box with its reasons
    expect(page.locator("#overall-score")).to_have_text(re.compile(r"综合得分\s*72\.5 / 100"))
    expect(page.locator("#overall-level")).to_have_text(re.compile(r"等级\s*4 / 5"))
    expect(page.locator("#recommendation")).to_have_text("建议人工复核后决定")
    expect(page.locator("#model-recommendation")).to_have_count(0)  # not overridden
    expect(page.locator("#review li")).to_have_count(2)
    expect(page.locator("#review")).to_contain_text("第 2 题回答较短")

    # a competency: level with its anchor text, the reason, strengths with quotes, gaps
    comm = page.locator('[data-competency="communication"]')
    expect(comm.locator(".comp-level")).to_have_text("等级 4 / 5")
    expect(comm.locator(".comp-points")).to_have_text("得分 75.0 / 100")
    expect(comm.locator(".anchor")).to_contain_text("等级 4 的行为标准")
    expect(comm.locator(".anchor-text")).to_have_text(
        "能根据对方的情况调整表达方式，条理清楚，先说结论再讲过程。"
    )
    expect(comm.locator(".gaps")).to_contain_text("等级 5")
    expect(page.locator('[data-competency="resilience"] .strengths')).to_have_count(0)

    # pressing a quote seeks its question's player to the quote's start and plays
    quote = comm.locator("button.quote")
    expect(quote).to_contain_text("我先耐心听他说完")
    expect(quote).to_contain_text("第 1 题 0:03")
    quote.click()
    player = page.locator('video.player[data-question="q1"]')
    expect(player).to_be_in_viewport()
    page.wait_for_function("() => window.__plays.length > 0")
    (started,) = page.evaluate("window.__plays")
    assert started["question"] == "q1" and started["at"] == pytest.approx(QUOTE_START, abs=0.05)
    page.wait_for_function(
        f"() => document.querySelector('video[data-question=\"q1\"]').currentTime > {QUOTE_START}"
    )  # and it plays from there
    assert page.locator("audio.player").count() == 1  # one player a recorded question; q3 was written
    written = page.locator(
        '[data-competency="problem_solving"] blockquote.quote'
    )  # q3 was written: no player
    expect(written).to_contain_text("按紧急程度分类")
    expect(written).to_contain_text("第 3 题（书面回答）")
    page.evaluate("document.querySelector('video.player').pause()")

    # the flags in words with their times; the raw measures folded away, closed
    flags = page.locator("#flags li")
    expect(flags).to_have_count(2)
    expect(flags.first).to_contain_text("约 40% 的时间未看向镜头")
    expect(flags.first).to_contain_text("第 1 题，0:00–0:12")
    raw = page.locator("details#raw")
    expect(raw.locator("summary")).to_have_text("原始测量值（供技术人员参考）")
    assert raw.evaluate("d => d.open") is False
    expect(raw.locator("table")).to_be_hidden()
    expect(raw).to_contain_text("pitch_sd_semitones")  # there, for whoever opens it

    # a comment posts (with the CSRF header) and appears; so does a decision, and HR's override
    page.fill("#comment-text", "逻辑清楚，但缺乏行业经验，建议二次面试重点考察。")
    page.click("#comment-submit")
    expect(page.locator("#comments li")).to_have_count(2)
    expect(page.locator("#comments li").last).to_contain_text("逻辑清楚，但缺乏行业经验")
    expect(page.locator("#comments li").last).to_contain_text("王五（HR）")
    (comment,) = tab.api.calls_to("POST", f"interviews/{REPORT_ID}/comments")
    assert comment.body == {"text": "逻辑清楚，但缺乏行业经验，建议二次面试重点考察。"}
    assert comment.headers["x-jiping-workspace"] == "1"

    page.check("#override-advance")
    page.fill("#override-form-reason", "人工听了第 2 题：有具体经历，只是录音开头被截断。")
    page.click("#override-form-submit")
    expect(page.locator("#recommendation")).to_have_text("建议进入下一轮")
    expect(page.locator("#model-recommendation")).to_have_text(
        "模型原建议：建议人工复核后决定（已由 HR 人工修改）"
    )
    (override,) = tab.api.calls_to("POST", f"interviews/{REPORT_ID}/override")
    assert override.body == {
        "recommendation": "advance",
        "reason": "人工听了第 2 题：有具体经历，只是录音开头被截断。",
    }

    expect(page.locator("#decision-form-submit")).to_be_disabled()
    page.check("#decision-hold")
    page.fill("#decision-form-reason", "等二面后再定。")
    page.click("#decision-form-submit")
    expect(page.locator("#current-decision")).to_contain_text("当前决定：暂缓")
    expect(page.locator("#current-decision")).to_contain_text("理由：等二面后再定。")
    expect(page.locator("#decision-form-message")).to_have_text("决定已保存。")
    (decision,) = tab.api.calls_to("POST", f"interviews/{REPORT_ID}/decision")
    assert decision.body == {"decision": "hold", "reason": "等二面后再定。"}
    assert decision.headers["x-jiping-workspace"] == "1"
    tab.shoot("report")

    # a comment that is HTML stays text
    page.fill("#comment-text", XSS)
    page.click("#comment-submit")
    expect(page.locator("#comments .comment-text").last).to_have_text(XSS)
    assert page.locator("#comments img").count() == 0
    assert page.evaluate("window.__pwned") is None

    # and the outline is one link away
    page.click("#outline-link")
    tab.screen("outline")


def test_a_manager_sees_the_candidates_pushed_to_them_decides_and_cannot_override(open_tab: OpenTab) -> None:
    tab = open_tab(FakeWorkspaceApi(role="manager"))
    page = tab.page
    tab.open("/hr/")
    tab.screen("pushed")
    expect(page.locator("#who")).to_have_text("李四 · 用人经理")
    items = page.locator("#pushed > li")
    expect(items).to_have_count(3)
    expect(items.first).to_contain_text("C-2026-0148")
    expect(items.first).to_contain_text("综合得分 91.5 / 100")
    expect(items.first).to_contain_text("王五 推送于")
    expect(items.first).to_contain_text("备注：沟通不错，请重点看第 2 题")
    tab.shoot("pushed")

    tab.open(f"/hr/interviews/{REPORT_ID}")
    tab.screen("report")
    expect(page.locator("#override")).to_have_count(0)
    expect(page.locator("#push-one-submit")).to_have_count(0)
    expect(page.locator(".crumbs a")).to_have_text("返回首页")  # not the pool, which is HR's
    page.check("#decision-advance")
    page.fill("#decision-form-reason", "安排二面。")
    page.click("#decision-form-submit")
    expect(page.locator("#current-decision")).to_contain_text("李四（用人经理）")
    assert tab.api.calls_to("POST", f"interviews/{REPORT_ID}/decision")[0].body == {
        "decision": "advance",
        "reason": "安排二面。",
    }

    # HR's pages answer a manager with ROLE_FORBIDDEN: said in words
    tab.open(f"/hr/jobs/{JOB_ID}")
    tab.screen("error")
    expect(page.locator("h1")).to_have_text("没有权限")


def test_the_outline_shows_each_question_with_its_source_and_prints_without_the_chrome(
    open_tab: OpenTab,
) -> None:
    tab = open_tab()
    page = tab.page
    tab.open(f"/hr/interviews/{REPORT_ID}/outline")
    tab.screen("outline")
    expect(page.locator("h1")).to_have_text("二面提纲")
    expect(page.locator(".screen")).to_contain_text("客服专员 · 建议时长 10 分钟")
    focus = page.locator('[data-competency="resilience"]')
    expect(focus.locator("h2")).to_have_text("1. 抗压能力")
    expect(focus).to_contain_text("目前等级 2 / 5，目标等级 4 / 5（得分 48.0 / 100）")
    expect(focus.locator(".gap")).to_contain_text("未体现：压力下控制自己的情绪")
    questions = focus.locator(".oq")
    expect(questions).to_have_count(3)
    assert focus.locator(".source .tag").all_inner_texts() == [
        "来自题库 q7",
        "来自评估缺口（等级 3）",
        "来自简历第 4 行",
    ]
    expect(focus.locator(".resume")).to_contain_text("第 4 行 2021-2023 某银行信用卡客服中心 组长（8 人）")
    tab.shoot("outline")

    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator("#print")).to_be_hidden()
    expect(questions.first).to_be_visible()


def test_english_by_the_toggle_and_by_the_address_and_it_stays_in_the_links(open_tab: OpenTab) -> None:
    tab = open_tab()
    page = tab.page
    tab.open("/hr/")
    tab.screen("jobs")
    expect(page.locator("h1")).to_have_text("招聘岗位")
    page.click("#lang-toggle")
    expect(page.locator("h1")).to_have_text("Jobs")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert query_of(page.url)["lang"] == ["en"]
    expect(page.locator(f'[data-job="{JOB_ID}"] .pass')).to_contain_text("8 of 25 evaluated candidates")
    page.locator(f'[data-job="{JOB_ID}"] h2 a').click()
    tab.screen("job")
    assert query_of(page.url)["lang"] == ["en"]
    expect(page.locator("#distribution-chart")).to_contain_text("Overall score (points)")
    expect(page.locator("#pool-rows tr").first.locator('[data-col="rec"] .tag')).to_have_text(
        "Recommended for the next round"
    )

    tab.open(f"/hr/interviews/{REPORT_ID}?lang=en")
    tab.screen("report")
    expect(page.locator("#overall-score")).to_have_text(re.compile(r"Overall score\s*72\.5 / 100"))
    expect(page.locator("details#raw summary")).to_have_text("Raw measurements (for technical staff)")
    expect(page.locator("#lang-toggle")).to_have_text("中文")


@pytest.mark.parametrize(
    ("name", "role", "path", "ready"),
    [
        ("jobs", "hr", "/hr/", "jobs"),
        ("job", "hr", f"/hr/jobs/{JOB_ID}", "job"),
        ("report", "hr", f"/hr/interviews/{REPORT_ID}", "report"),
        ("outline", "hr", f"/hr/interviews/{REPORT_ID}/outline", "outline"),
        ("pushed", "manager", "/hr/", "pushed"),
    ],
)
def test_every_page_fits_a_phone_without_sideways_scrolling(
    open_tab: OpenTab, name: str, role: str, path: str, ready: str
) -> None:
    tab = open_tab(FakeWorkspaceApi(role=role), device="phone")
    page = tab.page
    tab.open(path)
    tab.screen(ready)
    if name == "job":
        expect(page.locator("#pool-rows tr")).to_have_count(20)
        expect(page.locator("#pool thead")).to_be_hidden()  # the table is cards on a phone
        expect(page.locator('#pool-rows tr >> nth=0 >> [data-col="score"] .cell-label')).to_have_text(
            "综合得分"
        )
        width = page.locator("#distribution-chart").evaluate("svg => svg.getBoundingClientRect().width")
        assert 280 <= width <= 360
        rows = page.locator("#pool-rows tr")  # a card says only what there is: no "not decided", no "—"
        expect(rows.nth(0).locator('[data-col="decision"]')).to_be_visible()
        expect(rows.nth(2).locator('[data-col="decision"]')).to_be_hidden()
        expect(rows.nth(2).locator('[data-col="pushedTo"]')).to_be_hidden()
    if name == "report":  # the players show their length before the picture is taken
        page.wait_for_function(
            "() => [...document.querySelectorAll('.player')].every(p => p.readyState >= 1)"
        )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    small = page.locator("button:visible, .btn:visible").evaluate_all(
        "els => els.filter(e => e.getBoundingClientRect().height < 44).map(e => e.id || e.textContent)"
    )
    assert small == []  # every button takes a thumb
    tab.shoot(f"{name}_phone")
    if name == "job" and WRITE_SHOTS:
        page.locator("#pool-section").screenshot(
            path=SHOTS / "pool_phone.png", animations="disabled", caret="hide"
        )
