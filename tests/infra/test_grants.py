"""The per-function grants table (issue 16, point 8): for every Lambda function of the template, exactly
what its role may do to which resource. A grant that is not written here fails the test, and so does one
written here that the template lost: widening a function's reach is a change of this table, in review.

Resources are logical ids without CDK's hash; ``Bucket/<pattern>`` is the objects a grant covers, ``[…]``
a condition (``dynamodb:LeadingKeys``, ``s3:prefix``). Verbs: see ``grants.VERBS``. Each function's own log
group and X-Ray are left out (every function has exactly those, from the factory).
"""

from __future__ import annotations

from .conftest import Synth
from .grants import grants

RW = "delete+read+write"
DATA_KEY_RW = {"StorageDataKey": "decrypt+encrypt"}
ALERTS = {"DeliveryAlerts": "publish", "DeliveryAlertsKey": "decrypt+encrypt"}
CDK_ASSETS = "arn:AWS::Partition:s3:::cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"

EXPECTED: dict[str, dict[str, str]] = {
    # The internet-facing API: its routes' tables, forms under uploads/, no delete on any bucket, no event bus
    # (erasure and the WeCom callback are functions of their own). It sends the candidate's invitation in
    # WeCom: the app's secret and the notifier's token cache and counters.
    "Api": {
        **ALERTS,
        **DATA_KEY_RW,
        "DeliveryWebhookDeadLetters": "send",  # a replayed delivery that fails for good
        "StorageAnalyticsTable": RW,
        "StorageArtifactsBucket": "read",
        "StorageArtifactsBucket/*": "read+write",  # report links; a re-score's new result
        "StorageAuditTable": "read+write",  # PutItem and Query only: the audit log is append-only
        "StorageCandidateLinksTable": "read+write",  # invitation links: minted, revoked, never deleted
        "StorageCandidateLinksTable/index/*": "read+write",
        "StorageDemographicsTable": RW,
        "StorageIdempotencyTable": RW,
        "StorageInterviewsTable": "read+write",  # never deleted by the API
        "StorageInterviewsTable/index/*": "read+write",  # Table.grant names the indexes too (no writes there)
        "StorageProfilesTable": "read+write",  # a profile version is immutable: never deleted
        "StorageUploadsBucket": "read",
        "StorageUploadsBucket/uploads/*": "write",  # the presigned forms
        "StorageUploadsBucket/uploads/*.json": "read",  # its own text answers, never a recording
        "StorageWebhooksTable": RW,
        "StorageWebhooksTable/index/*": RW,
        "StorageWecomStateTable": RW,  # the WeCom token cache and counters, shared with the notifier
        "StorageWorkspaceTable[tenant#*]": RW,  # the workspace's members only (admins' routes)
        "StorageGroupSessionsTable": "read+write",  # PutItem and GetItem: group sessions made and read
        "secret:jiping/wecom/dev": "read",
    },
    # The candidate's routes, open to anyone holding a link: the session's interview read and updated (never
    # deleted), links read and updated, forms and written answers under uploads/, results read for the
    # feedback; no delete anywhere, no secret.
    "CandidateApi": {
        **DATA_KEY_RW,
        "StorageArtifactsBucket": "read",
        "StorageArtifactsBucket/*/result.json": "read",  # the feedback's source: no transcript, no analysis
        "StorageAuditTable": "read+write",  # PutItem and Query only: consents and review requests
        "StorageCandidateLinksTable": "read+write",
        "StorageCandidateLinksTable/index/*": "read+write",
        "StorageInterviewsTable": "read+write",  # no DeleteItem
        "StorageInterviewsTable/index/*": "read+write",
        "StorageProfilesTable": "read",
        "StorageUploadsBucket": "read",
        "StorageUploadsBucket/uploads/*": "write",  # the presigned forms, the written answers
        "StorageUploadsBucket/uploads/*.json": "read",  # its own written answers, never a recording
    },
    # The HR workspace (no API key: its session cookie): jobs, pools and reports read; the recordings signed for
    # the report's players and résumés read, never written; sessions, pushes, comments and decisions in its
    # own table; an override (PutItem); comments and decisions published; WeCom for sign-in and the card.
    "WorkspaceApi": {
        **ALERTS,
        **DATA_KEY_RW,
        "DeliveryDomainEvents": "publish",
        "StorageArtifactsBucket": "read",
        "StorageArtifactsBucket/*/result.json": "read",
        "StorageArtifactsBucket/*/resume/*": "read",
        "StorageAuditTable": "read+write",  # PutItem and Query only
        "StorageInterviewsTable": "read+write",  # no DeleteItem
        "StorageInterviewsTable/index/*": "read+write",
        "StorageProfilesTable": "read",
        "StorageUploadsBucket": "read",
        "StorageUploadsBucket/uploads/*": "read",  # the report's players (presigned GET)
        "StorageWecomStateTable": RW,
        "StorageWorkspaceTable": RW,
        "secret:jiping/wecom/dev": "read",
    },
    # Every 15 minutes: WeCom reminders of due links, and practice interviews deleted past their retention
    # (their objects under the interview's prefixes; the row replaced by a tombstone, a PutItem).
    "SweepCandidates": {
        **ALERTS,
        **DATA_KEY_RW,
        "StorageArtifactsBucket": "list",
        "StorageArtifactsBucket/*": "delete",
        "StorageCandidateLinksTable": RW,  # Query (the Due index), UpdateItem, DeleteItem
        "StorageCandidateLinksTable/index/*": RW,
        "StorageInterviewsTable": "read+write",  # PutItem: the tombstone of an erased practice interview
        "StorageInterviewsTable/index/*": "read+write",
        "StorageUploadsBucket/uploads/*": "delete",
        "StorageUploadsBucket[uploads/*]": "list",
        "StorageWecomStateTable": RW,
        "secret:jiping/wecom/dev": "read",
    },
    # CDK's deployment of web/candidate to the candidate site bucket (at deploy time), and its invalidation.
    "BucketDeployment": {
        "*": "invalidate",  # cloudfront:CreateInvalidation/GetInvalidation, as CDK writes them
        "CandidateSiteBucket": RW,
        "CandidateSiteBucket/*": RW,
        CDK_ASSETS: "read",
        f"{CDK_ASSETS}/*": "read",
    },
    # The open WeCom callback: its own secret (no corp_secret) and the record of each callback it admitted.
    "WecomCallback": {
        **DATA_KEY_RW,
        "StorageWecomStateTable[callback#*]": "write",
        "secret:jiping/wecom-callback/dev": "read",
    },
    # The right to erasure: the one API function that deletes, and only under the interview's prefixes.
    "EraseCandidate": {
        **DATA_KEY_RW,
        "DeliveryDomainEvents": "publish",  # interview.erased
        "StorageAnalyticsTable": RW,
        "StorageArtifactsBucket": "list",
        "StorageArtifactsBucket/*": "delete",
        "StorageAuditTable": RW,
        "StorageDemographicsTable": RW,
        "StorageInterviewsTable": RW,
        "StorageInterviewsTable/index/*": RW,
        "StorageUploadsBucket/uploads/*": "delete",
        "StorageUploadsBucket[uploads/*]": "list",
        "StorageWebhooksTable": RW,
        "StorageWebhooksTable/index/*": RW,
        "StorageWecomStateTable[notice#*]": "delete+read",  # the notice log, not the token cache
        "StorageWorkspaceTable[interview#*]": RW,  # comments, pushes and the decision about the interview
        "StorageWorkspaceTable[manager#*]": RW,  # ... and the pushes in the managers' lists
    },
    "Authorizer": {"StorageApiKeysTable": "read", "StorageDataKey": "decrypt"},
    "BucketNotificationsHandler": {
        "StorageUploadsBucket": "configure",
        "managed:AWSLambdaBasicExecutionRole": "attached",
    },
    "DeliverWebhooks": {
        **ALERTS,
        **DATA_KEY_RW,
        "DeliveryWebhookDeadLetters": "send",
        "DeliveryWebhookQueue": "consume",
        "StorageArtifactsBucket": "read",
        "StorageArtifactsBucket/*": "read",
        "StorageWebhooksTable": RW,
        "StorageWebhooksTable/index/*": RW,
    },
    "RetryWebhooks": {
        **ALERTS,
        **DATA_KEY_RW,
        "DeliveryWebhookDeadLetters": "send",
        "StorageWebhooksTable": RW,
        "StorageWebhooksTable/index/*": RW,
    },
    # The only reader of the WeCom app's secret (corp_secret).
    "NotifyWecom": {
        **ALERTS,
        **DATA_KEY_RW,
        "DeliveryWecomQueue": "consume",
        "StorageArtifactsBucket": "read",
        "StorageArtifactsBucket/*/result.json": "read",  # the candidate's feedback, when the tenant opted in
        "StorageCandidateLinksTable": "read",  # GetItem: the tenant's candidate options
        "StorageCandidateLinksTable/index/*": "read",  # (CDK's table grant names the indexes too)
        "StorageInterviewsTable": "read",
        "StorageInterviewsTable/index/*": "read",
        "StorageProfilesTable": "read",
        "StorageWecomStateTable": RW,
        "secret:jiping/wecom/dev": "read",
    },
    "MonitorDrift": {
        **ALERTS,
        **DATA_KEY_RW,
        "StorageAnalyticsTable": RW,
        "StorageInterviewsTable": "read",
        "StorageInterviewsTable/index/*": "read",
        "StorageProfilesTable": "read",
    },
    # a later version of an evaluated upload key: told from a duplicate event, refused, and recorded
    "StartEvaluation": {
        **DATA_KEY_RW,
        "StorageAuditTable": "write",
        "TriggerUploadBuffer": "consume",
        "WorkflowEvaluateInterview": "start",
        "WorkflowEvaluateInterview/executions": "describe",
    },
    "RecordUnfinished": {
        **DATA_KEY_RW,
        "DeliveryDomainEvents": "publish",
        "StorageArtifactsBucket": "list",
        "StorageArtifactsBucket/*": "delete",
        "StorageInterviewsTable": RW,
        "StorageInterviewsTable/index/*": RW,
        "StorageUploadsBucket/uploads/*": "delete",
        "StorageUploadsBucket[uploads/*]": "list",
        "TriggerUnfinishedExecutions": "consume",
    },
    # The workflow's functions.
    "ProbeMedia": {
        "StorageDataKey": "decrypt",
        "StorageUploadsBucket": "read",
        "StorageUploadsBucket/*": "read",
    },
    "PlanAnswers": {
        "StorageDataKey": "decrypt",
        "StorageInterviewsTable": "read",
        "StorageInterviewsTable/index/*": "read",
    },
    "TranscribeText": {
        **DATA_KEY_RW,
        "StorageArtifactsBucket/*": "write",
        "StorageUploadsBucket": "read",
        "StorageUploadsBucket/*": "read",
    },
    "VisionCpu": {
        **DATA_KEY_RW,
        "StorageArtifactsBucket": "delete+write",
        "StorageArtifactsBucket/*": "delete+write",
        "StorageUploadsBucket": "read",
        "StorageUploadsBucket/*": "read",
    },
    "AudioFeatures": {
        **DATA_KEY_RW,
        "StorageArtifactsBucket": RW,
        "StorageArtifactsBucket/*": RW,
        "StorageUploadsBucket": "read",
        "StorageUploadsBucket/*": "read",
    },
    "ScoreInterview": {
        **DATA_KEY_RW,
        "StorageArtifactsBucket": RW,
        "StorageArtifactsBucket/*": RW,
        "StorageAuditTable": "read+write",  # PutItem and Query only
        "StorageInterviewsTable": RW,
        "StorageInterviewsTable/index/*": RW,
        "StorageProfilesTable": "read",
    },
    "Persist": {
        **DATA_KEY_RW,
        "StorageArtifactsBucket": RW,
        "StorageArtifactsBucket/*": RW,
        "StorageInterviewsTable": RW,
        "StorageInterviewsTable/index/*": RW,
    },
    "Publish": {"DeliveryDomainEvents": "publish"},
}


