"""Reasons (评估理由) written from the judge's decision, in the profile's language.

Each reason names the level reached and its anchor, quotes the candidate's own sentences that show it
(whole sentences, never cut inside one), says when the kind of answer held the level down and why, and
names what the answer lacked for the next level ("未体现（5 级）：通过回访确认客户满意"). The structured
form (``strengths``, ``gaps``) carries the same facts for a candidate-facing summary.
"""

from __future__ import annotations

from jiping.scoring.judge.kinds import AnswerKind

HELD = {
    "zh": {
        AnswerKind.GENERIC: "回答陈述了通常的做法，但没有讲一次亲身经历，最高评 3 级",
        AnswerKind.THIN_CLAIM: "回答只笼统地说做到了，没有讲一次具体的经历，最高评 2 级",
        AnswerKind.SELF_DESCRIPTION: "回答在描述自己，没有讲做过的事，按 1 级计",
        AnswerKind.KEYWORD_LIST: "回答是一串关键词，没有讲做过的事，按 1 级计",
        AnswerKind.ECHO: "回答复述了问题本身，没有讲做过的事，按 1 级计",
        AnswerKind.NUMBERS: "回答只列出数字，没有讲这些数字背后做了什么，按 1 级计",
        AnswerKind.NO_NARRATIVE: "回答没有讲做过的事，按 1 级计",
        AnswerKind.EMPTY: "没有作答，按 1 级计",
    },
    "en": {
        AnswerKind.GENERIC: "the answer states a usual approach but tells no episode the candidate lived, so it is held at level 3",
        AnswerKind.THIN_CLAIM: "the answer claims results in general terms and tells no particular episode, so it is held at level 2",
        AnswerKind.SELF_DESCRIPTION: "the answer describes the candidate instead of what they did: level 1",
        AnswerKind.KEYWORD_LIST: "the answer is a list of words, not an account of what was done: level 1",
        AnswerKind.ECHO: "the answer repeats the question instead of telling what was done: level 1",
        AnswerKind.NUMBERS: "the answer lists figures without saying what was done to get them: level 1",
        AnswerKind.NO_NARRATIVE: "the answer reports nothing the candidate did: level 1",
        AnswerKind.EMPTY: "nothing was answered: level 1",
    },
}


NEAREST = {"zh": "最接近这一级的一句：", "en": "Closest to this level: "}
UNGROUNDED = {
    "zh": "回答中没有哪一句直接体现这一级的行为，等级来自对整段回答的阅读",
    "en": "no one sentence of the answer shows this level's behaviour; the level comes from reading the answer as a whole",
}


def _quote(text: str, lang: str) -> str:
    return f"“{text}”" if lang == "zh" else f'"{text}"'


def compose(
    lang: str,
    name: str,
    level: int,
    anchor: str | None,
    quotes: list[str],
    held: list[AnswerKind],
    gaps: list[str],
    next_level: int | None,
    *,
    nearest: bool = False,
) -> str:
    """One reason: the level and its anchor, the evidence, what held it down, what the next level needs.
    ``nearest``: the quotes are the sentences closest to the level, none shows its behaviour outright."""
    if lang == "zh":
        parts = [f"{name} {level} 级" + (f"：{anchor.rstrip('。')}" if anchor else "")]
        if quotes:
            lead = NEAREST["zh"] if nearest else "依据："
            parts.append(lead + "；".join(_quote(q, lang) for q in quotes))
        elif level >= 2 and not held:
            parts.append(UNGROUNDED["zh"])
        for kind in held:
            parts.append(HELD["zh"][kind])
        if next_level and gaps:
            parts.append(f"未体现（{next_level} 级）：" + "；".join(g.rstrip("。") for g in gaps))
        return "。".join(parts) + "。"
    parts = [f"{name}: level {level}" + (f" ({anchor.rstrip('.')})" if anchor else "")]
    if quotes:
        lead = NEAREST["en"] if nearest else "Evidence: "
        parts.append(lead + "; ".join(_quote(q, lang) for q in quotes))
    elif level >= 2 and not held:
        parts.append(UNGROUNDED["en"][0].upper() + UNGROUNDED["en"][1:])
    for kind in held:
        text = HELD["en"][kind]
        parts.append(text[0].upper() + text[1:])
    if next_level and gaps:
        parts.append(f"Not shown (level {next_level}): " + "; ".join(g.rstrip(".") for g in gaps))
    return ". ".join(parts) + "."


def not_assessed(lang: str, name: str) -> str:
    if lang == "zh":
        return f"{name}：本次面试没有考察它的问题，未评估，不计入总分。"
    return f"{name}: no question of this interview probes it; not assessed, not in the overall score."


def no_answer(lang: str, name: str) -> str:
    if lang == "zh":
        return f"{name} 1 级：考察它的问题没有得到可用的回答。"
    return f"{name}: level 1. The questions that probe it got no usable answer."
