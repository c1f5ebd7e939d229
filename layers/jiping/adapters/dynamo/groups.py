"""Group sessions on DynamoDB (pynamodb): one item per session, keyed by tenant and session id, the session
as a JSON document (``jiping.portal.groups.GroupSession``)."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PynamoDBConnectionError
from pynamodb.models import Model

from jiping.adapters.dynamo.tables import bind, conditional_write, storage_error
from jiping.portal.groups import GroupSession

TABLE = "group sessions"


class GroupSessionItem(Model):
    class Meta:
        table_name = "unbound"

    tenant_id = UnicodeAttribute(hash_key=True)
    session_id = UnicodeAttribute(range_key=True)
    document = UnicodeAttribute()


class DynamoGroupSessions:
    """``jiping.portal.groups.GroupSessionStore`` on DynamoDB."""

    def __init__(self, table_name: str, region: str | None = None, host: str | None = None) -> None:
        self._item = bind(GroupSessionItem, table_name, region, host)

    def create(self, session: GroupSession) -> bool:
        item = self._item(session.tenant_id, session.session_id, document=session.model_dump_json())
        return conditional_write(
            lambda: item.save(condition=GroupSessionItem.session_id.does_not_exist()), TABLE
        )

    def get(self, tenant_id: str, session_id: str) -> GroupSession | None:
        try:
            item = self._item.get(tenant_id, session_id, consistent_read=True)
        except self._item.DoesNotExist:
            return None
        except PynamoDBConnectionError as exc:
            raise storage_error(exc, TABLE) from exc
        return GroupSession.model_validate_json(item.document)
