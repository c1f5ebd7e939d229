"""The behaviourally anchored judge: one answer, the competencies its question probes, a level for each, with
its evidence. How checks, the model and grounding combine: docs/judge.md."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np
from pydantic import Field

from jiping.domain.models import Model
from jiping.scoring.judge.anchors import elements, neutral, support
from jiping.scoring.judge.checks import check_answer, language_mismatch
from jiping.scoring.judge.kinds import AnswerKind, GamingCode, GamingFlag, SentenceKind, TextChecks
from jiping.scoring.judge.text import lexicon, text_language

if TYPE_CHECKING:
    from jiping.domain.profiles import Competency
    from jiping.scoring.encoder import SentenceEncoder
    from jiping.scoring.judge.calibration import Calibration

READ_LEVELS = (1, 3, 5)  # the anchors the model reads (2 and 4, where a profile has them, only for gaps)
SHOWN = 0.62  # grounded support (0-1) at which an anchor element counts as shown by a sentence
NEAR = 0.05  # support at which a sentence may be quoted as the closest to a level no sentence shows outright
DISAGREEMENT_LEVELS = 2.0
MAX_EVIDENCE = 3
GENERIC_LEVEL = 3.0  # a statement of the right approach, nothing shown: the centre of the scale

FEATURES = (
    "anchor_fit_5_1",  # the model: mean fit of the level-5 anchor's elements minus the level-1 anchor's
    "anchor_fit_3_1",  # ... level 3 minus level 1
    "support_5_1",  # grounding: the level-5 elements' best support in the event sentences minus level 1's
    "actions",  # log(1 + actions told in event sentences)
    "follow_up",  # 1 when an event sentence follows up (回访, checked back…), else 0
    "improvement",  # 1 when an event sentence changes how things are done (流程, checklist…)
)


class JudgeModel(Protocol):
    """The language-model layer: how well each text sums up what the candidate did (``LlamaJudgeModel``)."""

    @property
    def label(self) -> str: ...

    def anchor_fit(self, story: str, language: str, anchors: Sequence[str]) -> list[float]: ...


class Element(Model):
    level: int
    text: str
    support: float  # 0-1, the best sentence's
    sentence: int | None = None  # index into the checks' sentences, when shown


class CompetencyJudgement(Model):
    competency_id: str
    level: float = Field(ge=1, le=5)  # after the cap
    predicted: float = Field(ge=1, le=5)  # the calibration's level before the cap
    cap: float
    features: dict[str, float]
    anchor_fit: dict[int, float] = Field(
        default_factory=dict
    )  # level -> the model's mean fit (empty: not read)
    strengths: list[Element] = Field(default_factory=list)  # elements up to the level reached, shown
    gaps: list[Element] = Field(default_factory=list)  # elements of the next level, not shown
    evidence: list[int] = Field(default_factory=list)  # sentence indices, best first
    evidence_near: bool = False  # the evidence is the sentence closest to the level, none shows it outright
    disagreement: str | None = None


class AnswerJudgement(Model):
    question_id: str
    language: str  # the answer's
    checks: TextChecks
    flags: list[GamingFlag] = Field(default_factory=list)  # the checks' and the judge's, for review
    competencies: list[CompetencyJudgement] = Field(default_factory=list)
    model: str | None = None  # the model layer's label, when it read the answer

    def competency(self, competency_id: str) -> CompetencyJudgement:
        return next(c for c in self.competencies if c.competency_id == competency_id)


def _count(key: str, lang: str, text: str) -> int:
    return len(lexicon().patterns[key][lang].findall(text))


def behaviour_features(checks: TextChecks) -> dict[str, float]:
    events = [s for s in checks.sentences if s.kind is SentenceKind.EVENT]
    told = " ".join(s.text for s in events)
    lang = checks.language
    return {
        "actions": round(math.log1p(sum(s.actions for s in events)), 4),
        "follow_up": float(_count("follow_up", lang, told) > 0),
        "improvement": float(_count("improvement", lang, told) > 0),
    }


def judge_answer(
    question_id: str,
    question: str,
    text: str,
    competencies: Sequence[Competency],
    *,
    profile_language: str,
    model: JudgeModel | None,
    encoder: SentenceEncoder | None,
    calibration: Calibration,
    language: str | None = None,
) -> AnswerJudgement:
    """Judge one answer on each competency (see the module doc). ``model`` may be None only when the checks
    alone decide (an answer held at level 1); otherwise a missing model is an error, never a guess."""
    checks = check_answer(text, question, language=language)
    flags = list(checks.flags)
    mismatch = language_mismatch(profile_language, checks)
    if mismatch:
        flags.append(mismatch)
    judged = AnswerJudgement(question_id=question_id, language=checks.language, checks=checks, flags=flags)
    if checks.kind is AnswerKind.EMPTY:
        judged.competencies = [_held(c.id, checks, {}) for c in competencies]
        return judged
    told = [s for s in checks.sentences if s.kind is SentenceKind.EVENT] or [
        s for s in checks.sentences if s.kind is not SentenceKind.INSTRUCTION
    ]
    story = neutral(checks.judged_text())  # the model reads no gender: swapping 他/她 cannot move a score
    base = behaviour_features(checks)
    read = checks.cap > 1.0
    if read and model is None:
        raise ValueError("the judge's model is required to judge an account")
    plans = []
    for competency in competencies:
        # the anchors' own language (an "auto" profile may write them in one language for answers in both):
        # the model summarises in it, so that an anchor is a natural continuation of its summary
        lang = text_language(" ".join(competency.anchors.values()))
        parts = {lv: elements(competency.anchors[lv], lang) for lv in sorted(competency.anchors)}
        plans.append((competency, lang, parts, [(lv, e) for lv in sorted(parts) for e in parts[lv]]))
    readings = _read(model, story, plans) if read else {}
    for competency, _lang, parts, flat in plans:
        grid = support([s.text for s in told], [e for _, e in flat], encoder)
        best = grid.max(axis=0) if len(told) else np.zeros(len(flat))
        by_level = {
            lv: float(np.mean([best[i] for i, (l2, _) in enumerate(flat) if l2 == lv])) for lv in parts
        }
        features = dict(base, support_5_1=round(by_level[5] - by_level[1], 4))
        fit: dict[int, float] = {}
        if read:
            values = readings[competency.id]
            fit = {lv: round(float(np.mean([v for l2, v in values if l2 == lv])), 4) for lv in READ_LEVELS}
            features |= {
                "anchor_fit_5_1": round(fit[5] - fit[1], 4),
                "anchor_fit_3_1": round(fit[3] - fit[1], 4),
            }
            predicted = calibration.level(features)
            if checks.kind is AnswerKind.GENERIC:
                # How one usually works, with nothing shown: the calibration (fitted on accounts) does not
                # apply, and the model's reading of a stated approach was not reliable enough on the corpus
                # to move it (it read right approaches as wrong): the centre of the scale.
                predicted = GENERIC_LEVEL
        else:
            features |= {"anchor_fit_5_1": 0.0, "anchor_fit_3_1": 0.0}
            predicted = 1.0
        level = min(predicted, checks.cap)
        judgement = CompetencyJudgement(
            competency_id=competency.id,
            level=round(level, 3),
            predicted=round(predicted, 3),
            cap=checks.cap,
            features=features,
            anchor_fit=fit,
        )
        _ground(judgement, flat, grid, told, checks)
        if read:
            layers = {k: min(v, checks.cap) for k, v in calibration.layer_levels(features).items()}
            if abs(layers["model"] - layers["grounding"]) >= DISAGREEMENT_LEVELS:
                judgement.disagreement = (
                    f"{competency.id}: the model reads level {layers['model']:.1f}, the answer's own sentences "
                    f"support {layers['grounding']:.1f}"
                )
        judged.competencies.append(judgement)
    for c in judged.competencies:
        if c.disagreement:
            judged.flags.append(GamingFlag(code=GamingCode.JUDGE_DISAGREEMENT, detail=c.disagreement))
    judged.model = model.label if (read and model is not None) else None
    return judged


def _read(model: JudgeModel | None, story: str, plans: list) -> dict[str, list[tuple[int, float]]]:
    """The model's reading of every read anchor element of every competency: one call per anchor language,
    all of an answer's anchors in one batch."""
    assert model is not None
    out: dict[str, list[tuple[int, float]]] = {}
    for lang in dict.fromkeys(lang for _, lang, _, _ in plans):
        wanted = [
            (c.id, lv, e) for c, la, _, flat in plans if la == lang for lv, e in flat if lv in READ_LEVELS
        ]
        values = model.anchor_fit(story, lang, [e for _, _, e in wanted])
        for (cid, lv, _), v in zip(wanted, values, strict=True):
            out.setdefault(cid, []).append((lv, v))
    return out


