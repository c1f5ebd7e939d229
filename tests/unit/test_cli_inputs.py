"""The CLI's reading of --job, --answer and --questions, before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.cli.inputs import Job, UsageError, plan_inputs, resolve_job

REPO = Path(__file__).resolve().parents[2]


def test_a_profile_file_gives_its_id_version_and_questions():
    job = resolve_job(str(REPO / "profiles" / "customer-service.yaml"))
    assert (job.job_id, job.version) == ("customer-service", 1)
    assert "difficult_customer" in job.questions


def test_a_plain_job_id_is_recorded_as_given():
    assert resolve_job("job-42") == Job("job-42")


def test_an_invalid_profile_file_is_a_usage_error_with_the_reason(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: t\n")
    with pytest.raises(UsageError, match="invalid job profile"):
        resolve_job(str(bad))


def test_answers_map_clips_to_the_profile_questions(tmp_path):
    job = resolve_job(str(REPO / "profiles" / "customer-service.yaml"))
    videos, questions, texts = plan_inputs([], ["difficult_customer=/x/My Answer.mp4"], None, job)
    assert texts == []
    assert videos == [Path("/x/My Answer.mp4")]
    assert questions == [
        {
            "question_id": "difficult_customer",
            "text": job.questions["difficult_customer"],
            "media_id": "My-Answer",
        }
    ]


@pytest.mark.parametrize("answer", ["no-equals-sign", "=clip.mp4", "q1="])
def test_malformed_answers_are_refused(answer):
    with pytest.raises(UsageError, match="QUESTION_ID=CLIP"):
        plan_inputs([], [answer], None, Job("j"))


def test_an_answer_to_a_question_outside_the_profile_is_refused():
    job = resolve_job(str(REPO / "profiles" / "customer-service.yaml"))
    with pytest.raises(UsageError, match="not in job profile"):
        plan_inputs([], ["nope=a.mp4"], None, job)


def test_text_answers_mix_with_clips_and_become_questions_of_the_interview(tmp_path):
    job = resolve_job(str(REPO / "profiles" / "customer-service.yaml"))
    written = tmp_path / "policy.txt"
    written.write_text("上周有位客户不认可退货规定，我先听她说完，再把规定的原因讲清楚。", encoding="utf-8")
    videos, questions, texts = plan_inputs(
        [], ["difficult_customer=/x/a.mp4"], None, job, [f"explain_policy={written}"]
    )
    assert videos == [Path("/x/a.mp4")] and texts == [("explain_policy", written)]
    assert [q["question_id"] for q in questions] == ["difficult_customer", "explain_policy"]
    assert questions[1] == {
        "question_id": "explain_policy",
        "text": job.questions["explain_policy"],
        "media_id": "explain_policy",
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"   \n", "empty"), ("好" * 8001, "at most 8000"), (b"\xff\xfe\x00", "not UTF-8")],
)
def test_a_text_answer_file_that_cannot_be_an_answer_is_refused_before_anything_runs(
    tmp_path, content, message
):
    job = resolve_job(str(REPO / "profiles" / "customer-service.yaml"))
    path = tmp_path / "a.txt"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(UsageError, match=message):
        plan_inputs([], [], None, job, [f"explain_policy={path}"])
    with pytest.raises(UsageError, match="QUESTION_ID=FILE"):
        plan_inputs([], [], None, job, ["explain_policy"])
    with pytest.raises(UsageError, match="No such file|not found|no such"):
        plan_inputs([], [], None, job, [f"explain_policy={tmp_path / 'missing.txt'}"])


def test_nothing_to_evaluate_is_refused():
    with pytest.raises(UsageError, match="nothing to evaluate"):
        plan_inputs([], [], None, Job("j"))


def test_webhook_options_are_checked_before_anything_runs() -> None:
    from jiping.delivery.webhooks import new_secret

    from infra.cli.inputs import Notify, UsageError, notify_from

    secret = new_secret()
    assert notify_from("https://ehr.example.com/hooks", secret) == Notify(
        "https://ehr.example.com/hooks", secret
    )
    assert notify_from(None, None) == Notify()
    for url, sec, why in (
        ("ehr.example.com", None, r"takes an http\(s\) URL"),
        ("https://ehr.example.com", "hunter2", "starts with whsec_"),
        (None, secret, "goes with --webhook-url"),
    ):
        with pytest.raises(UsageError, match=why):
            notify_from(url, sec)


def test_wecom_options_are_checked_before_anything_runs() -> None:
    from infra.cli.inputs import notify_from

    notify = notify_from(None, None, ["zhangsan", "lisi"], "wmCand", "http://127.0.0.1:9/cgi-bin/")
    assert notify.hr_wecom_users == ("zhangsan", "lisi") and notify.candidate_wecom_id == "wmCand"
    with pytest.raises(UsageError, match="--hr-wecom-user"):
        notify_from(None, None, ["bad id with spaces"])
    with pytest.raises(UsageError, match="--wecom-api-base"):
        notify_from(None, None, [], None, "qyapi.weixin.qq.com")


def test_api_key_mints_scoped_expiring_keys_and_revokes_them(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3
    from jiping.adapters.dynamo.api_keys import DynamoApiKeyStore
    from jiping.portal.interviews import authenticate
    from moto import mock_aws

    from infra.cli import main

    with mock_aws():
        boto3.client("dynamodb", region_name="us-east-1").create_table(
            TableName="keys",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "key_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "key_id", "AttributeType": "S"}],
        )
        monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
        monkeypatch.delenv("AWS_REGION", raising=False)
        keys = ["--table", "keys", "--region", "us-east-1"]
        assert main(["api-key", "create", "--tenant", "acme", "--scope", "ehr", *keys]) == 0
        key = capsys.readouterr().out.strip()
        store = DynamoApiKeyStore("keys", region="us-east-1")
        caller = authenticate(store, f"Bearer {key}")
        assert caller is not None and caller.tenant_id == "acme" and caller.scopes == ("ehr",)
        assert main(["api-key", "create", "--tenant", "no spaces allowed", *keys]) == 64
        # revoked by its id (or the whole key): refused from then on, the record kept
        assert main(["api-key", "revoke", caller.key_id, *keys]) == 0
        assert f"revoked {caller.key_id} (tenant acme)" in capsys.readouterr().out
        assert authenticate(store, f"Bearer {key}") is None
        assert main(["api-key", "revoke", "0123456789abcdef", *keys]) == 64
        # a key minted without --scope may call the portal routes only, and lapses when asked to
        assert main(["api-key", "create", "--tenant", "acme", "--expires-in-days", "7", *keys]) == 0
        portal = authenticate(store, f"Bearer {capsys.readouterr().out.strip()}")
        assert portal is not None and portal.scopes == ("portal",)
        assert store.get(portal.key_id).expires_at is not None  # type: ignore[union-attr]
