"""Names and sizes of the stack, in one place.

The CDK constructs, the local cloud and the tests all read these, so a rename happens here once.
Physical names are left to CloudFormation; what tools look up is exported as a stack output with a
stable logical id (``OUTPUT_*``).
"""

from __future__ import annotations

SERVICE_NAME = "jiping"
STACK_NAME = "Jiping"
EVENT_SOURCE = "jiping"

# Object layout.
UPLOADS_PREFIX = "uploads/"  # uploads/{tenant_id}/{interview_id}/{file}
# artifacts: {tenant_id}/{interview_id}/{media_id}/{transcript,speech,vision,analysis}.json (jiping.domain.answers)
# The candidate site's bucket (web/candidate): the page at c/index.html, for every /c/{token}; its files
# under c/assets/ (what the page's <script>/<link> tags name).
CANDIDATE_WEB_DIR = "web/candidate"
CANDIDATE_PAGE_KEY = "c/index.html"
CANDIDATE_ASSETS_PREFIX = "c/assets/"

# Lambda functions of the zip kind: construct id -> handler inside functions/.
ZIP_FUNCTIONS: dict[str, str] = {
    "ProbeMedia": "probe_media.handler",
    "Persist": "persist.handler",
    "Publish": "publish.handler",
    "StartEvaluation": "start_evaluation.handler",
    "PlanAnswers": "plan_answers.handler",
    "Api": "api.handler.handler",
    "WecomCallback": "api.callback.handler",  # GET/POST /v1/wecom/callback (its own grants, issue 16)
    "EraseCandidate": "api.erase.handler",  # DELETE /v1/candidates/{candidate_ref}
    "DeliverWebhooks": "deliver_webhooks.handler",
    "RetryWebhooks": "retry_webhooks.handler",
    "NotifyWecom": "notify_wecom.handler",
    "Authorizer": "authorizer.handler",
    "MonitorDrift": "monitor_drift.handler",
    "RecordUnfinished": "record_unfinished.handler",
    "TranscribeText": "transcribe_text.handler",
    "CandidateApi": "api.candidate.handler",  # /v1/candidate/... (the candidate's page; its own token check)
    "WorkspaceApi": "api.workspace.handler",  # /v1/workspace/... (the HR workspace; its own session check)
    "SweepCandidates": "sweep_candidates.handler",  # reminders and practice deletion, every 15 minutes
}
# Container-image Lambdas (containers/<task>/Dockerfile.lambda, CMD entrypoint.handler): vision of short
# clips (the same entrypoint as the vision pool's workers), the speech features and scoring.
VISION_FUNCTION = "VisionCpu"
AUDIO_FEATURES_FUNCTION = "AudioFeatures"
SCORE_FUNCTION = "ScoreInterview"
IMAGE_LAMBDA_CMD = "entrypoint.handler"
TRANSCRIBE_CONTAINER_DIR = "containers/transcribe"

