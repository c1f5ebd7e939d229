"""Moves the clock of a Python process the tests start, when they run with ``--clock-offset``.

``tests/conftest.py`` puts this folder first on ``PYTHONPATH`` and sets ``JIPING_CLOCK_OFFSET_S``;
Python imports ``sitecustomize`` at start-up, so a ``jiping serve`` the tests start sees the same date
as the tests (time-machine, as in the test process; time.monotonic is left alone).
"""

import os

_offset = os.environ.get("JIPING_CLOCK_OFFSET_S")
if _offset:
    from datetime import UTC, datetime, timedelta

    import time_machine

    time_machine.travel(datetime.now(UTC) + timedelta(seconds=float(_offset)), tick=True).start()
