"""What the API does apart from HTTP: interviews, keys, text answers, audit, erasure."""