# Sizes.
LAMBDA_MEMORY_MB = 1024
LAMBDA_TIMEOUT_S = 60
PROBE_MEMORY_MB = 2048
PROBE_TIMEOUT_S = 120
VISION_LAMBDA_MEMORY_MB = 4096
VISION_LAMBDA_TIMEOUT_S = 900
AUDIO_FEATURES_MEMORY_MB = 2048
AUDIO_FEATURES_TIMEOUT_S = 300
# Scoring runs the judge's language model (1.1 GB GGUF, memory-mapped; ~1.4 GB resident) beside the sentence
# encoder: 3.5 GB gives the function 2 vCPUs, for 2 llama.cpp threads (JUDGE_THREADS), the set-up that
# bench.judge_speed measures (~18 s an answer); 6 GB and 3 threads cost more than the third thread saves
# (docs/capacity.md). The answers are analysed in a Map, one call each, well inside the timeout.
SCORE_MEMORY_MB = 3584
SCORE_JUDGE_THREADS = 2
SCORE_TIMEOUT_S = 600
WEBHOOK_BATCH_SIZE = 4
WEBHOOK_TIMEOUT_S = 15  # per attempt (Standard Webhooks: 15-30 s)
WEBHOOK_FUNCTION_TIMEOUT_S = 300  # a batch of events, each to a few endpoints, at most 15 s per attempt
WEBHOOK_SWEEP_MINUTES = 1
WECOM_BATCH_SIZE = 10
WECOM_FUNCTION_TIMEOUT_S = 120  # a batch of 10 events, a few sends each, bounded retries
DRIFT_MONITOR_HOURS = 24  # score drift is checked once a day
DRIFT_MONITOR_TIMEOUT_S = 300
CANDIDATE_SWEEP_MINUTES = 15  # the links table's Due index is swept this often (reminders, practice deletion)
CANDIDATE_SWEEP_TIMEOUT_S = 300  # a sweep sends a page of reminders (WeCom, bounded retries) and deletes
API_MEMORY_MB = 2048
API_TIMEOUT_S = 29  # API Gateway's integration limit; the analytics routes compute within it
# Warm worker pools: ECS services that keep their model loaded and drain an SQS queue; the workflow
# hands each clip over with sqs:sendMessage.waitForTaskToken and waits (infra/constructs/pools.py).
# Transcription tiers: cpu = whisper base on Fargate (Spot); gpu = large-v3-turbo on EC2 GPU instances.
ASR_TIERS = ("cpu", "gpu")
# Construct ids of the pools; the local cloud runs them under these names, and outputs <id>QueueUrl.
ASR_CPU_POOL = "AsrCpuPool"
ASR_GPU_POOL = "AsrGpuPool"
VISION_POOL = "VisionPool"
POOL_HEARTBEAT_S = 120  # a task with no heartbeat for this long times out (States.HeartbeatTimeout)
POOL_HEARTBEAT_EVERY_S = 20  # how often a working worker sends SendTaskHeartbeat
POOL_TASK_TIMEOUT_S = 3600  # a clip waits at most this long for a worker, queueing included
POOL_VISIBILITY_TIMEOUT_S = 180  # extended by the worker while it works on a message
POOL_MAX_RECEIVE_COUNT = 3  # a message received this often without being finished goes to the DLQ
POOL_CLIPS_PER_PASS = 8  # clips a worker takes from the queue at once and batches across
POOL_BACKLOG_PER_WORKER = 16  # target tracking: clips waiting per running worker
# Fargate pools split their tasks by weight: four on Spot for one on demand (ECS does not fall back from
# Spot to on-demand by itself; the on-demand share keeps a pool working when Spot is short).
FARGATE_SPOT_WEIGHT = 4
FARGATE_ON_DEMAND_WEIGHT = 1
POOL_SCALE_COOLDOWN_S = 60  # between two scaling steps of a pool
ASR_CPU_WORKER_VCPUS = 2  # a Fargate task: whisper base int8, batched, 2 threads
ASR_CPU_WORKER_MEMORY_MIB = 4096
ASR_CPU_MAX_WORKERS = 200
ASR_GPU_WORKER_VCPUS = 4  # a whole g6/g5.xlarge (its GPU)
ASR_GPU_WORKER_MEMORY_MIB = 15_000  # fits what ECS registers on a 16 GiB xlarge GPU instance
ASR_GPU_MAX_WORKERS = 16
ASR_GPU_BATCH_SIZE = 16  # batched inference over VAD chunks of several clips; fits a 24 GB L4/A10G
VISION_WORKER_VCPUS = 2  # vision of a long video: MediaPipe on the CPU (its Python GPU path needs EGL)
VISION_WORKER_MEMORY_MIB = 4096
VISION_MAX_WORKERS = 100
ANSWER_MAP_CONCURRENCY = 8  # answers of one interview analysed at once (AnalyseAnswers Map)
STARTER_BATCH_SIZE = 10
BUFFER_VISIBILITY_TIMEOUT_S = 6 * LAMBDA_TIMEOUT_S
DLQ_MAX_RECEIVE_COUNT = 5
LOG_RETENTION_DAYS = 30

# Reserved concurrency of the workflow's functions: a cap, so that a flood of uploads cannot take the
# account's whole concurrency (the API, the authorizer and delivery keep theirs), and a reservation, so that
# nothing else starves the workflow. The campus peak of the capacity model (two uploads a second) needs 39
# scoring functions at once; the others run for seconds. 270 in all: the account keeps the rest of its
# quota (1,000 by default; Lambda refuses a reservation that leaves less than 100 unreserved). A throttled
# invoke is retried by the workflow (Lambda.TooManyRequestsException, six attempts with backoff).
PIPELINE_RESERVED_CONCURRENCY: dict[str, int] = {
    "ProbeMedia": 40,
    "PlanAnswers": 10,
    "TranscribeText": 10,
    "VisionCpu": 40,
    "AudioFeatures": 40,
    "ScoreInterview": 100,
    "Persist": 20,
    "Publish": 10,
}

