"""Domain-event delivery queues and the HTTP API skeleton."""

from __future__ import annotations

import json

from infra import constants

from .conftest import Synth


def test_domain_events_go_from_the_custom_bus_to_the_webhook_and_wecom_queues(synth: Synth) -> None:
    bus_id, _ = synth.resource("AWS::Events::EventBus", "DeliveryDomainEvents")
    assert synth.raw["Outputs"][constants.OUTPUT_EVENT_BUS]["Value"] == {"Ref": bus_id}
    routed = {}
    for rule_prefix, queue_prefix in (
        ("DeliveryToWebhooks", "DeliveryWebhookQueue"),
        ("DeliveryToWecom", "DeliveryWecomQueue"),
    ):
        _, rule = synth.resource("AWS::Events::Rule", rule_prefix)
        props = rule["Properties"]
        assert props["EventBusName"] == {"Ref": bus_id}
        assert props["EventPattern"] == {
            "source": [constants.EVENT_SOURCE],
            "detail-type": [{"prefix": "interview."}],
        }
        (target,) = props["Targets"]
        assert "DeadLetterConfig" in target
        routed[rule_prefix] = target["Arn"]["Fn::GetAtt"][0]
        queue = synth.raw["Resources"][routed[rule_prefix]]["Properties"]
        assert routed[rule_prefix].startswith(queue_prefix)
        assert queue["SqsManagedSseEnabled"] is True
        assert queue["RedrivePolicy"]["maxReceiveCount"] == constants.DLQ_MAX_RECEIVE_COUNT


def test_queue_policies_let_eventbridge_send_only_from_the_rule(synth: Synth) -> None:
    for policy in synth.resources("AWS::SQS::QueuePolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Allow":
                assert statement["Principal"] == {"Service": "events.amazonaws.com"}
                assert "aws:SourceArn" in statement["Condition"]["ArnEquals"]


def test_api_routes_health_and_proxy_to_the_api_function_with_access_logs(synth: Synth) -> None:
    routes = {r["Properties"]["RouteKey"] for r in synth.resources("AWS::ApiGatewayV2::Route").values()}
    assert {"GET /v1/health", "ANY /v1/{proxy+}"} <= routes
    # five integrations: the Api function, the WeCom callback, the erasure (issue 16, point 8), the
    # candidate's routes (issue 17) and the HR workspace's (issue 18)
    targets = {
        integration["Properties"]["IntegrationUri"]["Fn::GetAtt"][0]
        for integration in synth.resources("AWS::ApiGatewayV2::Integration").values()
    }
    assert targets == {
        synth.resource("AWS::Lambda::Function", f"Compute{name}")[0]
        for name in ("Api", "WecomCallback", "EraseCandidate", "CandidateApi", "WorkspaceApi")
    }
    (stage,) = synth.resources("AWS::ApiGatewayV2::Stage").values()
    assert stage["Properties"]["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"][1] == "Arn"
    assert constants.OUTPUT_API_URL in synth.raw["Outputs"]


def test_webhook_queue_feeds_deliver_webhooks_with_partial_batch_failures(synth: Synth) -> None:
    fn_id, fn = synth.resource("AWS::Lambda::Function", "ComputeDeliverWebhooks")
    queue_id, queue = synth.resource("AWS::SQS::Queue", "DeliveryWebhookQueue43")
    mappings = [
        m["Properties"]
        for m in synth.resources("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": fn_id}
    ]
    (mapping,) = mappings
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BatchSize"] == constants.WEBHOOK_BATCH_SIZE
    # SQS -> Lambda: the visibility timeout is at least 6x the function timeout
    assert queue["Properties"]["VisibilityTimeout"] >= 6 * fn["Properties"]["Timeout"]


def test_retry_webhooks_runs_every_minute_and_both_functions_share_the_settings(synth: Synth) -> None:
    retry_id, retry = synth.resource("AWS::Lambda::Function", "ComputeRetryWebhooks")
    _, deliver = synth.resource("AWS::Lambda::Function", "ComputeDeliverWebhooks")
    _, rule = synth.resource("AWS::Events::Rule", "DeliveryRetryWebhooksEveryMinute")
    assert rule["Properties"]["ScheduleExpression"] == "rate(1 minute)"
    assert rule["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": [retry_id, "Arn"]}
    table_id, table = synth.resource("AWS::DynamoDB::Table", "StorageWebhooksTable")
    (gsi,) = table["Properties"]["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "Due" and [k["AttributeName"] for k in gsi["KeySchema"]] == [
        "due",
        "next_attempt_at",
    ]
    for fn in (retry, deliver):
        env = fn["Properties"]["Environment"]["Variables"]
        assert env["WEBHOOKS_TABLE"] == {"Ref": table_id} and env["WEBHOOK_TIMEOUT_S"] == "15"
        # AWS sends to https endpoints on public addresses only: the local allowances stay off
        assert "WEBHOOK_ALLOW_HTTP" not in env and "WEBHOOK_ALLOW_PRIVATE" not in env
        assert not any("whsec_" in str(v) for v in env.values())


def test_exhausted_deliveries_and_alerts_have_their_own_encrypted_destinations(synth: Synth) -> None:
    dlq_id, dlq = synth.resource("AWS::SQS::Queue", "DeliveryWebhookDeadLetters")
    assert dlq["Properties"]["SqsManagedSseEnabled"] is True
    topic_id, topic = synth.resource("AWS::SNS::Topic", "DeliveryAlerts")
    # a key of our own, which CloudWatch alarms may use (they cannot publish under aws/sns)
    key_id, _ = synth.resource("AWS::KMS::Key", "DeliveryAlertsKey")
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    policies = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in synth.resources("AWS::SNS::TopicPolicy").values()
    ]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for statements in policies
        for s in statements
    )
    assert synth.raw["Outputs"][constants.OUTPUT_WEBHOOK_DLQ]["Value"] == {"Ref": dlq_id}
    assert synth.raw["Outputs"][constants.OUTPUT_ALERTS_TOPIC]["Value"] == {"Ref": topic_id}


