"""Unit tests of analytics: statistics, validity, fairness, drift, re-weighting."""
