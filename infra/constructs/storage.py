"""Buckets, tables and the customer-managed key that encrypts them."""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct
from jiping.adapters.dynamo.interviews import POOL_PROJECTION, SCORED_PROJECTION

from infra import constants

NONCURRENT_VERSION_EXPIRY_DAYS = 1
ABORT_MULTIPART_AFTER_DAYS = 1
CORS_MAX_AGE_S = 3000  # browsers cache the upload preflight this long


class Storage(Construct):
    """Uploads (raw video, short-lived), artifacts (transcripts, reports), access logs, tables."""

    def __init__(
        self, scope: Construct, construct_id: str, *, upload_retention_days: int, artifact_retention_days: int
    ) -> None:
        super().__init__(scope, construct_id)

        self.key = kms.Key(
            self,
            "DataKey",
            description="Jiping: interview media, artifacts and tables",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )

        # Server access logs cannot be delivered to an SSE-KMS bucket: S3-managed keys here.
        self.access_logs = s3.Bucket(
            self,
            "AccessLogsBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=Duration.days(artifact_retention_days),
                    noncurrent_version_expiration=Duration.days(NONCURRENT_VERSION_EXPIRY_DAYS),
                )
            ],
        )

        self.uploads = self._data_bucket(
            "UploadsBucket",
            retention_days=upload_retention_days,
            log_prefix="uploads/",
            event_bridge_enabled=True,
        )
        self.artifacts = self._data_bucket(
            "ArtifactsBucket", retention_days=artifact_retention_days, log_prefix="artifacts/"
        )

        self.interviews = self._table(
            "InterviewsTable",
            partition_key=dynamodb.Attribute(name="tenant_id", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="interview_id", type=dynamodb.AttributeType.STRING),
            ttl_attribute="expires_at",
        )
        # Scored interviews per tenant and job, by time scored (jiping.adapters.dynamo.interviews.ScoredByJob).
        self.interviews.add_global_secondary_index(
            index_name="ScoredByJob",
            partition_key=dynamodb.Attribute(name="job_key", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="scored_at", type=dynamodb.AttributeType.STRING),
            projection_type=dynamodb.ProjectionType.INCLUDE,
            non_key_attributes=list(SCORED_PROJECTION),
        )
        # Every interview of a tenant's job, by score (jiping.adapters.dynamo.interviews.PoolByJob): the talent
        # pool's pages and the job's funnel.
        self.interviews.add_global_secondary_index(
            index_name="PoolByJob",
            partition_key=dynamodb.Attribute(name="pool_key", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="pool_rank", type=dynamodb.AttributeType.STRING),
            projection_type=dynamodb.ProjectionType.INCLUDE,
            non_key_attributes=list(POOL_PROJECTION),
        )
        # Job profiles (competency models), per tenant, every version kept: sort key "{profile_id}#{version:06d}".
        self.profiles = self._table(
            "ProfilesTable",
            partition_key=dynamodb.Attribute(name="tenant_id", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="profile_version", type=dynamodb.AttributeType.STRING),
        )
        # Webhook endpoints and deliveries, per tenant (sort key "endpoint#…" / "delivery#…"); the sparse
        # "Due" index holds the pending deliveries by next attempt time (jiping.adapters.dynamo.webhooks).
        self.webhooks = self._table(
            "WebhooksTable",
            partition_key=dynamodb.Attribute(name="tenant_id", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
        )
        self.webhooks.add_global_secondary_index(
            index_name="Due",
            partition_key=dynamodb.Attribute(name="due", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="next_attempt_at", type=dynamodb.AttributeType.STRING),
            projection_type=dynamodb.ProjectionType.ALL,
        )
        # The WeCom notifier's token cache, notice log and per-member counters (jiping.adapters.dynamo.wecom).
        self.wecom_state = self._table(
            "WecomStateTable",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
            ttl_attribute="expires_at",
        )
        # Portal API keys: key id -> tenant and the SHA-256 of the key's secret (jiping.portal.interviews).
        self.api_keys = self._table(
            "ApiKeysTable",
            partition_key=dynamodb.Attribute(name="key_id", type=dynamodb.AttributeType.STRING),
        )
        # Analytics: outcomes from the EHR ("outcome#{interview}#{kind}#{date}"), re-weighting proposals
        # ("proposal#{id}") and drift alerts already raised ("drift#…") (jiping.adapters.dynamo.analytics).
        self.analytics = self._table(
            "AnalyticsTable",
            partition_key=dynamodb.Attribute(name="tenant_id", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
        )
        # Demographic attributes, apart from the interview data: only the API (the routes that store them,
        # the impact report, erasure) is granted this table; the scoring functions are not.
        self.demographics = self._table(
            "DemographicsTable",
            partition_key=dynamodb.Attribute(name="tenant_id", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="interview_id", type=dynamodb.AttributeType.STRING),
        )
        # The audit log: every score and human decision, written once, expiring after the retention
        # ("{interview}#{at}#{kind}", TTL expires_at; jiping.adapters.dynamo.audit).
        self.audit = self._table(
            "AuditTable",
            partition_key=dynamodb.Attribute(name="tenant_id", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
            ttl_attribute="expires_at",
        )
        # Candidate links (jiping.portal.candidates): keyed "pk" by a hash of the link's or session's token (the
        # token itself is never stored), expiring by TTL (expires_at, epoch seconds). The sparse "Due" index
        # holds only the items with a next action (a reminder before the deadline, the deletion of a practice
        # interview) by when it is due (due_at, ISO time), for SweepCandidates.
        self.candidate_links = self._table(
            "CandidateLinksTable",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            ttl_attribute="expires_at",
        )
        self.candidate_links.add_global_secondary_index(
            index_name="Due",
            partition_key=dynamodb.Attribute(name="due", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="due_at", type=dynamodb.AttributeType.STRING),
            projection_type=dynamodb.ProjectionType.ALL,
        )
        # The HR workspace (jiping.adapters.dynamo.workspace): members by tenant, sessions and OAuth states by a
        # hash of their token (TTL expires_at), and per interview what HR and managers did (pushes, comments,
        # decisions), in one partition that erasure deletes.
        self.workspace = self._table(
            "WorkspaceTable",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
            ttl_attribute="expires_at",
        )
        # Group discussions (jiping.adapters.dynamo.groups): one item per session, by tenant: who is who and each
        # participant's track (an interview of its own).
        self.group_sessions = self._table(
            "GroupSessionsTable",
            partition_key=dynamodb.Attribute(name="tenant_id", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="session_id", type=dynamodb.AttributeType.STRING),
        )
        # Powertools idempotency layout: key_attr="id", expiry_attr="expiration".
        self.idempotency = self._table(
            "IdempotencyTable",
            partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
            ttl_attribute="expiration",
        )

        for name, value in (
            (constants.OUTPUT_UPLOADS_BUCKET, self.uploads.bucket_name),
            (constants.OUTPUT_ARTIFACTS_BUCKET, self.artifacts.bucket_name),
            (constants.OUTPUT_INTERVIEWS_TABLE, self.interviews.table_name),
            (constants.OUTPUT_IDEMPOTENCY_TABLE, self.idempotency.table_name),
            (constants.OUTPUT_PROFILES_TABLE, self.profiles.table_name),
            (constants.OUTPUT_WEBHOOKS_TABLE, self.webhooks.table_name),
            (constants.OUTPUT_WECOM_STATE_TABLE, self.wecom_state.table_name),
            (constants.OUTPUT_API_KEYS_TABLE, self.api_keys.table_name),
            (constants.OUTPUT_ANALYTICS_TABLE, self.analytics.table_name),
            (constants.OUTPUT_DEMOGRAPHICS_TABLE, self.demographics.table_name),
            (constants.OUTPUT_AUDIT_TABLE, self.audit.table_name),
            (constants.OUTPUT_CANDIDATE_LINKS_TABLE, self.candidate_links.table_name),
            (constants.OUTPUT_WORKSPACE_TABLE, self.workspace.table_name),
            (constants.OUTPUT_GROUP_SESSIONS_TABLE, self.group_sessions.table_name),
        ):
            CfnOutput(self, name, value=value).override_logical_id(name)

    def allow_browser_uploads(self, origin: str) -> None:
        """Let the page on ``origin`` (the candidate site) POST the presigned upload forms from the browser: the
        form's policy, signed by CandidateApi, decides what may be written; CORS only lets the page's script
        send it and read S3's answer."""
        self.uploads.add_cors_rule(
            id="candidate-site-uploads",
            allowed_methods=[s3.HttpMethods.POST],
            allowed_origins=[origin],
            allowed_headers=["*"],
            max_age=CORS_MAX_AGE_S,
        )

    def _data_bucket(
        self, construct_id: str, *, retention_days: int, log_prefix: str, event_bridge_enabled: bool = False
    ) -> s3.Bucket:
        return s3.Bucket(
            self,
            construct_id,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix=log_prefix,
            event_bridge_enabled=event_bridge_enabled,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="retention",
                    expiration=Duration.days(retention_days),
                    noncurrent_version_expiration=Duration.days(NONCURRENT_VERSION_EXPIRY_DAYS),
                    abort_incomplete_multipart_upload_after=Duration.days(ABORT_MULTIPART_AFTER_DAYS),
                )
            ],
        )

    def _table(
        self,
        construct_id: str,
        *,
        partition_key: dynamodb.Attribute,
        ttl_attribute: str | None = None,
        sort_key: dynamodb.Attribute | None = None,
    ) -> dynamodb.Table:
        return dynamodb.Table(
            self,
            construct_id,
            partition_key=partition_key,
            sort_key=sort_key,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=ttl_attribute,
            removal_policy=RemovalPolicy.RETAIN,
        )
