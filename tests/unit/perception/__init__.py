"""Unit tests of perception: probe, text, speech, vision, the media factory."""
