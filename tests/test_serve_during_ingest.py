"""`sohoa serve` keeps answering searches while a batch ingests into the same archive."""

from __future__ import annotations

import os
import subprocess
import time

from conftest import SAMPLES, SOHOA, api_client, run_sohoa
from sohoa.api.web import create_app
from sohoa.archive.settings import Settings


def test_searches_are_answered_while_an_ingest_writes(tmp_path):
    home = tmp_path / "archive"
    run_sohoa(home, "ingest", str(SAMPLES / "thong-bao-hop-ban-thuong-vu.png"))
    client = api_client(create_app(Settings(home=home)), "staff")
    ingest = subprocess.Popen(
        [SOHOA, "ingest", str(SAMPLES)],
        env={**os.environ, "SOHOA_HOME": str(home), "SOHOA_WORKERS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    answered, slowest, totals = 0, 0.0, set()
    while ingest.poll() is None:
        started = time.monotonic()
        response = client.get("/api/search", params={"q": "ke hoach"})
        slowest = max(slowest, time.monotonic() - started)
        assert response.status_code == 200, response.text
        totals.add(response.json()["total"])
        answered += 1
        time.sleep(0.05)
    assert ingest.returncode == 0, ingest.stderr.read()
    assert answered >= 10
    assert slowest < 5  # never stuck behind the ingest's writes
    final = client.get("/api/search", params={"q": "ke hoach"}).json()["total"]
    assert final >= 1 and max(totals) <= final
