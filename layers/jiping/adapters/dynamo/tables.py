"""What every DynamoDB adapter shares: binding a pynamodb model to a table, and reading SDK errors.

pynamodb binds a model to its table at class level, so each adapter binds a subclass per table name
(``bind``); its secondary indexes get fresh instances, which pynamodb then binds to that subclass.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

from pynamodb.exceptions import PynamoDBConnectionError
from pynamodb.indexes import Index
from pynamodb.models import Model

from jiping.domain.errors import StorageError, TransientError

THROTTLED = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)

M = TypeVar("M", bound=Model)


@lru_cache(maxsize=64)
def bind(model: type[M], table_name: str, region: str | None = None, host: str | None = None) -> type[M]:
    """A subclass of ``model`` bound to one table (cached: one class per model and table)."""
    attrs: dict[str, object] = {
        "Meta": type("Meta", (), {"table_name": table_name, "region": region, "host": host})
    }
    attrs |= {name: type(value)() for name, value in vars(model).items() if isinstance(value, Index)}
    return type(f"{model.__name__}_{abs(hash(table_name))}", (model,), attrs)


def storage_error(exc: Exception, table: str) -> Exception:
    """A pynamodb error as a domain error: throttling or no answer from DynamoDB may pass on retry."""
    cause = getattr(exc, "cause_response_code", None)
    if cause in THROTTLED or cause is None:
        return TransientError(f"DynamoDB {cause or 'connection'} on the {table} table")
    return StorageError(f"DynamoDB {cause} on the {table} table")


def conditional_write(write: Callable[[], object], table: str) -> bool:
    """Run a conditional put or update; False when its condition failed (nothing was written)."""
    try:
        write()
    except PynamoDBConnectionError as exc:  # PutError and UpdateError are its subclasses
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise storage_error(exc, table) from exc
    return True
