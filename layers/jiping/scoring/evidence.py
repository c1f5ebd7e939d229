"""Evidence and reasons: the answer's sentences, the quotes that best show a competency, and the reason."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jiping.domain.answers import AnswerAnalysis
from jiping.domain.models import Model
from jiping.domain.profiles import Competency
from jiping.scoring.answers import _lang, competency_phrases
from jiping.scoring.features import analyze_answer, joined
from jiping.scoring.results import _LABELS, _SENTENCE_END, _STAR_LABELS, MAX_EVIDENCE, PAUSE_S, EvidenceQuote

if TYPE_CHECKING:
    from jiping.scoring.encoder import SentenceEncoder


# --- evidence -----------------------------------------------------------------------------------


class _Sentence(Model):
    question_id: str
    index: int
    text: str
    start: float
    end: float
    language: str


def sentences(answer: AnswerAnalysis) -> list[_Sentence]:
    """The answer's words cut at sentence punctuation and pauses, as exact spans with times."""
    spans: list[tuple[str, float, float]] = []
    current: list[Any] = []

    def close() -> None:
        if current:
            text = "".join(w.word for w in current).strip()
            if text:
                spans.append((text, current[0].start, current[-1].end))
            current.clear()

    for seg in answer.transcript.segments:
        if not seg.words:  # no word timings: the segment is the finest span there is
            close()
            if seg.text.strip():
                spans.append((seg.text.strip(), seg.start, seg.end))
            continue
        for word in seg.words:
            if current and word.start - current[-1].end > PAUSE_S:
                close()
            current.append(word)
            if word.word.strip().endswith(_SENTENCE_END):
                close()
    close()
    return [
        _Sentence(
            question_id=answer.question_id,
            index=i,
            text=t,
            start=s,
            end=e,
            language=answer.transcript.language,
        )
        for i, (t, s, e) in enumerate(spans)
    ]


def select_evidence(
    candidates: list[_Sentence], competency: Competency, encoder: SentenceEncoder | None
) -> tuple[list[EvidenceQuote], list[str]]:
    """Up to 3 quotes for the competency, and the indicator phrases they contain."""
    if not candidates:
        return [], []
    hits: list[list[str]] = []
    concrete: list[float] = []
    for s in candidates:
        phrases = competency_phrases(competency, s.language)
        f = analyze_answer(s.text, s.language, "", {competency.id: phrases}, None)
        hits.append(f.indicator_hits.get(competency.id, []))
        spec = f.specificity
        concrete.append(
            (spec.numbers.value or 0.0) + (spec.action_verbs.value or 0.0) if not f.is_empty else 0.0
        )
    if encoder is not None:
        lang = _lang(candidates[0].language)
        vectors = encoder.encode(
            [s.text for s in candidates] + [joined(competency_phrases(competency, lang), lang)]
        )
        similarity = [float(v @ vectors[-1]) for v in vectors[:-1]]
    else:
        similarity = concrete
    order = sorted(range(len(candidates)), key=lambda i: (-len(hits[i]), -similarity[i], i))
    chosen = [i for i in order if hits[i]][:MAX_EVIDENCE] or order[:1]
    quotes = [
        EvidenceQuote(
            question_id=candidates[i].question_id,
            text=candidates[i].text,
            start=candidates[i].start,
            end=candidates[i].end,
        )
        for i in chosen
    ]
    found = list(dict.fromkeys(p for i in chosen for p in hits[i]))
    return quotes, found


# --- reason -------------------------------------------------------------------------------------


def _fragment(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit]


def compose_reason(
    lang: str,
    competency: Competency,
    evidence: list[EvidenceQuote],
    hits: list[str],
    star: dict[str, bool] | None,
    contributions: dict[str, float],
    *,
    assessed: bool = True,
) -> str:
    """One or two sentences quoting what the candidate said and naming the features that moved it."""
    if not assessed:
        if lang == "zh":
            return f"评估理由：本次面试没有考察“{competency.name}”的问题，未评估，不计入总分。"
        return f'Reason: no question of this interview probes "{competency.name}"; not assessed, not in the overall score.'
    labels = _LABELS[lang]
    ranked = sorted(((k, v) for k, v in contributions.items() if k != "baseline"), key=lambda kv: kv[1])
    plus = [labels[k] for k, v in reversed(ranked) if v >= 0.5][:2]
    minus = [labels[k] for k, v in ranked if v <= -0.5][:1]
    reason = _reason_zh if lang == "zh" else _reason_en
    return reason(competency, evidence, hits, star, plus, minus)


def _reason_zh(
    competency: Competency,
    evidence: list[EvidenceQuote],
    hits: list[str],
    star: dict[str, bool] | None,
    plus: list[str],
    minus: list[str],
) -> str:
    if not evidence:
        return f"评估理由：没有回答考察“{competency.name}”的问题，无法依据回答评估。"
    parts = []
    if star is not None:
        present = [_STAR_LABELS["zh"][c] for c, ok in star.items() if ok]
        k = len(present)
        parts.append(
            f"回答包含{'、'.join(present)}（STAR {k}/4）" if k else "回答没有讲出具体经过（STAR 0/4）"
        )
    quote = _fragment(evidence[0].text)
    tail = "…" if len(quote) < len(evidence[0].text) else ""
    said = f"提到“{quote}”{tail}"
    if hits:
        said += f"，与“{competency.name}”的行为指标（{'、'.join(hits)}）相符"
    else:
        said += f"，但未出现“{competency.name}”的行为指标"
    parts.append(said)
    text = "评估理由：" + "，".join(parts)
    moves = []
    if plus:
        moves.append("主要加分：" + "、".join(plus))
    if minus:
        moves.append("主要减分：" + "、".join(minus))
    return text + ("；" + "，".join(moves) if moves else "") + "。"


def _reason_en(
    competency: Competency,
    evidence: list[EvidenceQuote],
    hits: list[str],
    star: dict[str, bool] | None,
    plus: list[str],
    minus: list[str],
) -> str:
    if not evidence:
        return f'Reason: no answered question probes "{competency.name}", so it could not be assessed.'
    parts = []
    if star is not None:
        present = [_STAR_LABELS["en"][c] for c, ok in star.items() if ok]
        k = len(present)
        parts.append(
            f"the answer covers {', '.join(present)} (STAR {k}/4)"
            if k
            else "the answer gives no concrete account (STAR 0/4)"
        )
    quote = _fragment(evidence[0].text, 80)
    tail = "…" if len(quote) < len(evidence[0].text) else ""
    said = f'says "{quote}"{tail}'
    if hits:
        said += f', which matches the indicators of "{competency.name}" ({", ".join(hits)})'
    else:
        said += f', but shows none of the indicators of "{competency.name}"'
    parts.append(said)
    text = "Reason: " + ", ".join(parts)
    moves = []
    if plus:
        moves.append("raised most by " + " and ".join(plus))
    if minus:
        moves.append("lowered most by " + minus[0])
    return text + ("; " + ", ".join(moves) if moves else "") + "."