def test_every_function_has_exactly_the_grants_of_the_table(synth: Synth) -> None:
    actual = grants(synth.raw)
    assert set(actual) == set(EXPECTED), "a function was added or removed: give it its row"
    for function, expected in EXPECTED.items():
        assert actual[function] == expected, function


def test_only_the_wecom_senders_read_the_wecom_app_secret_and_only_the_callback_its_own(synth: Synth) -> None:
    readers = {
        (function, resource)
        for function, row in grants(synth.raw).items()
        for resource in row
        if resource.startswith("secret:")
    }
    assert readers == {
        ("NotifyWecom", "secret:jiping/wecom/dev"),
        ("Api", "secret:jiping/wecom/dev"),  # the candidate's invitation
        ("SweepCandidates", "secret:jiping/wecom/dev"),  # the reminders
        ("WorkspaceApi", "secret:jiping/wecom/dev"),  # sign-in (网页授权) and the manager's card
        ("WecomCallback", "secret:jiping/wecom-callback/dev"),
    }


def test_no_function_reachable_from_the_internet_deletes_objects_but_the_erasure(synth: Synth) -> None:
    table = grants(synth.raw)
    for function in ("Api", "CandidateApi", "WecomCallback", "Authorizer"):
        assert not [r for r, verbs in table[function].items() if "Bucket" in r and "delete" in verbs], (
            function
        )
