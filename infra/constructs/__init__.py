"""One construct per concern of the Jiping stack, and the small helpers they share."""

from __future__ import annotations

from aws_cdk import aws_logs as logs

from infra import constants

_RETENTION_BY_DAYS = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
}


def log_retention(days: int = constants.LOG_RETENTION_DAYS) -> logs.RetentionDays:
    """``constants.LOG_RETENTION_DAYS`` as the CloudWatch Logs enum (a value CloudWatch accepts)."""
    try:
        return _RETENTION_BY_DAYS[days]
    except KeyError:
        raise ValueError(f"CloudWatch Logs has no retention of {days} days") from None
