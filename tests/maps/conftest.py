"""Shared helpers for the map tests: run a layer's script in Node against a Leaflet stub."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from maps.layers import feature_group_script

STUB = Path(__file__).with_name("leaflet_stub.js")


@pytest.fixture(scope="session")
def run_group():
    """``run_group(group)``: what the group's streamlit-folium script draws, via Node.

    Skips when Node is not installed (the set-up installs it to fetch Leaflet).
    """
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.skip("node is not installed")

    def run(group, idx: int = 0) -> dict:
        script = feature_group_script(group, idx)
        done = subprocess.run([node, str(STUB)], input=script, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout)

    return run
