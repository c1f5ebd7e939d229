"""Fixtures shared by the page tests (the candidate page, the HR workspace): Debian's Chromium, once per module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.conftest import native_env

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium with a fake camera and microphone (the recording page asks for them)."""
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"],
            env=dict[str, str | float | bool](native_env()),
        )
        yield chromium
        chromium.close()
