"""The HR workspace table on DynamoDB (pynamodb): ``pk`` + ``sk``, each row a JSON ``document``, TTL on
``expires_at``.

- ``session#{sha256}`` / ``-``: a signed-in person (``User``), until the session ends.
- ``state#{sha256}`` / ``-``: one OAuth round trip (``LoginState``), deleted as it is read.
- ``tenant#{tenant}`` / ``member#{login}#{user}``: a member and their role.
- ``interview#{tenant}#{interview}`` / ``push#{manager}``, ``comment#{at}#{id}``, ``decision``: what HR and
  managers did about one interview: one partition, so that erasure deletes it with one query.
- ``manager#{tenant}#{manager}`` / ``push#{interview}``: the same push, as the manager's list reads it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.constants import ALL_OLD
from pynamodb.exceptions import PynamoDBConnectionError
from pynamodb.models import Model

from jiping.adapters.dynamo.tables import bind, conditional_write, storage_error
from jiping.portal.workspace import Comment, DecisionRecord, Login, LoginState, Member, Notes, Push, User

TABLE = "workspace"
ONE = "-"


class WorkspaceItem(Model):
    class Meta:
        table_name = "unbound"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    document = UnicodeAttribute()
    expires_at = NumberAttribute(null=True)  # epoch seconds (DynamoDB TTL)


def _ttl(at: datetime, grace: timedelta = timedelta(0)) -> int:
    return int((at + grace).timestamp())


class DynamoWorkspace:
    """``jiping.portal.workspace.WorkspaceStore`` on DynamoDB."""

    def __init__(self, table_name: str, region: str | None = None, host: str | None = None) -> None:
        self._item = bind(WorkspaceItem, table_name, region, host)

    # -- plumbing --

    def _get(self, pk: str, sk: str = ONE) -> str | None:
        try:
            return self._item.get(pk, sk, consistent_read=True).document
        except self._item.DoesNotExist:
            return None
        except PynamoDBConnectionError as exc:
            raise storage_error(exc, TABLE) from exc

    def _put(self, pk: str, sk: str, document: str, expires_at: int | None = None) -> None:
        try:
            self._item(pk, sk, document=document, expires_at=expires_at).save()
        except PynamoDBConnectionError as exc:
            raise storage_error(exc, TABLE) from exc

    def _query(self, pk: str, prefix: str) -> list[Any]:
        try:
            condition = WorkspaceItem.sk.startswith(prefix) if prefix else None
            return list(self._item.query(pk, condition, consistent_read=True))
        except PynamoDBConnectionError as exc:
            raise storage_error(exc, TABLE) from exc

    # -- members and sessions --

    def put_member(self, member: Member) -> None:
        self._put(
            f"tenant#{member.tenant_id}", f"member#{member.login}#{member.user_id}", member.model_dump_json()
        )

    def get_member(self, tenant_id: str, login: Login, user_id: str) -> Member | None:
        found = self._get(f"tenant#{tenant_id}", f"member#{login}#{user_id}")
        return Member.model_validate_json(found) if found else None

    def members(self, tenant_id: str) -> list[Member]:
        return [Member.model_validate_json(i.document) for i in self._query(f"tenant#{tenant_id}", "member#")]

    def delete_member(self, tenant_id: str, login: Login, user_id: str) -> bool:
        item = self._item(f"tenant#{tenant_id}", f"member#{login}#{user_id}")
        return conditional_write(lambda: item.delete(condition=WorkspaceItem.pk.exists()), TABLE)

    def put_session(self, token_sha256: str, user: User) -> None:
        self._put(f"session#{token_sha256}", ONE, user.model_dump_json(), _ttl(user.expires_at))

    def get_session(self, token_sha256: str) -> User | None:
        found = self._get(f"session#{token_sha256}")
        return User.model_validate_json(found) if found else None

    def delete_session(self, token_sha256: str) -> None:
        try:
            self._item(f"session#{token_sha256}", ONE).delete()
        except PynamoDBConnectionError as exc:
            raise storage_error(exc, TABLE) from exc

    def put_state(self, state_sha256: str, state: LoginState) -> None:
        self._put(f"state#{state_sha256}", ONE, state.model_dump_json(), _ttl(state.expires_at))

    def take_state(self, state_sha256: str) -> LoginState | None:
        """Deleted as it is read (ReturnValues ALL_OLD): a replayed callback finds nothing."""
        try:
            old = self._item._get_connection().delete_item(
                f"state#{state_sha256}", ONE, return_values=ALL_OLD
            )
        except PynamoDBConnectionError as exc:
            raise storage_error(exc, TABLE) from exc
        document = (old.get("Attributes") or {}).get("document", {}).get("S")
        return LoginState.model_validate_json(document) if document else None

    # -- pushes, comments, decisions --

    def add_push(self, push: Push) -> bool:
        """False when this manager already had the candidate. The interview's row decides (and grants
        access); the manager's list row is written either way, so a retry completes a half-done push."""
        on_interview = self._item(
            f"interview#{push.tenant_id}#{push.interview_id}",
            f"push#{push.manager.user_id}",
            document=push.model_dump_json(),
        )
        on_manager = self._item(
            f"manager#{push.tenant_id}#{push.manager.user_id}",
            f"push#{push.interview_id}",
            document=push.model_dump_json(),
        )

        new = conditional_write(lambda: on_interview.save(condition=WorkspaceItem.pk.does_not_exist()), TABLE)
        try:
            on_manager.save()
        except PynamoDBConnectionError as exc:
            raise storage_error(exc, TABLE) from exc
        return new

    def notes(self, tenant_id: str, interview_id: str) -> Notes:
        """The interview's partition in one query: its pushes, comments (the keys sort them by time) and decision."""
        found = Notes()
        for row in self._query(f"interview#{tenant_id}#{interview_id}", ""):
            if row.sk.startswith("push#"):
                found.pushes.append(Push.model_validate_json(row.document))
            elif row.sk.startswith("comment#"):
                found.comments.append(Comment.model_validate_json(row.document))
            elif row.sk == "decision":
                found.decision = DecisionRecord.model_validate_json(row.document)
        return found

    def pushes_for_manager(self, tenant_id: str, manager: str) -> list[Push]:
        return [
            Push.model_validate_json(i.document)
            for i in self._query(f"manager#{tenant_id}#{manager}", "push#")
        ]

    def is_pushed(self, tenant_id: str, interview_id: str, manager: str) -> bool:
        return self._get(f"interview#{tenant_id}#{interview_id}", f"push#{manager}") is not None

    def add_comment(self, tenant_id: str, interview_id: str, comment: Comment) -> None:
        sk = f"comment#{comment.at.isoformat()}#{comment.id}"
        self._put(f"interview#{tenant_id}#{interview_id}", sk, comment.model_dump_json())

    def put_decision(self, tenant_id: str, interview_id: str, decision: DecisionRecord) -> None:
        self._put(f"interview#{tenant_id}#{interview_id}", "decision", decision.model_dump_json())

    def delete_interview(self, tenant_id: str, interview_id: str) -> int:
        """The interview's partition, and each push's row in its manager's list."""
        rows = self._query(f"interview#{tenant_id}#{interview_id}", "")
        doomed = [(r.pk, r.sk) for r in rows]
        for row in rows:
            if row.sk.startswith("push#"):
                doomed.append((f"manager#{tenant_id}#{row.sk[len('push#') :]}", f"push#{interview_id}"))
        try:
            with self._item.batch_write() as batch:
                for pk, sk in doomed:
                    batch.delete(self._item(pk, sk))
        except PynamoDBConnectionError as exc:
            raise storage_error(exc, TABLE) from exc
        return len(doomed)
