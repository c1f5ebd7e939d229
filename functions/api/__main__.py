"""``python -m functions.api``: print the OpenAPI document generated from the routes."""

from .handler import openapi_document

print(openapi_document(), end="")
