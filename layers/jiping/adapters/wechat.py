"""WeCom through wechatpy: the enterprise client with a settable API base and no auto-retry, and wechatpy's
token cache on our key-value table (hashed keys, expiry enforced on read)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from wechatpy.enterprise import WeChatClient
from wechatpy.session import SessionStorage

from jiping.delivery.wecom import OFFICIAL_API_BASE, KeyValueStore, WecomConfig


class JipingWecomClient(WeChatClient):  # type: ignore[misc]
    """wechatpy's enterprise client with a settable API base (gettoken included) and no auto-retry."""

    def __init__(
        self,
        config: WecomConfig,
        session: SessionStorage,
        api_base: str = OFFICIAL_API_BASE,
        timeout: float = 10.0,
    ) -> None:
        self.API_BASE_URL = api_base if api_base.endswith("/") else api_base + "/"
        super().__init__(
            config.corp_id, config.corp_secret, session=session, timeout=timeout, auto_retry=False
        )

    def fetch_access_token(self) -> Any:
        return self._fetch_access_token(
            url=f"{self.API_BASE_URL}gettoken", params={"corpid": self.corp_id, "corpsecret": self.secret}
        )

    def drop_token(self) -> None:
        self.session.delete(self.access_token_key)
        self.expires_at = None


def storage_key(key: str) -> str:
    """wechatpy's session key embeds part of the secret: store under its hash."""
    return "token#" + hashlib.sha256(key.encode()).hexdigest()


class DynamoSessionStorage(SessionStorage):  # type: ignore[misc]
    """wechatpy's token cache on a key-value table: hashed keys, expiry enforced on read."""

    def __init__(self, store: KeyValueStore, clock: Callable[[], float] = time.time) -> None:
        self.store, self.clock = store, clock

    def get(self, key: str, default: Any = None) -> Any:
        value = self.store.get_value(storage_key(key), self.clock())
        return default if value is None else value

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        # a minute of margin: a token is refreshed before WeCom expires it
        expires = self.clock() + max(0, int(ttl) - 60) if ttl else None
        self.store.put_value(storage_key(key), str(value), expires)

    def delete(self, key: str) -> None:
        self.store.delete_value(storage_key(key))
