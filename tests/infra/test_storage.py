"""Buckets and tables: encryption, public access, TLS, versioning, retention, PITR, keys, TTL."""

from __future__ import annotations

from aws_cdk.assertions import Match
from jiping.adapters.dynamo.interviews import POOL_PROJECTION, SCORED_PROJECTION

from infra import constants

from .conftest import Synth


def _bucket(synth: Synth, prefix: str) -> dict:
    return synth.resource("AWS::S3::Bucket", prefix)[1]["Properties"]


def test_data_buckets_are_kms_encrypted_with_the_rotating_stack_key(synth: Synth) -> None:
    key_id, key = synth.resource("AWS::KMS::Key", "StorageDataKey")
    assert key["Properties"]["EnableKeyRotation"] is True
    for prefix in ("StorageUploadsBucket", "StorageArtifactsBucket"):
        sse = _bucket(synth, prefix)["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
        assert sse["ServerSideEncryptionByDefault"]["KMSMasterKeyID"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_every_bucket_blocks_public_access_is_versioned_and_refuses_plain_http(synth: Synth) -> None:
    buckets = synth.resources("AWS::S3::Bucket")
    assert len(buckets) == 4  # uploads, artifacts, access logs, the candidate site (issue 17)
    policies = {
        p["Properties"]["Bucket"]["Ref"]: p["Properties"]["PolicyDocument"]["Statement"]
        for p in synth.resources("AWS::S3::BucketPolicy").values()
    }
    for logical_id, bucket in buckets.items():
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}
        deny_http = [
            s
            for s in policies[logical_id]
            if s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        ]
        assert deny_http, f"{logical_id} accepts plain HTTP"


def test_data_buckets_log_access_to_the_access_log_bucket(synth: Synth) -> None:
    logs_id, _ = synth.resource("AWS::S3::Bucket", "StorageAccessLogsBucket")
    for prefix in ("StorageUploadsBucket", "StorageArtifactsBucket"):
        assert _bucket(synth, prefix)["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": logs_id}


def test_uploads_expire_on_the_retention_schedule_and_emit_eventbridge_events(synth: Synth) -> None:
    props = _bucket(synth, "StorageUploadsBucket")
    (rule,) = props["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["ExpirationInDays"] == constants.DEFAULTS["jiping:uploadRetentionDays"]
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    synth.template.has_resource_properties(
        "Custom::S3BucketNotifications",
        {
            "BucketName": {"Ref": synth.resource("AWS::S3::Bucket", "StorageUploadsBucket")[0]},
            "NotificationConfiguration": {"EventBridgeConfiguration": {}},
        },
    )


def test_artifacts_expire_after_the_artifact_retention(synth: Synth) -> None:
    (rule,) = _bucket(synth, "StorageArtifactsBucket")["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == constants.DEFAULTS["jiping:artifactRetentionDays"]
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}


def test_interviews_table_keys_ttl_pitr_and_kms(synth: Synth) -> None:
    key_id, _ = synth.resource("AWS::KMS::Key", "StorageDataKey")
    synth.template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "KeySchema": [
                {"AttributeName": "tenant_id", "KeyType": "HASH"},
                {"AttributeName": "interview_id", "KeyType": "RANGE"},
            ],
            "AttributeDefinitions": Match.array_equals(
                [
                    {"AttributeName": "tenant_id", "AttributeType": "S"},
                    {"AttributeName": "interview_id", "AttributeType": "S"},
                    {"AttributeName": "job_key", "AttributeType": "S"},
                    {"AttributeName": "scored_at", "AttributeType": "S"},
                    {"AttributeName": "pool_key", "AttributeType": "S"},
                    {"AttributeName": "pool_rank", "AttributeType": "S"},
                ]
            ),
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "ScoredByJob",
                    "KeySchema": [
                        {"AttributeName": "job_key", "KeyType": "HASH"},
                        {"AttributeName": "scored_at", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(SCORED_PROJECTION)},
                },
                {  # the talent pool, a page at a time by score (issue 18)
                    "IndexName": "PoolByJob",
                    "KeySchema": [
                        {"AttributeName": "pool_key", "KeyType": "HASH"},
                        {"AttributeName": "pool_rank", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(POOL_PROJECTION)},
                },
            ],
            "BillingMode": "PAY_PER_REQUEST",
            "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {
                "SSEEnabled": True,
                "SSEType": "KMS",
                "KMSMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]},
            },
        },
    )


def test_idempotency_table_matches_the_powertools_layout(synth: Synth) -> None:
    synth.template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "TimeToLiveSpecification": {"AttributeName": "expiration", "Enabled": True},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "BillingMode": "PAY_PER_REQUEST",
            "SSESpecification": Match.object_like({"SSEType": "KMS"}),
        },
    )


def test_outputs_have_the_stable_logical_ids_of_the_contract(synth: Synth) -> None:
    expected = {value for name, value in vars(constants).items() if name.startswith("OUTPUT_")}
    assert expected <= set(synth.raw["Outputs"])
    assert synth.raw["Outputs"][constants.OUTPUT_UPLOADS_BUCKET]["Value"] == {
        "Ref": synth.resource("AWS::S3::Bucket", "StorageUploadsBucket")[0]
    }


def test_profiles_table_keeps_every_version_per_tenant(synth: Synth) -> None:
    _, table = synth.resource("AWS::DynamoDB::Table", "StorageProfilesTable")
    props = table["Properties"]
    assert props["KeySchema"] == [
        {"AttributeName": "tenant_id", "KeyType": "HASH"},
        {"AttributeName": "profile_version", "KeyType": "RANGE"},
    ]
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert "TimeToLiveSpecification" not in props  # profiles do not expire


def test_every_log_group_is_encrypted_with_the_rotating_logs_key_usable_by_logs_only_here(
    synth: Synth,
) -> None:
    key_id, key = synth.resource("AWS::KMS::Key", "LogsKey")
    assert key["Properties"]["EnableKeyRotation"] is True
    groups = synth.resources("AWS::Logs::LogGroup")
    assert len(groups) >= 20
    for logical_id, group in groups.items():
        assert group["Properties"].get("KmsKeyId") == {"Fn::GetAtt": [key_id, "Arn"]}, logical_id
    (logs_statement,) = [
        s for s in key["Properties"]["KeyPolicy"]["Statement"] if "Service" in s["Principal"]
    ]
    context = logs_statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert context == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":logs:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":*",
            ],
        ]
    }
