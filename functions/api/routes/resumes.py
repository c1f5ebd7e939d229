"""The candidate's résumé, for the second interview's outline: PDF or plain text, kept under the interview's
artifacts (so it expires with them and is erased with the interview)."""

from __future__ import annotations

import base64
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from jiping import bootstrap
from jiping.observability import logger
from jiping.portal.resumes import read_resume, store_resume

from ..context import interview, json_response, principal, settings

router = APIGatewayHttpRouter()


@router.post(
    "/v1/interviews/<interview_id>/resume",
    description="The candidate's résumé as the request body: `Content-Type: application/pdf` or "
    "`text/plain; charset=utf-8`, at most 2 MB and 20 pages. A later one replaces it. 413 RESUME_TOO_LARGE, "
    "415 RESUME_UNSUPPORTED_TYPE, 422 RESUME_NO_TEXT (a scan without a text layer), 422 RESUME_UNREADABLE.",
    responses={201: {"description": "stored"}},
)
def put_resume(interview_id: str) -> Response[Any]:
    event = router.current_event
    caller = principal(event)
    found = interview(event, interview_id)
    raw = event.body or ""
    data = base64.b64decode(raw) if event.is_base64_encoded else raw.encode()
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    resume = read_resume(data, headers.get("content-type", ""))
    store_resume(
        bootstrap.object_store(), settings().artifacts_bucket, caller.tenant_id, found.interview_id, resume
    )
    logger.info("resume stored", lines=len(resume.lines))
    return json_response(201, {"interview_id": found.interview_id, "lines": len(resume.lines)})
