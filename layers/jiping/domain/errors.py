"""Domain exceptions. Entry points map them to states, responses and reason codes in one place each.

The Step Functions Retry/Catch rules match on the exception class name (Lambda reports it as
``errorType``), so these names are part of the workflow contract.
"""

from __future__ import annotations

from jiping.domain.models import ReasonCode


class JipingError(Exception):
    """Base of every error the domain raises on purpose."""


class InterviewErased(JipingError):
    """The interview was erased: nothing may write it again (an execution still running at the erasure)."""


class TransientError(JipingError):
    """A dependency failed in a way that a retry may fix (throttling, timeouts). Retried by the workflow."""


class MediaRejected(JipingError):
    """The upload cannot be evaluated; the interview ends REJECTED with ``reason_code``."""

    def __init__(self, reason_code: ReasonCode, detail: str) -> None:
        super().__init__(f"{reason_code.value}: {detail}")
        self.reason_code = reason_code
        self.detail = detail


class InvalidUploadKey(JipingError):
    """An object key outside ``uploads/{tenant_id}/{interview_id}/{file}``."""


class ModelAssetError(JipingError):
    """A model asset is missing, or its bytes do not match the pinned checksum."""


class StorageError(JipingError):
    """An object store or table call failed for a reason a retry will not fix."""


class NotFound(JipingError):
    """A record or object that should exist does not."""


class PortalError(ValueError):
    """A request the API refuses, with a stable code and the HTTP status it maps to."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status


class InvalidInput(JipingError):
    """A stored document or request that does not say what it must (not retried)."""


# The workflow's Fail states (infra/constructs/workflow.py), read back by RecordUnfinished.
STAGE_FAILED_ERROR = "Jiping.StageFailed"
UNRECORDED_CAUSE = "The failure could not be recorded or published"  # the FailedUnrecorded state


class ProfileVersionExists(JipingError):
    """A profile version is immutable: a changed profile needs a new version number."""


class IdempotencyConflict(JipingError):
    """An Idempotency-Key was used with another request body."""


class IdempotencyInProgress(JipingError):
    """The first request with this Idempotency-Key has not finished."""


class QuotaExceeded(JipingError):
    """A tenant used up one of its quotas: 429 with ``Retry-After``."""

    def __init__(self, code: str, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.code, self.message, self.retry_after_s = code, message, max(1, retry_after_s)
