"""``python -m infra.cli``: the operator CLI (the ``jiping`` command)."""

from infra.cli import main

raise SystemExit(main())
