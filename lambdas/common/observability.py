"""Logger, Tracer and Metrics: created once here, imported everywhere."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE_NAME = "strongroom"
METRICS_NAMESPACE = "Strongroom"

# Named here rather than only through POWERTOOLS_* variables, so that a metric recorded by code that
# was imported before the environment was set (tests, the local runtime) still has its namespace.
logger = Logger(service=SERVICE_NAME)
tracer = Tracer(service=SERVICE_NAME)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE_NAME)
