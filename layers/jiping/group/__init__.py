"""Group discussions (无领导小组讨论): who spoke, who built on whom, who steered (issue 19)."""
