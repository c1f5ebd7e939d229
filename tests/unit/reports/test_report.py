"""The HTML report: the candidate's words escaped, evidence highlighted, the profile's language."""

from __future__ import annotations

from html.parser import HTMLParser

from jiping.reports.interview import highlight, radar_points, render_report


def _doc(text: str = "我先耐心听他说完，然后查了物流记录。") -> dict:
    quote = "查了物流记录"
    return {
        "interview_id": "iv-1",
        "overall_score": 81.25,
        "recommendation": "review",
        "review_reasons": ["q2: no answer to a probed question"],
        "competencies": [
            {
                "id": c,
                "name": n,
                "score": s,
                "level": 4,
                "reason": f"评估理由：{n}",
                "evidence": [{"question_id": "q1", "text": quote, "start": 1.0, "end": 2.5}],
            }
            for c, n, s in (("a", "客户导向", 90.0), ("b", "沟通表达", 70.0), ("c", "问题解决", 60.0))
        ],
        "questions": [
            {
                "question_id": "q1",
                "start": 0.0,
                "end": 5.0,
                "transcript": {"text": text},
                "signals": {
                    "speech": {"speaking_rate": {"value": 250.0, "n": 40, "unit": "chars/min"}},
                    "vision": {"face_present": {"value": None, "n": 0, "missing": "no video stream"}},
                },
                "timeline": [{"face_present": True, "looking": 1.0}, {"face_present": False, "looking": 0.0}],
            }
        ],
        "flags": [{"code": "NO_FACE", "detail": "no face for 3 s", "start": 1.0, "end": 4.0}],
        "versions": {"rubric": "customer-service@v1", "scoring_model": "scoring-v1@sha256:abc"},
    }


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.marks: list[str] = []
        self._in_mark = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_mark = tag == "mark"

    def handle_endtag(self, tag):
        self._in_mark = False if tag == "mark" else self._in_mark

    def handle_data(self, data):
        if self._in_mark:
            self.marks.append(data)


def test_report_highlights_evidence_and_speaks_chinese_by_default():
    html = render_report(_doc(), title="客服专员", language="zh")
    parsed = _Collect()
    parsed.feed(html)
    assert parsed.marks == ["查了物流记录"]
    assert "建议人工复核" in html and "81.2" in html and "客服专员" in html
    assert parsed.tags.count("svg") == 2  # the radar and the signal timeline
    assert "no video stream" in html and "NO_FACE" in html and "customer-service@v1" in html


def test_report_is_english_for_english_profiles():
    html = render_report(_doc(), title="Engineer", language="en")
    assert "Human review" in html and "建议人工复核" not in html


def test_the_candidates_words_are_escaped():
    html = render_report(_doc("<script>alert(1)</script> 查了物流记录"), title="t", language="zh")
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_highlight_marks_every_occurrence_without_overlap():
    assert str(highlight("ab ab", ["ab", "b"])) == "<mark>ab</mark> <mark>ab</mark>"


def test_radar_points_put_full_scores_on_the_radius():
    (x, y), *_ = radar_points([100, 50, 0])
    assert (x, y) == (150.0, 30.0)


def test_a_competency_not_assessed_shows_as_such_and_stays_off_the_radar():
    doc = _doc()
    extra = {
        "id": "d",
        "name": "团队协作",
        "score": None,
        "level": None,
        "assessed": False,
        "reason": "评估理由：本次面试没有考察“团队协作”的问题，未评估，不计入总分。",
        "evidence": [],
    }
    doc["competencies"].append(extra)
    html = render_report(doc, title="客服专员", language="zh")
    assert "未评估" in html and "团队协作" in html
    radar = html[html.index('aria-label="radar"') : html.index("</svg>")]
    assert "团队协作" not in radar and radar.count("<text") == 3
    doc["overall_score"] = None
    assert '<div class="overall">—</div>' in render_report(doc, title="t", language="zh")
