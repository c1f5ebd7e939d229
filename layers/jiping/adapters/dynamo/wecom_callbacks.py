"""The WeCom callbacks already admitted (``CallbackNonces``), in the WeCom state table (pynamodb).

``pk="callback#{sha256(timestamp|nonce|signature)}"``, ``sk="seen"``, TTL on ``expires_at``: a claim is a
conditional put (the key absent), so two deliveries of one callback cannot both pass. The callback's role
may put items whose key starts with ``callback#`` and do nothing else on the table.
"""

from __future__ import annotations

from jiping.adapters.dynamo.tables import bind, conditional_write
from jiping.adapters.dynamo.wecom import WecomItem

KEY_PREFIX = "callback#"


class DynamoCallbackNonces:
    def __init__(self, table_name: str, region: str | None = None, host: str | None = None) -> None:
        self._item = bind(WecomItem, table_name, region, host)

    def claim(self, key: str, expires_at: int) -> bool:
        item = self._item(f"{KEY_PREFIX}{key}", "seen", expires_at=int(expires_at))
        return conditional_write(lambda: item.save(condition=WecomItem.pk.does_not_exist()), "WeCom state")
