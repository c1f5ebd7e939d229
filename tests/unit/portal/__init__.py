"""Unit tests of the portal: interviews, keys, consent, text answers, audit."""
