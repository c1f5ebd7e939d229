"""Unit tests of the workflow's stages on fakes."""