def _held(competency_id: str, checks: TextChecks, features: dict[str, float]) -> CompetencyJudgement:
    return CompetencyJudgement(
        competency_id=competency_id,
        level=1.0,
        predicted=1.0,
        cap=checks.cap,
        features={name: features.get(name, 0.0) for name in FEATURES},
    )


def _ground(
    judgement: CompetencyJudgement,
    flat: list[tuple[int, str]],
    grid: np.ndarray,
    told: Sequence,
    checks: TextChecks,
) -> None:
    """Strengths, gaps and evidence from the elements' grounded support."""
    reached = int(math.floor(judgement.level + 0.5))
    levels = sorted({lv for lv, _ in flat})
    positive = [lv for lv in levels if lv >= 2 and lv <= max(reached, 2)]
    following = next((lv for lv in levels if lv > reached), None)
    used: list[int] = []
    for i, (lv, text) in enumerate(flat):
        column = grid[:, i] if len(told) else np.zeros(0)
        k = int(column.argmax()) if len(column) else None
        value = float(column[k]) if k is not None else 0.0
        sentence = told[k].index if k is not None and value >= SHOWN else None
        element = Element(level=lv, text=text, support=round(value, 3), sentence=sentence)
        if lv in positive and sentence is not None and reached >= 2:
            judgement.strengths.append(element)
            used.append(sentence)
        elif lv == following and sentence is None:
            judgement.gaps.append(element)
    if reached <= 1 and told and checks.kind is AnswerKind.NARRATIVE:
        # A level-1 account: quote what matches the level-1 anchor (the behaviour the level rests on).
        low = [i for i, (lv, _) in enumerate(flat) if lv == min(levels)]
        if low:
            scores = grid[:, low].max(axis=1)
            used.append(told[int(scores.argmax())].index)
    if not used and told and reached >= 2 and checks.kind is AnswerKind.NARRATIVE:
        # No element is shown outright: quote the account's sentence closest to the level reached (or the
        # first level above 1 the profile defines), and say it is the closest. When no sentence comes near
        # at all, nothing is quoted and the reason says the level rests on the reading of the whole answer.
        at = max(
            [lv for lv in levels if 2 <= lv <= reached] or [min((lv for lv in levels if lv >= 2), default=0)]
        )
        near = [i for i, (lv, _) in enumerate(flat) if lv == at]
        if near:
            scores = grid[:, near].max(axis=1)
            if float(scores.max()) >= NEAR:
                used.append(told[int(scores.argmax())].index)
                judgement.evidence_near = True
    judgement.evidence = list(dict.fromkeys(used))[:MAX_EVIDENCE]


class LazyModel:
    """A ``JudgeModel`` loaded on first use: answers the checks hold at level 1 never load the model."""

    def __init__(self, load: Callable[[], JudgeModel]) -> None:
        self._load = load
        self._model: JudgeModel | None = None

    def _get(self) -> JudgeModel:
        if self._model is None:
            self._model = self._load()
        return self._model

    @property
    def label(self) -> str:
        return self._get().label

    def anchor_fit(self, story: str, language: str, anchors: Sequence[str]) -> list[float]:
        return self._get().anchor_fit(story, language, anchors)
