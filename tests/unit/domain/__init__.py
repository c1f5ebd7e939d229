"""Unit tests of the domain's models, profiles and settings."""
