"""SIGKILL the running app at random moments; it restarts on the same store and nothing accepted is lost.

The app (``streamlit run app.py`` over a copy of the demo store) holds the store read-write
and imports inside its own process, on the Data page. Each trial signs an analyst in through
the form (an audited sign-in) on a websocket session (tests/load/harness.py), then kills the
app's whole process group with SIGKILL at a seeded random moment:

- "imported, then idle": a whole import through the Data page, then idle for a moment;
- "during the import": the Import button pressed, the kill a random fraction of the time the
  first import took (so it lands while the file is read, placed, stored or committed);
- "idle after a sign-in": the sign-in, Overview opened, then idle for a moment;
- "while pages run": two signed-in tabs change Explore's method over and over, the kill
  lands in some run of theirs.

After each kill, with the app dead, the store is opened read-only from the test and must be
consistent: every import in the log has exactly its ``rows_accepted`` incidents, no incident
or rejected row names an import missing from the log, every audited import is in the log
with its count, no source key twice; every row accepted before the kill is there (each
source's count as expected); the trial's file is either wholly there with its import row
(the kill came after the commit) or not at all (no rows, no import row); every completed
sign-in is in the audit log. Then the app is restarted on the same store: it must come up,
a new session signs in and opens the Data page without any error, and a file the kill
interrupted is imported again through the page, all of it accepted (a committed one is
all "already in the store"). At the end the app is stopped and the store checked again.
Timings (kill moments, restarts, first sign-ins) are printed and written to
test-artifacts/load/kill-report.txt.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time

import pytest

from queries.store import connect
from tests.load import harness
from tests.load.harness import IMPORT_PASSWORD, IMPORT_USER, Session, SessionError

pytestmark = [pytest.mark.load, pytest.mark.slow]

SEED = 20240611
ROWS = 60_000
TRIALS = ("imported, then idle", "during the import", "idle after a sign-in", "while pages run",
          "during the import")
RUN_LIMIT_S = 150


def source_counts(db) -> dict[str, int]:
    con = connect(db, read_only=True)
    try:
        return dict(con.execute("SELECT source, count(*) FROM incidents GROUP BY ALL").fetchall())
    finally:
        con.close()


def signed_in(db, user: str) -> int:
    con = connect(db, read_only=True)
    try:
        return con.execute("SELECT count(*) FROM audit WHERE actor = ? AND action = 'sign-in' AND outcome = 'ok'",
                           [user]).fetchone()[0]
    finally:
        con.close()


def check_store(db, expected: dict[str, int], sign_ins: int, when: str) -> None:
    problems, _ = harness.store_consistency(db)
    assert not problems, f"{when}: the store is inconsistent: {problems}"
    held = source_counts(db)
    for source, n in expected.items():
        assert held.get(source, 0) == n, f"{when}: {source} holds {held.get(source, 0):,} rows, expected {n:,}"
    assert signed_in(db, IMPORT_USER) == sign_ins, f"{when}: completed sign-ins missing from the audit log"


async def sign_in(app: harness.App, name: str, page: str = "data") -> tuple[Session, float]:
    s = Session(app.url, name, run_timeout=RUN_LIMIT_S)
    t0 = time.monotonic()
    errors = (await s.open(page)).errors + (await s.sign_in(IMPORT_USER, IMPORT_PASSWORD)).errors
    assert not errors, f"{name}: {errors}"
    return s, time.monotonic() - t0


async def trial(app: harness.App, kind: str, csv, source: str, rng: random.Random, import_s: float | None) -> dict:
    """Sign in, do the trial's work, SIGKILL the app at its random moment; returns what happened."""
    out: dict = {"kind": kind}
    s, out["sign_in_s"] = await sign_in(app, f"trial {kind}")
    if kind == "imported, then idle":
        res = await harness.import_through_data_page(app.url, "", "", csv, source=source, session=s)
        assert not res.errors and res.accepted == ROWS, res
        out["import_s"] = res.seconds
        out["kill_after_s"] = rng.uniform(0.1, 1.5)
        await asyncio.sleep(out["kill_after_s"])
    elif kind == "idle after a sign-in":
        run = await s.goto("")
        assert not run.errors, run.errors
        out["kill_after_s"] = rng.uniform(0.1, 1.5)
        await asyncio.sleep(out["kill_after_s"])
    elif kind == "while pages run":
        # Two tabs change Explore's method over and over; the kill lands in some run of theirs.
        await s.goto("explore")
        other, _ = await sign_in(app, "second tab", "explore")
        tabs = [s, other]

        async def change(tab: Session) -> None:
            for i in range(1000):
                await tab.set("radio", "Method", harness.METHODS[(i + 1) % len(harness.METHODS)])

        busy = [asyncio.create_task(change(tab)) for tab in tabs]
        out["kill_after_s"] = rng.uniform(0.5, 4.0)
        await asyncio.sleep(out["kill_after_s"])
        for task in busy:
            assert not task.done(), task.exception()
    else:
        errors = await harness.choose_import(s, csv, source=source)
        assert not errors, errors
        click = asyncio.create_task(s.click("Import", run_label=f"import {csv.name}"))
        out["kill_after_s"] = rng.uniform(0.05, 0.6) * (import_s or 5.0)
        await asyncio.sleep(out["kill_after_s"])
        out["run_finished_first"] = click.done()
    await asyncio.to_thread(app.kill)
    if kind == "during the import":
        try:
            await click
        except SessionError:
            pass  # the socket died with the app: expected
    if kind == "while pages run":
        for task in busy:
            with contextlib.suppress(SessionError):
                await task
        await other.close()
    await s.close()
    return out


