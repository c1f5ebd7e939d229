"""The graded corpus (``eval/corpus/*.yaml``, written and graded as ``eval/README.md`` says) and the
agreement statistics the judge is held to.

An item is one (answer, competency) pair: the answer's text, its kind, the split of its question and
the level the grader gave it for that competency.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from jiping.domain.profiles import JobProfile, load_profile

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "eval" / "corpus"
PROFILES = REPO / "profiles"

# Kinds whose grade rests on what the candidate did: the honest order is measured on these.
HONEST = frozenset({"honest", "bad_story", "generic", "short", "we_heavy", "plain_words", "off_language"})
# Kinds that try to score with words: each must score below the same question's generic answer.
GAMING = frozenset({"keyword_list", "buzzword", "echo", "numbers", "injection", "bad_story"})
STRONG = frozenset({"short", "we_heavy", "plain_words"})  # excellent answers phrased unusually


@dataclass(frozen=True)
class Answer:
    id: str
    profile: str
    question: str
    language: str
    kind: str
    text: str
    levels: dict[str, int]  # competency id -> graded level
    split: str  # train | test
    i_variant: str | None = None


def load_corpus(directory: Path = CORPUS) -> tuple[dict[str, JobProfile], list[Answer]]:
    profiles: dict[str, JobProfile] = {}
    answers: list[Answer] = []
    for path in sorted(directory.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        profile = profiles.setdefault(doc["profile"], load_profile(PROFILES / f"{doc['profile']}.yaml"))
        questions = {q.id: q for q in profile.questions}
        test = set(doc["test_questions"])
        for a in doc["answers"]:
            question = questions[a["question"]]
            levels = {cid: int((a.get("levels") or {}).get(cid, a["level"])) for cid in question.competencies}
            answers.append(
                Answer(
                    id=a["id"],
                    profile=profile.id,
                    question=question.id,
                    language=a["language"],
                    kind=a["kind"],
                    text=a["text"].strip(),
                    levels=levels,
                    split="test" if question.id in test else "train",
                    i_variant=(a.get("i_variant") or "").strip() or None,
                )
            )
    return profiles, answers


def question_text(profile: JobProfile, question_id: str, language: str) -> str:
    question = next(q for q in profile.questions if q.id == question_id)
    if language == "en" and question.text_en and profile.language != "en":
        return question.text_en
    return question.text


# --- agreement ------------------------------------------------------------------------------------


def _ranks(x: Sequence[float]) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    order = a.argsort(kind="mergesort")
    ranks = np.empty(len(a))
    ranks[order] = np.arange(len(a))
    for v in np.unique(a):  # ties share their mean rank
        tied = a == v
        ranks[tied] = ranks[tied].mean()
    return ranks


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    rx, ry = _ranks(x), _ranks(y)
    return float(np.corrcoef(rx, ry)[0, 1])


def quadratic_weighted_kappa(
    a: Iterable[int], b: Iterable[int], levels: Sequence[int] = (1, 2, 3, 4, 5)
) -> float:
    """Cohen's kappa with quadratic weights between two ratings on the same 1–5 scale."""
    a, b = list(a), list(b)
    k = len(levels)
    index = {lv: i for i, lv in enumerate(levels)}
    observed = np.zeros((k, k))
    for x, y in zip(a, b, strict=True):
        observed[index[x], index[y]] += 1
    weights = np.array([[(i - j) ** 2 / (k - 1) ** 2 for j in range(k)] for i in range(k)])
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    return float(1.0 - (weights * observed).sum() / (weights * expected).sum())


def mean_absolute_error(a: Sequence[float], b: Sequence[float]) -> float:
    return float(np.mean(np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float))))
