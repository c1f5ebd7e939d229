"""cdk-nag 3 wiring and the acknowledgements that do not belong to one construct module.

cdk-nag 3 runs as a CDK policy-validation plugin: every synth evaluates the AwsSolutions pack and a
single unacknowledged finding (error *or* warning) fails the synth with ``validation-report.json`` in
the output directory. Acknowledgements are ``Validations.of(construct).acknowledge(...)`` records on
ONE construct (cdk-nag honours them on that construct and its children) and ONE finding id
(``AwsSolutions-IAM5[Resource::*]`` names a single wildcard, not the whole rule).

Acknowledgements that belong to a resource we create are made next to that resource through
:func:`acknowledge`; this module keeps those for resources that CDK adds by itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Acknowledgment, App, Stack, Validations
from aws_cdk.aws_s3 import IBucket
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

# Context switch used by the infra tests only: build the app with every acknowledgement left out, so a
# test can prove that each acknowledgement still matches a real finding (no stale suppressions).
CONTEXT_ACKNOWLEDGE = "jiping:nagAcknowledge"

ACKNOWLEDGED_RULES_METADATA = "aws:cdk:acknowledged-rules"

AWS_MANAGED_POLICY = "Policy::arn:<AWS::Partition>:iam::aws:policy/"
XRAY_REASON = (
    "X-Ray PutTraceSegments/PutTelemetryRecords do not support resource-level permissions; "
    "CDK adds them with Resource '*' for active tracing."
)


def add_checks(app: App) -> None:
    """Run the AwsSolutions pack on every synth (findings fail the synth)."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(construct: IConstruct, finding: str, reason: str) -> None:
    """Acknowledge one finding (``AwsSolutions-XX`` or ``AwsSolutions-XX[appliesTo]``) on one construct."""
    if not finding.startswith("AwsSolutions-"):
        raise ValueError(f"not an AwsSolutions finding id: {finding}")
    if not reason.strip():
        raise ValueError("an acknowledgement needs a reason")
    if construct.node.try_get_context(CONTEXT_ACKNOWLEDGE) is False:
        return
    Validations.of(construct).acknowledge(Acknowledgment(id=finding, reason=reason))


def acknowledge_framework_resources(stack: Stack) -> None:
    """Resources that CDK adds at stack level by itself (singleton custom-resource handlers)."""
    for child in stack.node.children:
        if child.node.id.startswith("BucketNotificationsHandler"):
            # Custom::S3BucketNotifications: turns on S3 -> EventBridge for the uploads bucket.
            role = child.node.find_child("Role")
            acknowledge(
                role,
                f"AwsSolutions-IAM4[{AWS_MANAGED_POLICY}service-role/AWSLambdaBasicExecutionRole]",
                "CDK's own BucketNotifications custom-resource handler; its role and policy are not "
                "configurable. It only writes its own logs.",
            )
        if child.node.id.startswith("Custom::CDKBucketDeployment"):
            # Custom::CDKBucketDeployment: copies web/candidate to the candidate site bucket at deploy time.
            acknowledge(
                child,
                "AwsSolutions-L1",
                "CDK's own BucketDeployment handler (a singleton of aws-cdk-lib); its runtime is chosen by the CDK "
                "release and moves with it. It runs only at deploy time, with our role (CandidateSite).",
            )


# What ``grant_read`` / ``grant_write`` on a KMS-encrypted bucket and ``grant_read_write_data`` on a
# KMS-encrypted table add as wildcards, with why each is acceptable.
_READ_OBJECTS = {
    "Action::s3:GetObject*": "grant_read: GetObject/GetObjectVersion of objects whose keys are only known at "
    "run time, in this one bucket.",
    "Action::s3:GetBucket*": "grant_read: bucket-level reads (location, versioning) of this one bucket.",
    "Action::s3:List*": "grant_read: List/HeadObject in this one bucket.",
}
_WRITE_OBJECTS = {
    "Action::s3:DeleteObject*": "grant_write: replacing/cleaning a partial artifact in the artifacts "
    "bucket only.",
    "Action::s3:Abort*": "grant_write: aborting its own multipart uploads.",
}
_KMS_WRITE = {
    "Action::kms:GenerateDataKey*": "Data keys of the one stack key (by ARN) to write SSE-KMS data.",
    "Action::kms:ReEncrypt*": "Re-encryption with the one stack key (by ARN), added by grant_* for SSE-KMS.",
}


def acknowledge_grants(
    role: IConstruct,
    *,
    read: Sequence[IBucket] = (),
    write: Sequence[IBucket] = (),
    table_write: bool = False,
    indexed_tables: Sequence[IConstruct] = (),
    put: Sequence[IBucket] = (),
    delete: Sequence[IBucket] = (),
) -> None:
    """Acknowledge, on ONE role, each wildcard its bucket/table grants produce (and only those)."""
    findings: dict[str, str] = {}
    for table in indexed_tables:
        logical_id = Stack.of(table).get_logical_id(table.node.default_child)  # type: ignore[arg-type]
        findings[f"Resource::<{logical_id}.Arn>/index/*"] = (
            f"Table {table.node.id}: the grant covers its indexes by pattern (the index names are ours)."
        )
    if read:
        findings.update(_READ_OBJECTS)
    if write:
        findings.update(_WRITE_OBJECTS)
    if put:
        findings["Action::s3:Abort*"] = _WRITE_OBJECTS["Action::s3:Abort*"]
    if write or table_write or put:
        findings.update(_KMS_WRITE)
    for bucket in dict.fromkeys([*read, *write, *put, *delete]):
        logical_id = Stack.of(bucket).get_logical_id(bucket.node.default_child)  # type: ignore[arg-type]
        findings[f"Resource::<{logical_id}.Arn>/*"] = (
            f"Objects of bucket {bucket.node.id} are addressed by tenant/interview keys known only at "
            "run time."
        )
    for applies_to, reason in findings.items():
        acknowledge(role, f"AwsSolutions-IAM5[{applies_to}]", reason)


def acknowledge_results(role: IConstruct, artifacts: IBucket) -> None:
    """The findings of ``artifacts.grant_read(fn, "*/result.json")``: interviews' result documents only."""
    for applies_to, reason in _READ_OBJECTS.items():
        acknowledge(role, f"AwsSolutions-IAM5[{applies_to}]", reason)
    logical_id = Stack.of(artifacts).get_logical_id(artifacts.node.default_child)  # type: ignore[arg-type]
    acknowledge(
        role,
        f"AwsSolutions-IAM5[Resource::<{logical_id}.Arn>/*/result.json]",
        "The candidate's feedback is built from the interview's result document, keyed by tenant and interview "
        "at run time; no transcript, analysis or report is readable.",
    )
