"""Unit tests of webhooks and WeCom."""