def test_the_wecom_notifier_reads_its_queue_and_only_its_secret(synth: Synth) -> None:
    fn_id, fn = synth.resource("AWS::Lambda::Function", "ComputeNotifyWecom")
    queue_id, queue = synth.resource("AWS::SQS::Queue", "DeliveryWecomQueue5")
    (mapping,) = [
        m["Properties"]
        for m in synth.resources("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": fn_id}
    ]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert queue["Properties"]["VisibilityTimeout"] >= 6 * fn["Properties"]["Timeout"]
    env = fn["Properties"]["Environment"]["Variables"]
    assert "jiping/wecom" in json.dumps(env["WECOM_SECRET_ARN"])  # the operator's secret, by name
    assert not {"CORP_SECRET", "WECOM_CORP_SECRET", "WECOM_TOKEN"} & set(env)
    role = fn["Properties"]["Role"]["Fn::GetAtt"][0]
    statements = [
        s
        for p in synth.resources("AWS::IAM::Policy").values()
        if {"Ref": role} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    secret_reads = [s for s in statements if "secretsmanager:GetSecretValue" in json.dumps(s["Action"])]
    (read,) = secret_reads
    assert "jiping/wecom" in json.dumps(read["Resource"])
    # no other role can read it but the other WeCom senders (the Api's invitations, the candidate sweep's
    # reminders: issue 17); the WeCom callback reads its own secret (token and AES key) alone
    callback = synth.resource("AWS::Lambda::Function", "ComputeWecomCallback")[1]["Properties"]
    callback_role = callback["Role"]["Fn::GetAtt"][0]
    senders = {
        synth.resource("AWS::Lambda::Function", f"Compute{name}")[1]["Properties"]["Role"]["Fn::GetAtt"][0]
        for name in ("Api", "SweepCandidates", "WorkspaceApi")
    }
    readers: dict[str, set[str]] = {}
    for p in synth.resources("AWS::IAM::Policy").values():
        for s in p["Properties"]["PolicyDocument"]["Statement"]:
            if "secretsmanager:GetSecretValue" in json.dumps(s["Action"]):
                for r in p["Properties"]["Roles"]:
                    readers.setdefault(r["Ref"], set()).add(json.dumps(s["Resource"]))
    assert set(readers) == {role, callback_role, *senders}
    for sender in (role, *senders):
        assert all(":secret:jiping/wecom/dev-" in r for r in readers[sender])
    assert all(":secret:jiping/wecom-callback/dev-" in r for r in readers[callback_role])
    assert "jiping/wecom-callback" in json.dumps(
        callback["Environment"]["Variables"]["WECOM_CALLBACK_SECRET_ARN"]
    )


def test_every_route_but_health_runs_behind_the_api_key_authorizer(synth: Synth) -> None:
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in synth.resources("AWS::ApiGatewayV2::Route").values()
    }
    assert routes["GET /v1/health"].get("AuthorizationType", "NONE") == "NONE"
    for callback in ("GET /v1/wecom/callback", "POST /v1/wecom/callback"):  # WeCom signs these itself
        assert routes[callback].get("AuthorizationType", "NONE") == "NONE"
    assert set(routes) == {
        "GET /v1/health",
        "GET /v1/wecom/callback",
        "POST /v1/wecom/callback",
        "DELETE /v1/candidates/{candidate_ref}",
        *constants.ANALYTICS_ROUTES,
        *constants.CANDIDATE_ROUTES,  # open: the function checks the candidate's token (test_candidate_site)
        *constants.WORKSPACE_ROUTES,  # open: the function checks the session cookie (test_workspace_api)
        "ANY /v1/{proxy+}",
    }
    authorizer_id, authorizer = synth.resource("AWS::ApiGatewayV2::Authorizer", "ApiHttpApiApiKeys")
    open_routes = {
        "GET /v1/health",
        "GET /v1/wecom/callback",
        "POST /v1/wecom/callback",
        *constants.CANDIDATE_ROUTES,
        *constants.WORKSPACE_ROUTES,
    }
    for key in set(routes) - open_routes:
        guarded = routes[key]
        assert guarded["AuthorizationType"] == "CUSTOM", key
        assert guarded["AuthorizerId"] == {"Ref": authorizer_id}, key
    props = authorizer["Properties"]
    assert props["AuthorizerType"] == "REQUEST" and props["EnableSimpleResponses"] is True
    assert props["IdentitySource"] == ["$request.header.Authorization"]
    fn_id, _ = synth.resource("AWS::Lambda::Function", "ComputeAuthorizer")
    assert fn_id in json.dumps(props["AuthorizerUri"])
