"""Jiping (即评): the domain package shared by the Lambda functions, the containers and the local cloud."""

__version__ = "0.1.0"
