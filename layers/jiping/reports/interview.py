"""The HTML report of a scored interview: what an HR professional reads, checks and prints.

Rendered with Jinja2 (autoescaped: transcripts are the candidate's words, never markup) from the
result document. Chinese by default, English for English profiles. Self-contained: inline CSS and
SVG, no script, no external resource, so it renders the same in a browser, a mail client and on paper.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

LABELS = {
    "zh": {
        "title": "AI 面试评估报告",
        "interview": "面试编号",
        "job": "岗位",
        "overall": "综合得分",
        "recommendation": "建议",
        "advance": "建议进入下一轮",
        "review": "建议人工复核",
        "decline": "建议不予通过",
        "review_reasons": "需要人工复核的原因",
        "competencies": "胜任力评估",
        "score": "得分",
        "level": "等级",
        "evidence": "依据",
        "reason": "评估理由",
        "questions": "逐题回答",
        "transcript": "转写",
        "signals": "表现信号",
        "timeline": "信号时间线",
        "flags": "提示",
        "versions": "版本",
        "none": "无",
        "face": "面部在画面中",
        "looking": "注视镜头",
        "seconds": "秒",
        "not_assessed": "未评估",
        "written": "文字作答",
    },
    "en": {
        "title": "AI interview report",
        "interview": "Interview",
        "job": "Job",
        "overall": "Overall score",
        "recommendation": "Recommendation",
        "advance": "Advance",
        "review": "Human review",
        "decline": "Decline",
        "review_reasons": "Why a human should review",
        "competencies": "Competencies",
        "score": "Score",
        "level": "Level",
        "evidence": "Evidence",
        "reason": "Reason",
        "questions": "Answers",
        "transcript": "Transcript",
        "signals": "Signals",
        "timeline": "Signal timeline",
        "flags": "Flags",
        "versions": "Versions",
        "none": "None",
        "face": "face in view",
        "looking": "looking at the camera",
        "seconds": "s",
        "not_assessed": "not assessed",
        "written": "written answer",
    },
}


def radar_points(
    scores: list[float], radius: float = 120.0, centre: float = 150.0
) -> list[tuple[float, float]]:
    """Polygon vertices of a radar chart, one axis per competency, 0–100 mapped onto the radius."""
    n = len(scores)
    return [
        (
            round(centre + radius * s / 100 * math.sin(2 * math.pi * i / n), 1),
            round(centre - radius * s / 100 * math.cos(2 * math.pi * i / n), 1),
        )
        for i, s in enumerate(scores)
    ]


def highlight(text: str, quotes: list[str]) -> Markup:
    """The transcript, escaped, with every evidence quote wrapped in <mark>."""
    spans: list[tuple[int, int]] = []
    for quote in sorted({q for q in quotes if q}, key=len, reverse=True):
        start = text.find(quote)
        while start != -1:
            end = start + len(quote)
            if not any(a < end and start < b for a, b in spans):
                spans.append((start, end))
            start = text.find(quote, end)
    out, pos = [], 0
    for a, b in sorted(spans):
        out += [escape(text[pos:a]), Markup("<mark>"), escape(text[a:b]), Markup("</mark>")]
        pos = b
    out.append(escape(text[pos:]))
    return Markup("").join(out)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("jiping.reports", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    env.globals.update(radar_points=radar_points, highlight=highlight, zip=zip)
    return env


def render_report(result: dict[str, Any], *, title: str, language: str) -> str:
    """The report of one result document (``jiping.workflow.score.result_document``)."""
    lang = "en" if language == "en" else "zh"
    evidence: dict[str, list[str]] = {}
    for competency in result["competencies"]:
        for quote in competency.get("evidence", []):
            evidence.setdefault(quote["question_id"], []).append(quote["text"])
    return (
        _environment()
        .get_template("report.html.j2")
        .render(r=result, t=LABELS[lang], lang=lang, job_title=title, evidence=evidence)
    )
