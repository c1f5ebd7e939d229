"""The HTTP API for HR portals: ``handler.py`` is the Lambda entrypoint, ``routes/`` the routes by concern,
``errors.py`` the one table from domain errors to responses, ``schemas.py`` the HTTP-only models.
``python -m functions.api`` prints the OpenAPI document (docs/openapi.json)."""
