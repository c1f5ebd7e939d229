"""What every Lambda function of the synthesized template may do, read from its role's policies.

``grants(raw)`` -> ``{function: {resource: access}}``: resources by logical id without CDK's hash (a bucket's
objects as ``Bucket/<pattern>``, a condition in brackets), access the ``+``-joined verbs of the actions
(``read``, ``write``, ``delete``, ``list``, ``encrypt``, ``decrypt``, ``publish``, ``send``, ``consume``,
``start``, ``invoke``...). The function's own log group and X-Ray (every function has both) are left out.
"""

from __future__ import annotations

import re
from typing import Any

_HASH = re.compile(r"[0-9A-F]{8}$")

# action (glob as IAM writes it) -> verb
VERBS: dict[str, str] = {  # an empty verb adds nothing
    "dynamodb:BatchGetItem": "read",
    "dynamodb:GetItem": "read",
    "dynamodb:Query": "read",
    "dynamodb:Scan": "read",
    "dynamodb:ConditionCheckItem": "read",
    "dynamodb:DescribeTable": "read",
    "dynamodb:GetRecords": "read",
    "dynamodb:GetShardIterator": "read",
    "dynamodb:PutItem": "write",
    "dynamodb:UpdateItem": "write",
    "dynamodb:BatchWriteItem": "write",
    "dynamodb:DeleteItem": "delete",
    "s3:GetObject*": "read",
    "s3:GetBucket*": "read",
    "s3:List*": "read",
    "s3:PutObject": "write",
    "s3:PutObjectLegalHold": "write",
    "s3:PutObjectRetention": "write",
    "s3:PutObjectTagging": "write",
    "s3:PutObjectVersionTagging": "write",
    "s3:Abort*": "write",
    "s3:DeleteObject*": "delete",
    "s3:DeleteObjectVersion": "delete",
    "s3:ListBucketVersions": "list",
    "s3:PutBucketNotification": "configure",
    "kms:Decrypt": "decrypt",
    "kms:DescribeKey": "decrypt",
    "kms:Encrypt": "encrypt",
    "kms:ReEncrypt*": "encrypt",
    "kms:GenerateDataKey*": "encrypt",
    "secretsmanager:GetSecretValue": "read",
    "secretsmanager:DescribeSecret": "read",
    "events:PutEvents": "publish",
    "sns:Publish": "publish",
    "sqs:SendMessage": "send",
    "sqs:GetQueueAttributes": "",  # with either: what a sender or a consumer looks up
    "sqs:GetQueueUrl": "",
    "sqs:ReceiveMessage": "consume",
    "sqs:ChangeMessageVisibility": "consume",
    "sqs:DeleteMessage": "consume",
    "states:StartExecution": "start",
    "states:DescribeExecution": "describe",
    "lambda:InvokeFunction": "invoke",
    "cloudfront:CreateInvalidation": "invalidate",
    "cloudfront:GetInvalidation": "invalidate",
}
OWN = ("logs:", "xray:")


def _name(logical_id: str) -> str:
    return _HASH.sub("", logical_id)


def _resource(value: Any) -> str:
    if value == "*":
        return "*"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return _name(value["Fn::GetAtt"][0])
    if isinstance(value, dict) and "Ref" in value:
        return _name(value["Ref"])
    if isinstance(value, dict) and "Fn::Sub" in value:  # the CDK assets bucket: "cdk-…-${AWS::Region}"
        return str(value["Fn::Sub"])
    if isinstance(value, dict) and "Fn::Join" in value:
        parts = value["Fn::Join"][1]
        if ":secret:" in str(parts[-1]):  # an imported secret: arn:…:secret:<name>-??????
            return "secret:" + str(parts[-1]).split(":secret:", 1)[1].removesuffix("-??????")
        if any(isinstance(p, str) and ":execution:" in p for p in parts):  # a state machine's executions
            machine = next(
                p["Fn::Select"][1]["Fn::Split"][1]["Ref"]
                for p in parts
                if isinstance(p, dict) and "Fn::Select" in p
            )
            return f"{_name(machine)}/executions"
        return "".join(_resource(p) if isinstance(p, dict) else p for p in parts)
    raise AssertionError(f"a resource this table cannot name: {value!r}")


def _condition(statement: dict[str, Any]) -> str:
    condition = statement.get("Condition")
    if not condition:
        return ""
    values = [
        v
        for test in condition.values()
        for key in test.values()
        for v in (key if isinstance(key, list) else [key])
    ]
    return f"[{','.join(str(v) for v in values)}]"


def grants(raw: dict[str, Any]) -> dict[str, dict[str, str]]:
    resources = raw["Resources"]
    by_role: dict[str, list[dict[str, Any]]] = {}
    for policy in resources.values():
        if policy["Type"] != "AWS::IAM::Policy":
            continue
        for role in policy["Properties"]["Roles"]:
            by_role.setdefault(role["Ref"], []).extend(policy["Properties"]["PolicyDocument"]["Statement"])
    table: dict[str, dict[str, str]] = {}
    for logical_id, fn in resources.items():
        if fn["Type"] != "AWS::Lambda::Function":
            continue
        role = fn["Properties"]["Role"]["Fn::GetAtt"][0]
        verbs: dict[str, set[str]] = {}
        for managed in resources[role]["Properties"].get("ManagedPolicyArns", []):
            verbs.setdefault("managed:" + str(_resource(managed)).rsplit("/", 1)[-1], set()).add("attached")
        for statement in by_role.get(role, []):
            assert statement["Effect"] == "Allow", statement
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            actions = [a for a in actions if not a.startswith(OWN)]
            if not actions:
                continue
            targets = (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            for target in targets:
                label = _resource(target) + _condition(statement)
                verbs.setdefault(label, set()).update(VERBS[a] for a in actions if VERBS[a])
        name = _name(logical_id).removeprefix("Compute")
        if name.startswith("BucketNotificationsHandler"):  # CDK's singleton, named by a fixed hash
            name = "BucketNotificationsHandler"
        if name.startswith("CustomCDKBucketDeployment"):  # CDK's singleton, named by a fixed uuid
            name = "BucketDeployment"
        table[name] = {label: "+".join(sorted(v)) for label, v in sorted(verbs.items())}
    return table
