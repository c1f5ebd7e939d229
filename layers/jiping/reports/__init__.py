"""Reports as HTML: the interview report and the analytics pages."""