# HTTP API throttling (API Gateway's token bucket, for the whole stage and per route, across all callers;
# per-client limits belong to a WAF rate-based rule, docs/waf.md). The analytics routes fit models on
# thousands of rows and the EHR's batch imports write thousands of rows: they get far less.
API_AUTHORIZER_CACHE_S = 10  # a revoked API key is refused everywhere within this
API_THROTTLE_RATE = 200  # requests per second, steady, every route of the stage, every tenant together
API_THROTTLE_BURST = 400  # (each tenant is held far lower by jiping:quotaRequestsPerMinute)
ANALYTICS_THROTTLE_RATE = 2
ANALYTICS_THROTTLE_BURST = 5
# The routes given the analytics limits (each an explicit route of the HTTP API, to the Api function).
ANALYTICS_ROUTES = ("ANY /v1/analytics/{proxy+}", "POST /v1/outcomes", "POST /v1/demographics")
# The candidate's routes (the CandidateApi function, no authorizer: it checks the link or session token itself).
# They are open to anyone holding a link, so they get their own, lower share of the stage: a flood of
# guessed tokens is refused by API Gateway before it costs the HR portal its requests.
CANDIDATE_THROTTLE_RATE = 50
CANDIDATE_THROTTLE_BURST = 100
CANDIDATE_ROUTES = ("POST /v1/candidate/sessions", "ANY /v1/candidate/{proxy+}")
# The HR workspace's routes (WorkspaceApi, a session cookie): people at work, a page at a time.
WORKSPACE_THROTTLE_RATE = 50
WORKSPACE_THROTTLE_BURST = 100
WORKSPACE_ROUTES = ("ANY /v1/workspace/{proxy+}",)

# Defaults that deployments can override with context (cdk.json or -c key=value).
DEFAULTS: dict[str, object] = {
    "jiping:uploadRetentionDays": 30,
    "jiping:artifactRetentionDays": 365,
    "jiping:gpuInstanceTypes": ["g6.xlarge", "g5.xlarge"],
    "jiping:gpuMaxWorkers": 16,  # GPU instances (one worker each) the GPU pool may run at once
    "jiping:asrTier": "cpu",  # the transcription tier when a job profile does not choose: cpu | gpu
    "jiping:shortClipMaxSeconds": 120,
    "jiping:maxMediaSeconds": 3600,
    "jiping:maxMediaBytes": 2 * 1024**3,
    "jiping:whisperModelGpu": "large-v3-turbo",
    "jiping:whisperModelCpu": "base",
    "jiping:visionSampleFps": 4.0,
    "jiping:poseSampleFps": 1.0,
    "jiping:wecomSecretName": "jiping/wecom",  # corp_id, corp_secret, agent_id: NotifyWecom only
    "jiping:wecomCallbackSecretName": "jiping/wecom-callback",  # callback_token, encoding_aes_key, corp_id
    "jiping:bundleLayerDependencies": True,
    "jiping:auditRetentionDays": 1095,  # the audit log (EU AI Act art. 26: at least six months)
    # per-tenant quotas (jiping.portal.quotas): each refusal a 429 with Retry-After
    "jiping:quotaRequestsPerMinute": 600,  # API requests a tenant may make a minute
    "jiping:quotaInterviewsPerDay": 20_000,  # new interviews a tenant may start a UTC day
    "jiping:quotaWebhookEndpoints": 10,
    "jiping:quotaReplaysPerHour": 200,
    # The candidate page (infra/constructs/candidate_site.py): "" serves it at the CloudFront distribution's
    # own https://d….cloudfront.net; a company domain ("https://interview.example.com", an origin, no path)
    # needs an ACM certificate for it in us-east-1 (CloudFront's region) and a CNAME to the distribution.
    "jiping:candidateBaseUrl": "",
    "jiping:candidateCertificateArn": "",
    # The HR workspace's sign-in without WeCom: an existing Cognito user pool, its app client (public, the
    # authorization-code grant with PKCE) and its hosted UI's domain (README: "Signing in without WeCom")
    "jiping:cognitoUserPoolId": "",
    "jiping:cognitoClientId": "",
    "jiping:cognitoDomain": "",
}

