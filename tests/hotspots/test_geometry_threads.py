"""Point-in-polygon tests from several threads on one shared geometry (Streamlit runs a thread per session).

GEOS prepared geometries are not thread-safe, and ``shapely.contains_xy`` prepares its
geometry in place: before ``hotspots.geometry`` the dashboard crashed (SIGSEGV) under
20 sessions. The threads run in a subprocess, so a crash fails the test, not the run.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import shapely

import geodata
from hotspots.geometry import contains_xy, prepared

REPO = Path(__file__).resolve().parents[2]


def test_the_shared_geometry_is_never_prepared():
    area = shapely.from_wkb(geodata.area_geometry("borough").wkb)  # unprepared, whatever other tests did
    x0, y0, x1, y1 = area.bounds
    rng = np.random.default_rng(2)
    x, y = rng.uniform(x0, x1, 5000), rng.uniform(y0, y1, 5000)
    inside = contains_xy(area, x, y)
    assert not shapely.is_prepared(area)
    assert np.array_equal(inside, shapely.contains_xy(shapely.from_wkb(area.wkb), x, y))
    own = prepared(area)
    assert shapely.is_prepared(own) and own is not area and shapely.equals(own, area)


def test_threads_testing_points_against_cached_areas_do_not_crash():
    script = textwrap.dedent("""
        import threading
        import numpy as np
        import shapely
        import geodata
        from hotspots.geometry import contains_xy
        from hotspots.grid import Grid, cell_mask
        from hotspots.kde import hotspot_kde

        area = geodata.area_geometry("borough")
        x0, y0, x1, y1 = area.bounds
        rng = np.random.default_rng(1)
        x, y = rng.uniform(x0, x1, 20_000), rng.uniform(y0, y1, 20_000)
        boxes = shapely.box(x, y, x + 50, y + 50)
        xy = np.c_[x[:2000], y[:2000]]

        def work():
            for i in range(60):
                contains_xy(geodata.area_geometry("borough"), x, y)        # as the briefings do
                shapely.intersects(geodata.area_geometry("borough"), boxes)  # an unprepared use meanwhile
                if i % 20 == 0:
                    hotspot_kde(xy, boundary=geodata.area_geometry("borough"), cell_size=100)

        threads = [threading.Thread(target=work) for _ in range(6)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        assert not shapely.is_prepared(area)
        print("no crash")
    """)
    done = subprocess.run([sys.executable, "-X", "faulthandler", "-c", script], cwd=REPO, capture_output=True,
                          text=True, timeout=600, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stderr[-3000:]}"
    assert done.stdout.strip() == "no crash"
