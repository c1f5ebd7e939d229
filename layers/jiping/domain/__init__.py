"""The domain's vocabulary: interviews, answers, measures, job profiles, events and errors."""