# Stack outputs (stable logical ids) that the local cloud, the CLI and the tests look up.
OUTPUT_UPLOADS_BUCKET = "UploadsBucketName"
OUTPUT_ARTIFACTS_BUCKET = "ArtifactsBucketName"
OUTPUT_INTERVIEWS_TABLE = "InterviewsTableName"
OUTPUT_IDEMPOTENCY_TABLE = "IdempotencyTableName"
OUTPUT_PROFILES_TABLE = "ProfilesTableName"
OUTPUT_WEBHOOKS_TABLE = "WebhooksTableName"
OUTPUT_WECOM_STATE_TABLE = "WecomStateTableName"
OUTPUT_API_KEYS_TABLE = "ApiKeysTableName"
OUTPUT_ANALYTICS_TABLE = "AnalyticsTableName"
OUTPUT_DEMOGRAPHICS_TABLE = "DemographicsTableName"
OUTPUT_AUDIT_TABLE = "AuditTableName"
OUTPUT_WEBHOOK_DLQ = "WebhookDeadLetterQueueUrl"
OUTPUT_ALERTS_TOPIC = "AlertsTopicArn"
OUTPUT_STATE_MACHINE = "EvaluateInterviewStateMachineArn"
OUTPUT_EVENT_BUS = "EventBusName"
OUTPUT_BUFFER_QUEUE = "UploadBufferQueueUrl"
OUTPUT_UNFINISHED_QUEUE = "UnfinishedExecutionsQueueUrl"
OUTPUT_WEBHOOK_QUEUE = "WebhookQueueUrl"
OUTPUT_WECOM_QUEUE = "WecomQueueUrl"
OUTPUT_API_URL = "ApiUrl"
OUTPUT_CANDIDATE_LINKS_TABLE = "CandidateLinksTableName"
OUTPUT_WORKSPACE_TABLE = "WorkspaceTableName"
OUTPUT_GROUP_SESSIONS_TABLE = "GroupSessionsTableName"
OUTPUT_CANDIDATE_SITE_URL = "CandidateSiteUrl"  # links are {url}/c/{token}: Api's candidate_base_url
OUTPUT_CANDIDATE_SITE_DOMAIN = "CandidateSiteDistributionDomainName"  # the CNAME target of a custom domain

# Stages: one stack per stage (``-c jiping:stage=prod``), so dev and prod can share an account and region.
# The construct id stays STACK_NAME (the cloud assembly's artifact, ``Jiping.template.json``, and the paths the
# local cloud reads); the CloudFormation stack is named ``Jiping-<stage>`` and every physical name we choose
# carries the stage.
DEFAULT_STAGE = "dev"
STAGE_PATTERN = r"[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?"  # lowercase letters, digits, inner hyphens; <= 12
STAGE_MAX_LENGTH = 12


def stack_name(stage: str = DEFAULT_STAGE) -> str:
    """The CloudFormation stack of ``stage``: ``Jiping-dev``, ``Jiping-prod``."""
    return f"{STACK_NAME}-{stage}"


# Partitions: ``aws`` (the commercial regions) or ``aws-cn`` (Beijing cn-north-1, Ningxia cn-northwest-1).
PARTITIONS = ("aws", "aws-cn")
DEFAULT_PARTITION = "aws"
# GPU instance types for the GPU worker pool, per partition (the default of ``jiping:gpuInstanceTypes``):
# AWS China offers g5 and g4dn but no g6 (docs/operations.md).
GPU_INSTANCE_TYPES: dict[str, tuple[str, ...]] = {
    "aws": ("g6.xlarge", "g5.xlarge"),
    "aws-cn": ("g5.xlarge", "g4dn.xlarge"),
}
# Partitions that offer only some GPU families: a configured type of another family fails the synth.
GPU_FAMILIES: dict[str, frozenset[str]] = {"aws-cn": frozenset({"g4dn", "g5"})}


def gpu_instance_types(partition: str = DEFAULT_PARTITION) -> list[str]:
    """The default GPU instance types of ``partition``."""
    return list(GPU_INSTANCE_TYPES[partition])


# Context keys whose default depends on the partition (resolved by the stack, not by DEFAULTS).
PARTITION_DEPENDENT_CONTEXT = ("jiping:gpuInstanceTypes",)

# Custom metrics (Powertools, embedded metric format) that alarms watch. The names are the ones
# jiping.delivery emits (tests/infra/test_operations.py keeps them equal); the only dimension is "service".
METRICS_NAMESPACE = "Jiping"
METRIC_WEBHOOK_ENDPOINT_DISABLED = "WebhookEndpointDisabled"
METRIC_WECOM_REFUSED = "WecomRefused"
# Alarms: a worker queue's oldest message waiting longer than this (seconds) means the pool is not keeping up.
BACKLOG_AGE_ALARM_S = 15 * 60
ALARM_PERIOD_S = 300
DASHBOARD_NAME_PREFIX = "Jiping"
OUTPUT_DASHBOARD = "OperationsDashboardName"
