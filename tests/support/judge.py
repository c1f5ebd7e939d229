"""A fake of the judge's model port, for every test but the fixed subset that runs the real model."""

from __future__ import annotations

from collections.abc import Sequence


class FakeJudgeModel:
    """The judge's model port (``jiping.scoring.judge.judge.JudgeModel``), without a model: an anchor fits a story by
    the share of its characters the story contains (a crude, deterministic stand-in; it counts the calls).
    The checks, the grounding, the calibration and the caps around it are the real ones."""

    label = "fake-judge-model@tests"

    def __init__(self) -> None:
        self.calls = 0

    def anchor_fit(self, story: str, language: str, anchors: Sequence[str]) -> list[float]:
        self.calls += 1
        return [round(sum(ch in story for ch in a) / max(len(a), 1) - 0.5, 4) for a in anchors]
