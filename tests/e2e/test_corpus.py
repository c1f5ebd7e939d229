"""The hostile and broken uploads corpus (tests/support/corpus.py) through the whole workflow: every case ends
REJECTED with its reason or analysed with the flags its content calls for, with a stored record and a
published event; none is left running or crashes without a record."""

from __future__ import annotations

import pytest
from jiping.domain.models import InterviewStatus

from tests.e2e.conftest import delivered_events, interview_row
from tests.support.corpus import CASES, Case, Rejected

pytestmark = pytest.mark.slow
TENANT = "t-corpus"
TIMEOUT_S = 300  # far above any case's run: a case over it is a stuck execution


def test_the_corpus_holds_at_least_30_cases_with_distinct_names() -> None:
    assert len(CASES) >= 30 and len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_hostile_upload_ends_in_a_recorded_state(cloud, tmp_path, case: Case) -> None:
    interview = "iv-corpus-" + case.name.replace("_", "-")
    path = case.build(tmp_path)
    up = cloud.upload(path, TENANT, interview, case.filename)
    result = cloud.wait_for_execution(cloud.execution_arn(**up), timeout=TIMEOUT_S)
    assert result.status == "SUCCEEDED", (result.status, result.error)
    row = interview_row(cloud, TENANT, interview)
    (media,) = row.media.values()
    (event,) = delivered_events(cloud, interview)
    if isinstance(case.ending, Rejected):
        assert row.status is InterviewStatus.REJECTED
        assert media.reason_code is case.ending.reason and media.error is None
        assert event["detail-type"] == "interview.rejected"
        assert event["detail"]["data"]["reason_code"] == case.ending.reason.value
    else:
        assert row.status is InterviewStatus.TRANSCRIBED, (row.status, media.reason_code, media.error)
        assert media.transcript_key and media.analysis_key
        assert case.ending.flags <= set(media.flags), media.flags
        assert event["detail-type"] == "interview.transcribed"
    if case.filename:  # a hostile name is kept out of every id and key we write
        assert media.media_id.startswith("file-") and media.transcript_key.startswith(  # type: ignore[union-attr]
            f"{TENANT}/{interview}/{media.media_id}/"
        )
