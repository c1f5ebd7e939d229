"""The logger, tracer and metrics singletons. Log with key-value fields; never personal data."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "jiping"

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace="Jiping", service=SERVICE)
