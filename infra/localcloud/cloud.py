"""The local cloud: the synthesized Jiping stack, running in this process on moto.

``LocalCloud`` synthesizes the CDK app (or reuses a synthesis of the same sources), creates the
template's buckets, tables, queues, event buses, rules, functions and the state machine in moto, and
runs them:

- the state machine executes in moto's Step Functions interpreter, with the very definition CDK wrote;
- Lambda invokes reach our ``functions/`` and container entrypoints (``runtime``);
- each worker pool (an ECS service in AWS) runs as worker threads polling its SQS queue and answering
  the workflow's ``.waitForTaskToken`` tasks with the token, as in AWS (``pools``);
- an upload to the uploads bucket travels S3 -> EventBridge -> SQS buffer as in AWS (moto does that),
  and the event source mapping from the buffer to StartEvaluation, which moto lacks, is emulated by
  a poller here.

Deliberate differences from AWS, all local-only: retry waits and heartbeat timeouts are scaled down;
the GPU pool and the container-image functions run on the CPU with the base model from the local model
cache (their device, compute type and model path settings are overridden); KMS, IAM, logging and X-Ray
settings are not enforced; function timeouts are not enforced.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from infra import constants
from infra.localcloud import moto_patches
from infra.localcloud.deploy import Deployment
from infra.localcloud.harness import Delays, Harness, LambdaServiceError, Returns
from infra.localcloud.pools import LocalPool
from infra.localcloud.receivers import EhrReceiver, WecomStandIn
from infra.localcloud.runtime import LocalContainer, LocalFunction
from infra.localcloud.synth import LOCAL_API_URL, REPO, local_overrides, synthesize
from infra.localcloud.template import REGION, Template

_MOTO_CONFIG = {
    # moto's own stand-in keys (the same on every machine) stay off: this process's keys are the run's own,
    # with a secret drawn afresh per process, and they sign the upload forms the S3 door checks (s3_door)
    "core": {
        "mock_credentials": False,
        "passthrough": {"urls": [], "services": []},
        "reset_boto3_session": True,
        "service_whitelist": None,
    },
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}
_PROCESS_ENV = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SESSION_TOKEN": "local",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_DEV": "false",
    "GLOG_minloglevel": "2",  # MediaPipe / TFLite: warnings and info off the console (as in the images)
    "TF_CPP_MIN_LOG_LEVEL": "2",
}
EVENT_TAP_QUEUE = "localcloud-event-tap"
# Workers per pool locally: two for the CPU transcription pool (so that one can take over a clip whose
# worker died), one for the others. The model is loaded once per process and shared.
LOCAL_POOL_SIZES = {constants.ASR_CPU_POOL: 2, constants.ASR_GPU_POOL: 1, constants.VISION_POOL: 1}
LOCAL_WECOM_SECRET = "localcloud/wecom"  # noqa: S105 - a secret's name, holding the stand-in's test app
LOCAL_WECOM_CALLBACK_SECRET = "localcloud/wecom-callback"  # noqa: S105 - a secret's name (the callback's keys)


@functools.cache
def _run_secret() -> str:
    """This run's secret key, which no one else can sign with: drawn once per process, because the functions'
    clients (``jiping.bootstrap.client``) live as long as the process, across local clouds."""
    return secrets.token_urlsafe(32)


class LocalCloud(Harness):
    """The stack on moto, in this process. Use as a context manager."""

    def __init__(
        self,
        *,
        context: Mapping[str, Any] | None = None,
        model_cache: Path | None = None,
        retry_scale: float = 0.01,
        redelivery_seconds: float = 0.2,
        synth_cache: Path | None = None,
        schedule_scale: float = 1.0,
        heartbeat_scale: float = 0.05,
        pool_sizes: Mapping[str, int] | None = None,
    ) -> None:
        self._context = dict(context or {})
        self._model_cache = model_cache or (REPO / ".cache" / "models")
        self._retry_scale = retry_scale
        self._redelivery = redelivery_seconds
        self._synth_cache = synth_cache
        self._schedule_scale = schedule_scale
        self.heartbeat_scale = heartbeat_scale
        self._pool_sizes = {**LOCAL_POOL_SIZES, **dict(pool_sizes or {})}
        self.pools: dict[str, LocalPool] = {}
        self.schedules: list[tuple[str, list[str]]] = []
        self._mock: Any = None
        self._saved_env: dict[str, str | None] = {}
        self._stop = threading.Event()
        self._schedules_paused = threading.Event()
        self._pollers: list[threading.Thread] = []
        self._busy = 0
        self._busy_lock = threading.Lock()
        self.functions: dict[str, LocalFunction] = {}
        self.containers: dict[str, LocalContainer] = {}
        self.overrides: dict[str, dict[str, str]] = local_overrides(self._model_cache)
        self.faults: dict[
            str, list[BaseException | Returns | Delays | LambdaServiceError]
        ] = {}  # construct id -> errors its next invokes raise
        self._faults_lock = threading.Lock()
        self.template: Template | None = None
        self.outputs: dict[str, str] = {}
        self.ehr = EhrReceiver()  # the local EHR: webhook endpoints registered locally point here
        self.wecom = WecomStandIn()  # the local WeCom API: the notifier's wechatpy client points here
        self.event_tap_url = ""  # every domain event, for tests and tools (local only, not in the stack)

    # --- lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> LocalCloud:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        from moto import mock_aws

        raw, assembly = synthesize(self._synth_cache, self._context)
        self.template = Template(raw, assembly, constants.STACK_NAME)
        for key, value in (_PROCESS_ENV | {"AWS_SECRET_ACCESS_KEY": _run_secret()}).items():
            self._saved_env[key] = os.environ.get(key)
            os.environ[key] = value
        logging.getLogger("moto.stepfunctions").setLevel(
            logging.CRITICAL
        )  # it logs every Fail state as an error
        self._mock = mock_aws(config=_MOTO_CONFIG)  # type: ignore[call-overload]
        self._mock.start()
        moto_patches.install(
            self._dispatch_lambda, self._retry_scale, self._execution_ended, self.heartbeat_scale
        )
        self.ehr.start()
        self.wecom.start()
        try:
            self._deploy()
        except Exception:
            self.stop()
            raise

    def stop(self) -> None:
        self._stop.set()
        for pool in self.pools.values():
            pool.stop()
        for t in self._pollers:
            t.join(timeout=10)
        self._pollers.clear()
        self.ehr.stop()
        self.wecom.stop()
        moto_patches.uninstall()
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()

    def client(self, service: str) -> Any:
        return boto3.session.Session().client(
            service, region_name=REGION, config=Config(retries={"mode": "standard", "max_attempts": 3})
        )

    # --- deploy the template ------------------------------------------------------------------

    def _deploy(self) -> None:
        tpl = self.template
        assert tpl is not None
        deployment = Deployment(tpl, self.client)
        deployment.apply()
        self.functions = deployment.functions
        self.schedules = deployment.schedules
        self.containers = deployment.containers
        self.outputs = {k: str(v) for k, v in tpl.outputs().items()}
        # No CloudFront locally: the candidate page is served by `jiping serve`, beside the local API.
        self.outputs[constants.OUTPUT_CANDIDATE_SITE_URL] = LOCAL_API_URL
        self._tap_events()
        self._wecom_secret()
        self._start_event_source_mappings(tpl)
        self._start_schedules()
        self._start_pools(deployment)

    def _start_pools(self, deployment: Deployment) -> None:
        """Each ECS service's workers, as threads on the emulated queue (``pools.LocalPool``)."""
        for name, spec in deployment.services.items():
            pool = LocalPool(
                name=name,
                container=spec.container,
                command=spec.command,
                environment=spec.environment,
                size=self._pool_sizes.get(name, 1),
                shutdown=self._stop,
                overrides=lambda name=name: self.overrides.get(name, {}),  # type: ignore[misc]
            )
            self.pools[name] = pool
            pool.start()

    def _start_schedules(self) -> None:
        """Fire each scheduled rule's Lambda targets at its rate (``schedule_scale`` shortens it)."""
        for expression, arns in self.schedules:
            match = re.fullmatch(r"rate\((\d+) (minute|hour|day)s?\)", expression)
            if not match:
                raise ValueError(
                    f"the local cloud runs rate(N minutes|hours|days) schedules only, not {expression}"
                )
            unit = {"minute": 60, "hour": 3600, "day": 86400}[match[2]]
            seconds = int(match[1]) * unit * self._schedule_scale
            for arn in arns:
                fn = next(f for f in self.functions.values() if arn.endswith(f":{f.name}") or arn == f.name)
                thread = threading.Thread(
                    target=self._tick, args=(fn, seconds), name=f"schedule-{fn.construct_id}", daemon=True
                )
                thread.start()
                self._pollers.append(thread)

    @contextmanager
    def schedules_paused(self) -> Iterator[None]:
        """Hold the scheduled rules (as disabling them would) while a test drives time itself."""
        self._schedules_paused.set()
        try:
            yield
        finally:
            self._schedules_paused.clear()

    def _tick(self, fn: LocalFunction, seconds: float) -> None:
        lam = self.client("lambda")
        while not self._stop.wait(seconds):
            if self._schedules_paused.is_set():
                continue
            event = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
            with contextlib.suppress(Exception):  # a schedule keeps firing, as EventBridge does
                lam.invoke(FunctionName=fn.name, Payload=json.dumps(event).encode())

    def _wecom_secret(self) -> None:
        """The operator's WeCom secrets (created by hand in AWS, see README), holding the stand-in's app."""
        config = self.wecom.config()
        secrets_manager = self.client("secretsmanager")
        secret = secrets_manager.create_secret(Name=LOCAL_WECOM_SECRET, SecretString=json.dumps(config))
        # the callback's own secret: its token and AES key (and the corp id it checks), no corp_secret
        callback = secrets_manager.create_secret(
            Name=LOCAL_WECOM_CALLBACK_SECRET,
            SecretString=json.dumps(
                {k: config[k] for k in ("callback_token", "encoding_aes_key", "corp_id")}
            ),
        )
        self.overrides["WecomCallback"] = self.overrides.get("WecomCallback", {}) | {
            "WECOM_CALLBACK_SECRET_ARN": callback["ARN"]
        }
        self.overrides["NotifyWecom"] = {
            "WECOM_SECRET_ARN": secret["ARN"],
            "WECOM_API_BASE": self.wecom.api_base,
            "API_BASE_URL": LOCAL_API_URL,
        }
        # the other senders: the Api (a candidate's invitation), the sweep (reminders) and the workspace (sign-in
        # and the manager's card)
        for construct_id in ("Api", "SweepCandidates", "WorkspaceApi"):
            self.overrides[construct_id] = self.overrides.get(construct_id, {}) | {
                "WECOM_SECRET_ARN": secret["ARN"],
                "WECOM_API_BASE": self.wecom.api_base,
            }
        # the workspace's sign-in goes to the stand-in's page; its cookies travel over http://127.0.0.1
        self.overrides["WorkspaceApi"] |= {
            "WECOM_OAUTH_URL": self.wecom.oauth_url,
            "SECURE_COOKIES": "false",
            "WORKSPACE_BASE_URL": LOCAL_API_URL,
        }

    def cognito_jwks_url(self) -> str:
        """Where a WorkspaceApi finds the keys of moto's Cognito pools (moto signs every pool's tokens with
        the one key pair it ships): a file:// URL, as PyJWT reads it, instead of the pool's https address."""
        import gzip
        import tempfile

        import moto.cognitoidp

        source = Path(moto.cognitoidp.__file__).parent / "resources" / "jwks-public.json.gz"
        target = Path(tempfile.gettempdir()) / "jiping-localcloud-jwks.json"
        target.write_bytes(gzip.decompress(source.read_bytes()))
        return target.as_uri()

    def _tap_events(self) -> None:
        """A queue that receives every event on the domain bus (what the tests read what was published from)."""
        sqs, events = self.client("sqs"), self.client("events")
        self.event_tap_url = sqs.create_queue(QueueName=EVENT_TAP_QUEUE)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=self.event_tap_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        bus = self.outputs[constants.OUTPUT_EVENT_BUS]
        events.put_rule(
            Name="localcloud-tap",
            EventBusName=bus,
            EventPattern=json.dumps({"source": [constants.EVENT_SOURCE]}),
        )
        events.put_targets(Rule="localcloud-tap", EventBusName=bus, Targets=[{"Id": "tap", "Arn": arn}])

    def _start_event_source_mappings(self, tpl: Template) -> None:
        for res in tpl.of_type("AWS::Lambda::EventSourceMapping"):
            props = tpl.resolve(res.properties)
            source = props["EventSourceArn"]
            if ":sqs:" not in source:
                continue
            fn_ref = props["FunctionName"]
            fn = next(f for f in self.functions.values() if f.name == fn_ref or fn_ref.endswith(f":{f.name}"))
            queue = next(q for q in tpl.of_type("AWS::SQS::Queue") if q.attributes["Arn"] == source)
            thread = threading.Thread(
                target=self._poll_queue,
                args=(
                    queue.ref,
                    source,
                    fn,
                    int(props.get("BatchSize", 10)),
                    "ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                ),
                name=f"esm-{res.logical_id}",
                daemon=True,
            )
            thread.start()
            self._pollers.append(thread)

    def _poll_queue(self, url: str, arn: str, fn: LocalFunction, batch_size: int, partial: bool) -> None:
        sqs = self.client("sqs")
        lam = self.client("lambda")
        while not self._stop.is_set():
            msgs: list[dict[str, Any]] = []
            with self._busy_lock:
                self._busy += 1
            try:
                msgs = sqs.receive_message(
                    QueueUrl=url,
                    MaxNumberOfMessages=min(batch_size, 10),
                    AttributeNames=["All"],
                    MessageAttributeNames=["All"],
                    WaitTimeSeconds=0,
                ).get("Messages", [])
                if msgs:
                    self._deliver(sqs, lam, url, arn, fn, msgs, partial)
            except Exception:  # noqa: BLE001 - the poller must outlive one bad batch, like Lambda's
                time.sleep(0.2)
            finally:
                with self._busy_lock:
                    self._busy -= 1
            if not msgs:
                self._stop.wait(0.05)

    def _deliver(
        self,
        sqs: Any,
        lam: Any,
        url: str,
        arn: str,
        fn: LocalFunction,
        msgs: list[dict[str, Any]],
        partial: bool,
    ) -> None:
        records = [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": REGION,
            }
            for m in msgs
        ]
        resp = lam.invoke(FunctionName=fn.name, Payload=json.dumps({"Records": records}).encode())
        body = json.loads(resp["Payload"].read() or b"{}")
        if resp.get("FunctionError"):
            failed = {m["MessageId"] for m in msgs}
        elif partial:
            failed = {f["itemIdentifier"] for f in body.get("batchItemFailures", [])}
        else:
            failed = set()
        for m in msgs:
            if m["MessageId"] in failed:  # visible again after a (scaled-down) visibility timeout
                sqs.change_message_visibility(
                    QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=int(self._redelivery)
                )
            else:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])

    # --- dispatch (called from moto, on moto's threads) ---------------------------------------

    def _dispatch_lambda(self, function_name: str, body: bytes | str | None) -> tuple[bytes, bool] | None:
        name = function_name.rsplit(":", 1)[-1] if function_name.startswith("arn:") else function_name
        fn = next((f for f in self.functions.values() if f.name == name), None)
        if fn is None:
            return None
        with self._faults_lock:
            pending = self.faults.get(fn.construct_id)
            fault = pending.pop(0) if pending else None
        if isinstance(fault, LambdaServiceError):
            return json.dumps({"errorType": fault.error_type, "errorMessage": fault.message}).encode(), True
        if isinstance(fault, BaseException):
            return moto_patches.error_payload(fault), True
        if isinstance(fault, Delays):
            self._stop.wait(fault.seconds)
        event = json.loads(body) if body else {}
        answer = fn.invoke(event, self.overrides.get(fn.construct_id))
        if isinstance(fault, Returns) and not answer[1]:
            return json.dumps(fault.payload).encode(), False
        return answer

    def _execution_ended(self, execution: Any) -> None:
        """Put the execution's status change on the default bus, as Step Functions does in AWS."""
        if execution is None:  # it is ending: busy until its event is on the bus
            with self._busy_lock:
                self._busy += 1
            return
        try:
            self._put_status_change(execution)
        finally:
            with self._busy_lock:
                self._busy -= 1

    def _put_status_change(self, execution: Any) -> None:
        if self._mock is None or execution.exec_status is None:
            return
        error, cause = execution.error, execution.cause
        if error is None and execution.exec_worker is not None:  # moto keeps a StopExecution's reason here
            stopped = execution.exec_worker.env.program_state()
            error, cause = getattr(stopped, "error", None), getattr(stopped, "cause", None)
        detail = {
            "executionArn": execution.exec_arn,
            "stateMachineArn": execution.state_machine_arn,
            "name": execution.name,
            "status": execution.exec_status.value,
            "startDate": int(execution.start_date.timestamp() * 1000),
            "stopDate": int(execution.stop_date.timestamp() * 1000) if execution.stop_date else None,
            "input": json.dumps(execution.input_data),
            "inputDetails": {"included": True},
            "output": json.dumps(execution.output) if execution.output is not None else None,
            "error": error,
            "cause": cause,
        }
        with contextlib.suppress(Exception):  # the bus being gone (stopping) loses nothing we test
            self.client("events").put_events(
                Entries=[
                    {
                        "Source": "aws.states",
                        "DetailType": "Step Functions Execution Status Change",
                        "Resources": [execution.exec_arn],
                        "Detail": json.dumps(detail),
                    }
                ]
            )
