"""One construct per concern of the Jiping stack, and the small helpers they share."""

from __future__ import annotations

from aws_cdk import Aws, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

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


LOGS_KEY_ID = "LogsKey"


def logs_key(scope: Construct) -> kms.IKey:
    """The stack's one key for CloudWatch Logs (logs carry interview and tenant ids): made on first use.

    CloudWatch Logs encrypts with it on behalf of log groups of this account and region only (the
    encryption context condition AWS documents for log group keys)."""
    stack = Stack.of(scope)
    existing = stack.node.try_find_child(LOGS_KEY_ID)
    if existing is not None:
        return existing  # type: ignore[return-value]
    key = kms.Key(
        stack,
        LOGS_KEY_ID,
        description="Jiping: CloudWatch Logs of the functions, jobs, state machine and API",
        enable_key_rotation=True,
        removal_policy=RemovalPolicy.RETAIN,
    )
    key.add_to_resource_policy(
        iam.PolicyStatement(
            principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.{Aws.URL_SUFFIX}")],
            actions=[
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ],
            resources=["*"],  # in a key policy, "*" is this key
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:*"
                }
            },
        )
    )
    return key


def log_group(scope: Construct, construct_id: str) -> logs.LogGroup:
    """A log group with the stack's retention, encrypted with the stack's logs key."""
    return logs.LogGroup(scope, construct_id, retention=log_retention(), encryption_key=logs_key(scope))
