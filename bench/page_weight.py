"""Bytes each public page sends: HTML plus the CSS and JavaScript it links, gzip-compressed.

Run with `make bench`; tests/site/test_page_weight.py holds every page to the budget.
"""

from __future__ import annotations

import gzip
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

BUDGET_BYTES = 60 * 1024
ASSET_RE = re.compile(r'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="([^"]+)"')

PUBLIC_PATHS = [
    "/",
    "/lumbar-spinal-stenosis/",
    "/mild-procedure/",
    "/results/",
    "/risks/",
    "/questions/",
    "/self-check/",
    "/locations/",
    "/locations/?zip=91105",
    "/locations/santa-monica/",
    "/consultation/",
    "/book/",
    "/book/?zip=91101",
    "/book/pasadena/",
]


@dataclass(frozen=True)
class Weight:
    path: str
    html_bytes: int
    asset_bytes: int
    compressed_bytes: int
    raw_bytes: int


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def measure(client, path: str) -> Weight:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    html = _body(response)
    assets = []
    for url in ASSET_RE.findall(html.decode()):
        asset = client.get(url)
        assert asset.status_code == 200, (url, asset.status_code)
        assets.append(_body(asset))
    compressed = len(gzip.compress(html)) + sum(len(gzip.compress(a)) for a in assets)
    return Weight(
        path=path,
        html_bytes=len(html),
        asset_bytes=sum(len(a) for a in assets),
        compressed_bytes=compressed,
        raw_bytes=len(html) + sum(len(a) for a in assets),
    )


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mildpath.settings")
    os.environ.setdefault("MILDPATH_PROFILE", "test")
    os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    from mildpath.demo.loader import demo_practice_load, demo_schedule_load

    demo_practice_load()
    demo_schedule_load()
    client = Client()
    print(f"{'page':<32} {'html':>8} {'css+js':>8} {'gzip':>8} {'budget':>8}")
    for prefix in ("", "/es"):
        for path in PUBLIC_PATHS:
            weight = measure(client, prefix + path)
            share = weight.compressed_bytes / BUDGET_BYTES
            print(
                f"{weight.path:<32} {weight.html_bytes:>8} {weight.asset_bytes:>8} "
                f"{weight.compressed_bytes:>8} {share:>7.0%}"
            )


if __name__ == "__main__":
    main()
