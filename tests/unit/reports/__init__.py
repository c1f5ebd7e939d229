"""Unit tests of the HTML reports."""
