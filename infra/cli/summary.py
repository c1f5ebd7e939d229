"""The result document as plain lines for a terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO


def _measure(name: str, m: dict[str, Any]) -> str:
    if m.get("value") is None:
        return f"{name}: missing ({m.get('missing')})"
    unit = f" {m['unit']}" if m.get("unit") else ""
    return f"{name} {m['value']:g}{unit} (n={m['n']})"


def _measures(doc: dict[str, Any] | None) -> list[str]:
    """Every Measure of a signals document, as 'name value unit (n=…)' or 'name: missing (why)'."""
    return [
        _measure(k, v)
        for k, v in (doc or {}).items()
        if isinstance(v, dict) and "n" in v and ("value" in v or "missing" in v)
    ]


def _media_lines(m: dict[str, Any]) -> list[str]:
    head = f"\n  {m['media_id']} ({Path(m['file']).name}): {m['status']}"
    if m["reason_code"]:
        head += f"  [{m['reason_code']}] {m['reason'] or ''}"
    elif m["error"]:
        head += f"  error: {m['error']}"
    elif ((m.get("asr") or {}).get("model") or {}).get("name") == "text-answer":
        head += f"  language={(m['transcript'] or {}).get('language')} written answer"
    else:
        head += f"  language={(m['transcript'] or {}).get('language')} duration={m['duration_s']:.1f}s"
    timings = ", ".join(f"{k} {v:.2f}s" for k, v in m["timings"].items() if v)
    return [head, f"    stages: {timings}"]


def _answer_lines(a: dict[str, Any]) -> list[str]:
    lines = [
        f"\n  Answer {a['question_id']} ({a['media_id']} {a['start']:.1f}-{a['end']:.1f}s)",
        f"    {a['transcript']['text']}",
        "    speech: " + "; ".join(_measures(a.get("speech"))),
        "    vision: " + "; ".join(_measures(a["vision"]))
        if a.get("vision")
        else f"    vision: missing ({a.get('vision_missing')})",
    ]
    for f in a["flags"]:
        span = f" {f['start']:.1f}-{f['end']:.1f}s" if f.get("start") is not None else ""
        lines.append(f"    flag {f['code']}{span}: {f['detail']}")
    return lines


def _score_lines(document: dict[str, Any]) -> list[str]:
    if document.get("overall_score") is None:
        return []
    lines = [f"\n  Score {document['overall_score']:.1f}/100, recommendation: {document['recommendation']}"]
    for c in document["competencies"]:
        score = f"{c['score']:.1f} level {c['level']}" if c.get("score") is not None else "not assessed"
        lines += [f"    {c['name']} ({c['id']}): {score}", f"      {c['reason']}"]
    return lines + [f"    review: {reason}" for reason in document["review_reasons"]]


def _delivery_lines(document: dict[str, Any]) -> list[str]:
    lines = []
    for w in document.get("webhooks", []):
        last = w["attempts"][-1] if w["attempts"] else {}
        outcome = f"HTTP {last['status_code']}" if last.get("status_code") else last.get("error")
        lines.append(
            f"\n  Webhook {w['event_type']} -> {w['url']}: {w['status']} after {len(w['attempts'])} attempt(s), "
            f"{outcome}, webhook-id {w['delivery_id']}"
        )
    for n in document.get("wecom", []):
        why = f" ({n['reason']})" if n.get("reason") else ""
        lines.append(f"  WeCom {n['channel']} -> {n['recipient']}: {n['status']}{why}")
    return lines


def print_summary(document: dict[str, Any], stream: TextIO) -> None:
    lines = [f"\nInterview {document['interview_id']} (job {document['job_id']}): {document['status']}"]
    for m in document["media"]:
        lines += _media_lines(m)
    for a in document["answers"]:
        lines += _answer_lines(a)
    lines += _score_lines(document) + _delivery_lines(document)
    lines += [
        f"\nOutputs: {document['output_dir']}/ (result.json, *.transcript.json, *.analysis.json, functions.log)",
        f"Total: {document['timings']['total_s']:.1f}s",
    ]
    print("\n".join(lines), file=stream)
