"""Adapters of the ports against AWS services. Each takes an injectable client."""
