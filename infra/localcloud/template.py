"""Read a synthesized CloudFormation template and its cloud assembly the way CloudFormation would.

Physical names and ARNs are chosen here, deterministically from logical ids, and the intrinsic
functions CDK emits (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::If) are resolved
against them. Assets are located through the assembly's asset manifest, so the local cloud runs the
very files CDK staged.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"
PARTITION = "aws"

_NO_VALUE = object()


def _slug(text: str, limit: int, lower: bool = False) -> str:
    out = re.sub(r"[^A-Za-z0-9-]", "-", text)
    return (out.lower() if lower else out)[:limit].strip("-")


def _given(props: dict[str, Any], key: str) -> str | None:
    """A physical name the template sets explicitly (a plain string), if any."""
    value = props.get(key)
    return value if isinstance(value, str) else None


@dataclass
class Resource:
    logical_id: str
    type: str
    properties: dict[str, Any]
    metadata: dict[str, Any]
    ref: str
    attributes: dict[str, str]
    path: str  # the construct path, e.g. /Jiping/Compute/ProbeMedia/Resource

    @property
    def construct_id(self) -> str:
        """``/Jiping/Compute/ProbeMedia/Resource`` -> ``ProbeMedia``."""
        parts = [p for p in self.path.split("/") if p]
        if len(parts) >= 2 and parts[-1] == "Resource":
            return parts[-2]
        return parts[-1] if parts else self.logical_id


class Template:
    """A synthesized stack: its resources with local physical names, and resolution of intrinsics."""

    def __init__(self, template: dict[str, Any], assembly_dir: Path, stack_name: str) -> None:
        self.raw = template
        self.assembly_dir = assembly_dir
        self.stack_name = stack_name
        self.resources: dict[str, Resource] = {}
        paths = self._construct_paths()
        for logical_id, body in template.get("Resources", {}).items():
            props = body.get("Properties", {}) or {}
            ref, attrs = self._names(logical_id, body["Type"], props)
            self.resources[logical_id] = Resource(
                logical_id,
                body["Type"],
                props,
                body.get("Metadata", {}),
                ref,
                attrs,
                paths.get(logical_id, ""),
            )
        self.assets = self._asset_manifest()

    def _construct_paths(self) -> dict[str, str]:
        """logical id -> construct path, from the assembly's stack metadata."""
        out: dict[str, str] = {}
        for meta_file in self.assembly_dir.glob(f"{self.stack_name}.metadata.json"):
            for path, entries in json.loads(meta_file.read_text()).items():
                for entry in entries:
                    if entry.get("type") == "aws:cdk:logicalId":
                        out[entry["data"]] = path
        return out

    # --- naming -------------------------------------------------------------------------------

    def _names(self, lid: str, rtype: str, props: dict[str, Any]) -> tuple[str, dict[str, str]]:  # noqa: C901 - one branch per resource type, read as a table
        arn = f"arn:{PARTITION}"
        stack = self.stack_name
        if rtype == "AWS::S3::Bucket":
            name = _slug(f"{stack}-{lid}", 63, lower=True)
            return name, {
                "Arn": f"{arn}:s3:::{name}",
                "DomainName": f"{name}.s3.amazonaws.com",
                "RegionalDomainName": f"{name}.s3.{REGION}.amazonaws.com",
            }
        if rtype == "AWS::DynamoDB::Table":
            name = _given(props, "TableName") or _slug(f"{stack}-{lid}", 255)
            return name, {"Arn": f"{arn}:dynamodb:{REGION}:{ACCOUNT}:table/{name}", "StreamArn": ""}
        if rtype == "AWS::SQS::Queue":
            name = _given(props, "QueueName") or _slug(f"{stack}-{lid}", 80)
            url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}"
            return url, {"Arn": f"{arn}:sqs:{REGION}:{ACCOUNT}:{name}", "QueueName": name, "QueueUrl": url}
        if rtype == "AWS::Lambda::Function":
            name = _given(props, "FunctionName") or _slug(f"{stack}-{lid}", 64)
            return name, {"Arn": f"{arn}:lambda:{REGION}:{ACCOUNT}:function:{name}"}
        if rtype == "AWS::StepFunctions::StateMachine":
            name = _given(props, "StateMachineName") or _slug(lid, 80)
            sm_arn = f"{arn}:states:{REGION}:{ACCOUNT}:stateMachine:{name}"
            return sm_arn, {"Arn": sm_arn, "Name": name}
        if rtype == "AWS::Events::EventBus":
            name = _given(props, "Name") or _slug(f"{stack}-{lid}", 256)
            return name, {"Arn": f"{arn}:events:{REGION}:{ACCOUNT}:event-bus/{name}", "Name": name}
        if rtype == "AWS::SNS::Topic":
            name = _given(props, "TopicName") or _slug(f"{stack}-{lid}", 256)
            topic_arn = f"{arn}:sns:{REGION}:{ACCOUNT}:{name}"
            return topic_arn, {"TopicArn": topic_arn, "TopicName": name}
        if rtype == "AWS::Events::Rule":
            name = _slug(f"{stack}-{lid}", 64)
            return name, {"Arn": f"{arn}:events:{REGION}:{ACCOUNT}:rule/{name}"}
        if rtype == "AWS::IAM::Role":
            name = _slug(f"{stack}-{lid}", 64)
            return name, {"Arn": f"{arn}:iam::{ACCOUNT}:role/{name}", "RoleId": name}
        if rtype == "AWS::Batch::JobQueue":
            name = _slug(f"{stack}-{lid}", 128)
            q_arn = f"{arn}:batch:{REGION}:{ACCOUNT}:job-queue/{name}"
            return q_arn, {"JobQueueArn": q_arn}
        if rtype == "AWS::Batch::JobDefinition":
            name = _slug(f"{stack}-{lid}", 128)
            return f"{arn}:batch:{REGION}:{ACCOUNT}:job-definition/{name}:1", {"Name": name}
        if rtype == "AWS::Batch::ComputeEnvironment":
            name = _slug(f"{stack}-{lid}", 128)
            ce_arn = f"{arn}:batch:{REGION}:{ACCOUNT}:compute-environment/{name}"
            return ce_arn, {"ComputeEnvironmentArn": ce_arn}
        if rtype == "AWS::Logs::LogGroup":
            name = _slug(f"/local/{stack}/{lid}", 512)
            return name, {"Arn": f"{arn}:logs:{REGION}:{ACCOUNT}:log-group:{name}:*"}
        if rtype == "AWS::KMS::Key":
            return lid, {"Arn": f"{arn}:kms:{REGION}:{ACCOUNT}:key/{lid}", "KeyId": lid}
        service = rtype.split("::")[1].lower() if "::" in rtype else "local"
        generic = f"{arn}:{service}:{REGION}:{ACCOUNT}:{lid}"
        return lid, {"Arn": generic}

    def name_of(self, logical_id: str) -> str:
        res = self.resources[logical_id]
        return res.attributes.get("Name") or res.attributes.get("QueueName") or res.ref

    # --- intrinsics ---------------------------------------------------------------------------

    def _pseudo(self, name: str) -> str | None:
        return {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": PARTITION,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT}:stack/{self.stack_name}/local",
        }.get(name)

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return _NO_VALUE
        pseudo = self._pseudo(name)
        if pseudo is not None:
            return pseudo
        if name in self.resources:
            return self.resources[name].ref
        params = self.raw.get("Parameters", {})
        if name in params:
            return params[name].get("Default", "")
        raise KeyError(f"Ref to unknown {name}")

    def get_att(self, logical_id: str, attribute: str) -> str:
        res = self.resources[logical_id]
        if attribute in res.attributes:
            return res.attributes[attribute]
        return f"{res.attributes.get('Arn', res.ref)}/{attribute}"

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [v for v in (self.resolve(v) for v in value) if v is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                lid, attr = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.get_att(lid, attr)
            if key == "Fn::Join":
                sep, parts = arg
                return sep.join(str(p) for p in self.resolve(parts))
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::Split":
                sep, text = arg
                return str(self.resolve(text)).split(sep)
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::If":
                cond, yes, no = arg
                return self.resolve(yes if self._condition(cond) else no)
        out = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not _NO_VALUE}

    def _condition(self, name: str) -> bool:
        cond = self.raw.get("Conditions", {}).get(name)
        if cond is None:
            return False
        return bool(self._eval_condition(cond))

    def _eval_condition(self, cond: Any) -> Any:
        if isinstance(cond, dict) and len(cond) == 1:
            ((key, arg),) = cond.items()
            if key == "Fn::Equals":
                a, b = (self._eval_condition(x) for x in arg)
                return a == b
            if key == "Fn::Not":
                return not self._eval_condition(arg[0])
            if key == "Fn::And":
                return all(self._eval_condition(x) for x in arg)
            if key == "Fn::Or":
                return any(self._eval_condition(x) for x in arg)
            if key == "Condition":
                return self._condition(arg)
        return self.resolve(cond)

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

        def repl(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and name.split(".", 1)[0] in self.resources:
                lid, attr = name.split(".", 1)
                return self.get_att(lid, attr)
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", repl, text)

    # --- outputs and assets -------------------------------------------------------------------

    def outputs(self) -> dict[str, Any]:
        return {k: self.resolve(v["Value"]) for k, v in self.raw.get("Outputs", {}).items()}

    def _asset_manifest(self) -> dict[str, dict[str, Any]]:
        """Map S3 object keys and image tags of the assets to their staged source in the assembly."""
        by_ref: dict[str, dict[str, Any]] = {}
        for manifest in self.assembly_dir.glob("*.assets.json"):
            doc = json.loads(manifest.read_text())
            for entry in doc.get("files", {}).values():
                for dest in entry.get("destinations", {}).values():
                    by_ref[dest["objectKey"]] = {"path": self.assembly_dir / entry["source"]["path"]}
            for entry in doc.get("dockerImages", {}).values():
                source = entry["source"]
                for dest in entry.get("destinations", {}).values():
                    by_ref[dest["imageTag"]] = {
                        "path": self.assembly_dir / source["directory"],
                        "dockerfile": source.get("dockerFile", "Dockerfile"),
                    }
        return by_ref

    def zip_asset_dir(self, code: dict[str, Any]) -> Path:
        key = self.resolve(code.get("S3Key"))
        if key not in self.assets:
            raise KeyError(f"no staged asset for S3 key {key}")
        return Path(self.assets[key]["path"])

    def image_asset(self, image_uri: str) -> tuple[Path, str]:
        """The staged docker context and Dockerfile path of an image URI (matched on its tag)."""
        tag = image_uri.rsplit(":", 1)[-1]
        if tag not in self.assets or "dockerfile" not in self.assets[tag]:
            raise KeyError(f"no staged docker image asset for {image_uri}")
        return Path(self.assets[tag]["path"]), self.assets[tag]["dockerfile"]

    def of_type(self, rtype: str) -> list[Resource]:
        return [r for r in self.resources.values() if r.type == rtype]
