"""Unit tests of scoring: features, the encoder, the judge, scoring-v1, re-scoring."""
