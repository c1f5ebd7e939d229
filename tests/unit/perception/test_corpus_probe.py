"""The hostile uploads corpus at the probe: what must be rejected is, with its reason, and nothing else is
(the whole workflow runs the same corpus in tests/e2e/test_corpus.py)."""

from __future__ import annotations

import pytest
from jiping.perception.probe import probe
from jiping.settings import ProbeSettings

from tests.support.corpus import CASES, Case, Rejected


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_probe_decides_each_case(tmp_path, case: Case) -> None:
    path = case.build(tmp_path)
    result = probe(path, path.stat().st_size, ProbeSettings())
    if isinstance(case.ending, Rejected):
        assert (result.accepted, result.reason_code) == (False, case.ending.reason), result.detail
        assert result.detail
    else:
        assert result.accepted, result.detail


def test_the_pixel_limit_is_a_setting(tmp_path) -> None:
    (case,) = [c for c in CASES if c.name == "rotated_phone_video"]
    path = case.build(tmp_path)
    assert probe(path, path.stat().st_size, ProbeSettings()).accepted
    refused = probe(path, path.stat().st_size, ProbeSettings(max_video_pixels=100 * 100))
    assert refused.reason_code is not None and refused.reason_code.value == "RESOLUTION_TOO_HIGH"
    assert "120x160" in (refused.detail or "") or "160x120" in (refused.detail or "")