async def after_restart(app: harness.App, csv, source: str, reimport: bool) -> dict:
    """A new session signs in and opens the Data page; a file the kill interrupted is imported again."""
    s, first = await sign_in(app, "after restart")
    assert s.has("selectbox", "Kind"), "the Data page did not open after the restart"
    out = {"first_sign_in_s": first}
    if reimport:
        res = await harness.import_through_data_page(app.url, "", "", csv, source=source, session=s)
        assert not res.errors, res.errors
        out.update(reimport_accepted=res.accepted, reimport_duplicate=res.duplicate, reimport_s=res.seconds)
    await s.close()
    return out


def test_sigkill_at_random_moments_loses_nothing_accepted(store_copy, tmp_path, load_artifacts):
    rng = random.Random(SEED)
    db = store_copy
    expected = source_counts(db)
    sign_ins = signed_in(db, IMPORT_USER)
    log = load_artifacts / "kill-streamlit.log"
    log.unlink(missing_ok=True)
    lines: list[str] = []
    started = time.monotonic()
    app = harness.App(db, log)
    app.wait_ready()
    import_s = None
    interrupted = 0
    try:
        for k, kind in enumerate(TRIALS):
            csv = harness.write_extract(tmp_path / f"kill-{k}.csv", ROWS, seed=SEED + k, prefix=f"KILL{k}")
            source = f"kill-test-{k}"
            t0 = time.monotonic()
            out = harness.run_async(trial(app, kind, csv, source, rng, import_s))
            sign_ins += 2 if kind == "while pages run" else 1
            assert not app.crashed, harness.crash_report(app)
            if kind == "imported, then idle":
                import_s = out["import_s"]
                expected[source] = ROWS

            # The app is dead: the store as the kill left it.
            held = source_counts(db).get(source, 0)
            committed = held == ROWS
            if kind == "during the import":
                assert held in (0, ROWS), f"trial {k}: {held:,} of {ROWS:,} rows of a killed import are stored"
                logged = harness.import_rows(db, source)["imports"]
                assert len(logged) == (1 if committed else 0), f"trial {k}: import log {logged} with {held:,} rows"
                interrupted += not committed
                if committed:
                    expected[source] = ROWS
            check_store(db, expected, sign_ins, f"after kill {k} ({kind})")

            app = harness.App(db, log)
            up = app.wait_ready()
            reimport = kind == "during the import"
            after = harness.run_async(after_restart(app, csv, source, reimport))
            sign_ins += 1
            if reimport:
                assert after["reimport_accepted"] == (0 if committed else ROWS), after
                assert after["reimport_duplicate"] == (ROWS if committed else 0), after
                expected[source] = ROWS
            moment = {"imported, then idle": "after the import's page was drawn",
                      "idle after a sign-in": "after Overview opened", "while pages run": "into the changes",
                      "during the import": "after the Import click"}[kind]
            detail = f"kill {out['kill_after_s']:.2f} s {moment}" + (
                ("; it came after the commit" if committed else "; it came before the commit: nothing of the file "
                 "stored") if kind == "during the import" else "")
            lines.append(f"trial {k}: {kind} ({detail}); store consistent; restarted in {up:.1f} s, "
                         f"first sign-in {after['first_sign_in_s']:.1f} s"
                         + (f"; imported again: {after['reimport_accepted']:,} accepted, "
                            f"{after['reimport_duplicate']:,} already there in {after['reimport_s']:.1f} s"
                            if reimport else "")
                         + (f"; the import took {out['import_s']:.1f} s" if "import_s" in out else "")
                         + f" [{time.monotonic() - t0:.0f} s]")
    finally:
        app.stop()
    crash = harness.crash_report(app)
    assert crash is None, crash
    check_store(db, expected, sign_ins, "at the end")
    lines.append(f"{len(TRIALS)} kills, {interrupted} during an import before its commit; every accepted row kept "
                 f"({sum(expected.values()):,} incidents); {time.monotonic() - started:.0f} s in all")
    text = "\n".join(lines)
    print("\n" + text)
    (load_artifacts / "kill-report.txt").write_text(text + "\n")
    assert interrupted >= 1, "no kill landed in an import before its commit"
