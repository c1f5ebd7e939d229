"""The composition root of analytics: its stores, apart from the workflow's (see ``jiping.bootstrap``)."""

from __future__ import annotations

from jiping.adapters.dynamo.analytics import DynamoAnalyticsStore, DynamoDemographicsStore
from jiping.bootstrap import _region


def analytics_store(table_name: str) -> DynamoAnalyticsStore:
    return DynamoAnalyticsStore(table_name, region=_region())


def demographics_store(table_name: str) -> DynamoDemographicsStore:
    return DynamoDemographicsStore(table_name, region=_region())
