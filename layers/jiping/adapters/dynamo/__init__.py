"""Adapters of the ports on DynamoDB (pynamodb), one module per table."""
