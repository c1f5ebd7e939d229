"""Create a synthesized template's resources in moto, as CloudFormation would create them in AWS.

Buckets (versioning, lifecycle), tables (keys, indexes, TTL), queues (dead-letter queues first),
event buses, rules and targets, Lambda functions, the worker pools' ECS services (as ``LocalPool``
specs), the state machine, and the bucket notifications CDK sets through a custom resource. Functions
and container images are registered with the files CDK staged for them, for ``LocalCloud`` to run.
IAM, KMS, log groups, alarms, the VPC and the API are not created: nothing local enforces them.

Nor is the candidate site (infra/constructs/candidate_site.py): the CloudFront distribution, its function,
the site bucket's deployment (a CDK custom resource and its handler) and the uploads bucket's CORS rule.
Locally ``jiping serve`` serves ``web/candidate`` itself, on the same origin as the local API and the
upload forms (``LOCAL_API_URL``), so nothing stands in for them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.localcloud.runtime import LocalContainer, LocalFunction
from infra.localcloud.template import ACCOUNT, Resource, Template


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    container: LocalContainer
    command: list[str]
    environment: dict[str, str]


class Deployment:
    def __init__(self, template: Template, client: Callable[[str], Any]) -> None:
        self.template = template
        self.client = client
        self.functions: dict[str, LocalFunction] = {}
        self.containers: dict[str, LocalContainer] = {}
        self.services: dict[str, ServiceSpec] = {}  # pool name (AsrCpuPool…) -> what its workers run
        self.schedules: list[tuple[str, list[str]]] = []  # (rate expression, target ARNs)
        self._role = f"arn:aws:iam::{ACCOUNT}:role/local-execution-role"

    def apply(self) -> None:
        tpl = self.template
        self.client("iam").create_role(RoleName="local-execution-role", AssumeRolePolicyDocument="{}")
        self._deploy_buckets(tpl)
        self._deploy_tables(tpl)
        self._deploy_queues(tpl)
        self._deploy_topics(tpl)
        self._deploy_events(tpl)
        self._deploy_functions(tpl)
        self._deploy_services(tpl)
        self._deploy_state_machines(tpl)
        self._deploy_rules(tpl)
        self._deploy_bucket_notifications(tpl)

    def _deploy_buckets(self, tpl: Template) -> None:
        s3 = self.client("s3")
        for res in tpl.of_type("AWS::S3::Bucket"):
            props = tpl.resolve(res.properties)
            s3.create_bucket(Bucket=res.ref)
            if props.get("VersioningConfiguration", {}).get("Status") == "Enabled":
                s3.put_bucket_versioning(Bucket=res.ref, VersioningConfiguration={"Status": "Enabled"})
            if props.get("LifecycleConfiguration"):
                rules = [_lifecycle_rule(r) for r in props["LifecycleConfiguration"].get("Rules", [])]
                s3.put_bucket_lifecycle_configuration(Bucket=res.ref, LifecycleConfiguration={"Rules": rules})

    def _deploy_tables(self, tpl: Template) -> None:
        ddb = self.client("dynamodb")
        for res in tpl.of_type("AWS::DynamoDB::Table"):
            props = tpl.resolve(res.properties)
            kwargs: dict[str, Any] = {
                "TableName": res.ref,
                "KeySchema": props["KeySchema"],
                "AttributeDefinitions": props["AttributeDefinitions"],
                "BillingMode": props.get("BillingMode", "PROVISIONED"),
            }
            for gsi_key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
                if props.get(gsi_key):
                    kwargs[gsi_key] = props[gsi_key]
            if kwargs["BillingMode"] != "PAY_PER_REQUEST":
                kwargs["ProvisionedThroughput"] = props.get(
                    "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
                )
            ddb.create_table(**kwargs)
            ttl = props.get("TimeToLiveSpecification")
            if ttl and ttl.get("Enabled"):
                ddb.update_time_to_live(
                    TableName=res.ref,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
                )

    def _deploy_queues(self, tpl: Template) -> None:
        sqs = self.client("sqs")
        pending = tpl.of_type("AWS::SQS::Queue")
        created: set[str] = set()
        while pending:  # dead-letter queues first
            progress = False
            for res in list(pending):
                props = tpl.resolve(res.properties)
                redrive = props.get("RedrivePolicy")
                if redrive and redrive["deadLetterTargetArn"] not in created:
                    continue
                attrs = {
                    k: str(props[k])
                    for k in (
                        "VisibilityTimeout",
                        "MessageRetentionPeriod",
                        "DelaySeconds",
                        "ReceiveMessageWaitTimeSeconds",
                    )
                    if k in props
                }
                if redrive:
                    attrs["RedrivePolicy"] = json.dumps(
                        {
                            "deadLetterTargetArn": redrive["deadLetterTargetArn"],
                            "maxReceiveCount": int(redrive["maxReceiveCount"]),
                        }
                    )
                sqs.create_queue(QueueName=res.attributes["QueueName"], Attributes=attrs)
                created.add(res.attributes["Arn"])
                pending.remove(res)
                progress = True
            if not progress:
                raise RuntimeError(
                    f"queues with unresolvable dead-letter targets: {[r.logical_id for r in pending]}"
                )

    def _deploy_topics(self, tpl: Template) -> None:
        sns = self.client("sns")
        for res in tpl.of_type("AWS::SNS::Topic"):
            sns.create_topic(Name=res.attributes["TopicName"])

    def _deploy_events(self, tpl: Template) -> None:
        events = self.client("events")
        for res in tpl.of_type("AWS::Events::EventBus"):
            events.create_event_bus(Name=res.ref)

    def _deploy_rules(self, tpl: Template) -> None:
        events = self.client("events")
        for res in tpl.of_type("AWS::Events::Rule"):
            props = tpl.resolve(res.properties)
            bus = props.get("EventBusName", "default")
            if isinstance(bus, str) and bus.startswith("arn:"):
                bus = bus.rsplit("/", 1)[-1]
            if "ScheduleExpression" in props:  # moto keeps it; LocalCloud's ticker fires its targets
                events.put_rule(
                    Name=res.ref,
                    ScheduleExpression=props["ScheduleExpression"],
                    State=props.get("State", "ENABLED"),
                )
                self.schedules.append(
                    (props["ScheduleExpression"], [t["Arn"] for t in props.get("Targets", [])])
                )
                continue
            events.put_rule(
                Name=res.ref,
                EventBusName=bus,
                EventPattern=json.dumps(props["EventPattern"]),
                State=props.get("State", "ENABLED"),
            )
            targets = [
                {
                    k: v
                    for k, v in t.items()
                    if k
                    in {
                        "Id",
                        "Arn",
                        "Input",
                        "InputPath",
                        "InputTransformer",
                        "DeadLetterConfig",
                        "RetryPolicy",
                        "SqsParameters",
                    }
                }
                for t in props.get("Targets", [])
            ]
            if targets:
                events.put_targets(Rule=res.ref, EventBusName=bus, Targets=targets)

    def _deploy_functions(self, tpl: Template) -> None:
        lam = self.client("lambda")
        for res in tpl.of_type("AWS::Lambda::Function"):
            props = tpl.resolve(res.properties)
            env = {k: str(v) for k, v in props.get("Environment", {}).get("Variables", {}).items()}
            code = res.properties.get("Code", {})
            if props.get("PackageType") == "Image":
                context_dir, dockerfile = tpl.image_asset(props["Code"]["ImageUri"])
                container = self._container(context_dir, dockerfile)
                command = props.get("ImageConfig", {}).get("Command") or []
                module_name, handler_name = command[0].rsplit(".", 1)
                module_path = container.source_dir() / f"{module_name}.py"
            elif "S3Key" in code:
                module_name, handler_name = props["Handler"].rsplit(".", 1)
                module_path = tpl.zip_asset_dir(code) / f"{module_name.replace('.', '/')}.py"
            else:
                continue  # inline code (CDK's own custom resources): its job is done by _deploy here
            if _serves_site_deployment(res):
                continue  # the candidate site's deployment: no site locally (see the module's docstring)
            fn = LocalFunction(
                logical_id=res.logical_id,
                construct_id=res.construct_id,
                name=res.ref,
                module_path=module_path,
                handler_name=handler_name,
                environment=env,
                memory_mb=int(props.get("MemorySize", 128)),
                timeout_s=int(props.get("Timeout", 3)),
            )
            self.functions[res.logical_id] = fn
            lam.create_function(
                FunctionName=res.ref,
                Runtime="python3.12",
                Role=self._role,
                Handler="local.handler",
                Code={"ZipFile": b"local"},
                Timeout=fn.timeout_s,
                MemorySize=fn.memory_mb,
            )

    def _container(self, context_dir: Path, dockerfile: str) -> LocalContainer:
        key = f"{context_dir}:{dockerfile}"
        if key not in self.containers:
            self.containers[key] = LocalContainer(
                Path(dockerfile).parent.name or "image", context_dir, dockerfile
            )
        return self.containers[key]

    def _deploy_services(self, tpl: Template) -> None:
        """Each ECS service's task: its image (the staged docker context), command and environment."""
        for res in tpl.of_type("AWS::ECS::Service"):
            task = tpl.resources[res.properties["TaskDefinition"]["Ref"]]
            props = tpl.resolve(task.properties)
            (container,) = props["ContainerDefinitions"]
            context_dir, dockerfile = tpl.image_asset(container["Image"])
            name = task.construct_id.removesuffix("Task")
            self.services[name] = ServiceSpec(
                name=name,
                container=self._container(context_dir, dockerfile),
                command=[str(c) for c in container.get("Command", [])],
                environment={e["Name"]: str(e["Value"]) for e in container.get("Environment", [])},
            )

    def _deploy_state_machines(self, tpl: Template) -> None:
        sfn = self.client("stepfunctions")
        for res in tpl.of_type("AWS::StepFunctions::StateMachine"):
            props = tpl.resolve(res.properties)
            definition = props.get("DefinitionString") or json.dumps(props["Definition"])
            sfn.create_state_machine(
                name=res.attributes["Name"],
                definition=definition,
                roleArn=self._role,
                type=props.get("StateMachineType", "STANDARD"),
            )

    def _deploy_bucket_notifications(self, tpl: Template) -> None:
        """CDK configures bucket notifications through a custom resource: apply its configuration."""
        s3 = self.client("s3")
        for res in tpl.of_type("Custom::S3BucketNotifications"):
            props = tpl.resolve(res.properties)
            config = props.get("NotificationConfiguration", {})
            if "EventBridgeConfiguration" in config:
                config = {**config, "EventBridgeConfiguration": {}}
            s3.put_bucket_notification_configuration(
                Bucket=props["BucketName"], NotificationConfiguration=config
            )

    # --- event source mappings (the link moto lacks) ------------------------------------------


def _serves_site_deployment(res: Resource) -> bool:
    """The handler of CDK's BucketDeployment custom resource (it copies web/candidate at deploy time)."""
    return "/Custom::CDKBucketDeployment" in res.path


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule in the S3 API's shape (the parts CDK emits)."""
    out: dict[str, Any] = {
        "ID": rule.get("Id", "rule"),
        "Status": rule.get("Status", "Enabled"),
        "Filter": {"Prefix": rule.get("Prefix", "")},
    }
    if "ExpirationInDays" in rule:
        out["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    if "NoncurrentVersionExpiration" in rule:
        out["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(rule["NoncurrentVersionExpiration"].get("NoncurrentDays", 1))
        }
    if "AbortIncompleteMultipartUpload" in rule:
        out["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
        }
    return out
