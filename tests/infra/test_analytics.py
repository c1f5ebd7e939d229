"""Analytics in the template: its tables, who may read the demographics, the daily drift check."""

from __future__ import annotations

import json

from infra import constants

from .conftest import Synth


def _roles_granted(synth: Synth, table_id: str) -> set[str]:
    """The roles whose policies name ``table_id`` (its ARN or its indexes)."""
    return {
        r["Ref"]
        for p in synth.resources("AWS::IAM::Policy").values()
        if table_id in json.dumps(p["Properties"]["PolicyDocument"])
        for r in p["Properties"]["Roles"]
    }


def _role_of(synth: Synth, function_prefix: str) -> str:
    return str(
        synth.resource("AWS::Lambda::Function", function_prefix)[1]["Properties"]["Role"]["Fn::GetAtt"][0]
    )


def test_outcomes_and_demographics_have_tables_of_their_own_encrypted_with_the_data_key(synth: Synth) -> None:
    key_id, _ = synth.resource("AWS::KMS::Key", "StorageDataKey")
    for prefix, output, sort_key in (
        ("StorageAnalyticsTable", constants.OUTPUT_ANALYTICS_TABLE, "sk"),
        ("StorageDemographicsTable", constants.OUTPUT_DEMOGRAPHICS_TABLE, "interview_id"),
    ):
        table_id, table = synth.resource("AWS::DynamoDB::Table", prefix)
        props = table["Properties"]
        assert [k["AttributeName"] for k in props["KeySchema"]] == ["tenant_id", sort_key]
        assert props["SSESpecification"]["KMSMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
        assert synth.raw["Outputs"][output]["Value"] == {"Ref": table_id}


def test_only_the_api_can_reach_the_demographics_the_scoring_functions_cannot(synth: Synth) -> None:
    table_id, _ = synth.resource("AWS::DynamoDB::Table", "StorageDemographicsTable")
    # the API's routes that store and report them, and the erasure (issue 16: its own function)
    api_functions = ("ComputeApi", "ComputeEraseCandidate")
    assert _roles_granted(synth, table_id) == {_role_of(synth, fn) for fn in api_functions}
    for fn_id, fn in synth.resources("AWS::Lambda::Function").items():
        env = fn["Properties"].get("Environment", {}).get("Variables", {})
        if "DEMOGRAPHICS_TABLE" in env:
            assert fn_id.startswith(api_functions), fn_id
    score_role = _role_of(synth, "ComputeScoreInterview")
    assert score_role not in _roles_granted(synth, table_id)


def test_the_api_gets_the_analytics_tables_and_writes_rescored_results(synth: Synth) -> None:
    _, fn = synth.resource("AWS::Lambda::Function", "ComputeApi")
    env = fn["Properties"]["Environment"]["Variables"]
    analytics_id, _ = synth.resource("AWS::DynamoDB::Table", "StorageAnalyticsTable")
    assert env["ANALYTICS_TABLE"] == {"Ref": analytics_id}
    assert _role_of(synth, "ComputeApi") in _roles_granted(synth, analytics_id)
    assert fn["Properties"]["Timeout"] == constants.API_TIMEOUT_S <= 29  # API Gateway's limit


def test_drift_is_checked_daily_and_alerts_go_to_the_alerts_topic(synth: Synth) -> None:
    fn_id, fn = synth.resource("AWS::Lambda::Function", "ComputeMonitorDrift")
    _, rule = synth.resource("AWS::Events::Rule", "DeliveryMonitorDriftDaily")
    assert rule["Properties"]["ScheduleExpression"] == "rate(1 day)"  # DRIFT_MONITOR_HOURS = 24
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [fn_id, "Arn"]}
    topic_id, _ = synth.resource("AWS::SNS::Topic", "DeliveryAlerts")
    assert fn["Properties"]["Environment"]["Variables"]["ALERTS_TOPIC_ARN"] == {"Ref": topic_id}
    role = _role_of(synth, "ComputeMonitorDrift")
    demographics_id, _ = synth.resource("AWS::DynamoDB::Table", "StorageDemographicsTable")
    assert role not in _roles_granted(synth, demographics_id)
    publishes = [
        s
        for p in synth.resources("AWS::IAM::Policy").values()
        if {"Ref": role} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "sns:Publish" in json.dumps(s["Action"])
    ]
    assert [s["Resource"] for s in publishes] == [{"Ref": topic_id}]


def test_scoring_may_only_append_to_the_audit_log_which_expires_after_the_retention(synth: Synth) -> None:
    table_id, table = synth.resource("AWS::DynamoDB::Table", "StorageAuditTable")
    assert table["Properties"]["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert synth.raw["Outputs"][constants.OUTPUT_AUDIT_TABLE]["Value"] == {"Ref": table_id}
    role = _role_of(synth, "ComputeScoreInterview")
    actions = {
        a
        for p in synth.resources("AWS::IAM::Policy").values()
        if {"Ref": role} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if table_id in json.dumps(s["Resource"])
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert actions == {"dynamodb:PutItem", "dynamodb:Query"}
    _, fn = synth.resource("AWS::Lambda::Function", "ComputeScoreInterview")
    env = fn["Properties"]["Environment"]["Variables"]
    assert env["AUDIT_TABLE"] == {"Ref": table_id} and int(env["AUDIT_RETENTION_DAYS"]) >= 183
