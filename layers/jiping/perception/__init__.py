"""Perception: what the media holds (probe, transcription, text, speech, vision), measured."""
