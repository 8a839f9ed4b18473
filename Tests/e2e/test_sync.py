"""Issue 16 point 1: `zamin import --sync`, as the issue's user tried it. An approved permit is
not undone by a file that still has the old values: `--replace` is refused naming `--sync`, a
sync lists the conflict and changes nothing until the user chooses, `--prefer store` keeps the
decision, `--prefer file` applies the file with history saying so. Added, reshaped and removed
parcels reach a running server within 1 s; outlines and areas are checked against shapely and
pyproj (geodesic area on WGS 84), not against Zamin's own numbers."""
import json
import shutil
import subprocess
import time
import urllib.error

import pyproj
from shapely.affinity import scale
from shapely.geometry import mapping, shape

from conftest import GEODATA, ZAMIN, Server, database_args
from planner_support import call, create_key, permit, wait_for

GEOD = pyproj.Geod(ellps="WGS84")


def zamin(*args):
    return subprocess.run([ZAMIN, *map(str, args)], capture_output=True, text=True, timeout=300)



def counts(output, layer):
    """The (added, changed, removed, unchanged, kept) row the command printed for `layer`."""
    for line in output.splitlines():
        cells = line.split()
        if cells and cells[0] == layer and len(cells) == 6:
            return tuple(int(cell) for cell in cells[1:])
    raise AssertionError(f"no counts for {layer} in:\n{output}")


def floors(server, parcel):
    return call(server.base, "GET", f"/lookup?parcel={parcel}")[1]["parcel"]["properties"]["floors"]


def test_sync_keeps_approved_changes_and_applies_the_rest(new_city, tmp_path):
    db = new_city(tmp_path)
    folder = tmp_path / "tehran"
    shutil.copytree(GEODATA / "tehran", folder)
    planner = create_key(db, "planner", "sync")
    server = Server(db, tmp_path / "serve.log").start()
    try:
        # The scenario: a permit for P-000002 (floors 1 → 3) approved.
        assert floors(server, "P-000002") == 1
        status, filed = call(server.base, "POST", "/requests", permit("P-000002", 3, "residential"))
        assert status == 201, filed
        status, _ = call(server.base, "POST", f"/requests/{filed['id']}/decision", {"decision": "approve", "reason": "e2e"}, key=planner)
        assert status == 200
        assert floors(server, "P-000002") == 3

        # --replace would silently undo it: refused, naming --sync.
        replaced = zamin("import", "--replace", *database_args(db), folder)
        assert replaced.returncode != 0 and "--sync" in replaced.stderr, replaced.stderr
        assert floors(server, "P-000002") == 3

        # Re-importing the unchanged folder: only the approval differs, and it is a conflict.
        dry = zamin("import", "--sync", "--dry-run", *database_args(db), folder)
        assert dry.returncode == 0, dry.stderr
        assert counts(dry.stdout, "parcels") == (0, 1, 0, 6672, 0)
        assert "parcel P-000002" in dry.stdout and "floors 3 → 1" in dry.stdout and f"request {filed['id']}" in dry.stdout
        refused = zamin("import", "--sync", *database_args(db), folder)
        assert refused.returncode == 1 and "conflict" in refused.stderr, refused.stderr
        version = call(server.base, "GET", "/health")[1]["data_version"]
        kept = zamin("import", "--sync", "--prefer", "store", *database_args(db), folder)
        assert kept.returncode == 0, kept.stderr
        assert counts(kept.stdout, "parcels") == (0, 0, 0, 6672, 1)
        assert "nothing to change" in kept.stdout
        assert floors(server, "P-000002") == 3
        assert call(server.base, "GET", "/health")[1]["data_version"] == version

        # The city's file changes: one parcel reshaped (shrunk to half its size about its centre),
        # one removed, one added in an empty corner, one parcel's floors edited.
        parcels = json.loads((folder / "parcels.geojson").read_text())
        by_id = {feature["properties"]["id"]: feature for feature in parcels["features"]}
        reshaped_id, removed_id, edited_id = "P-000010", "P-000020", "P-000030"
        old_outline = shape(by_id[reshaped_id]["geometry"])
        new_outline = scale(old_outline, xfact=0.5, yfact=0.5, origin="centroid")
        by_id[reshaped_id]["geometry"] = mapping(new_outline)
        removed_point = shape(by_id[removed_id]["geometry"]).representative_point()
        by_id[edited_id]["properties"]["floors"] = 9
        bounds = [shape(feature["geometry"]).bounds for feature in parcels["features"]]
        minx, miny = min(b[0] for b in bounds), min(b[1] for b in bounds)
        added_outline = shape({"type": "Polygon", "coordinates": [[
            [minx - 0.0020, miny - 0.0020], [minx - 0.0015, miny - 0.0020], [minx - 0.0015, miny - 0.0015],
            [minx - 0.0020, miny - 0.0015], [minx - 0.0020, miny - 0.0020]]]})
        added = {"type": "Feature", "geometry": mapping(added_outline), "properties": {
            "id": "P-900001", "zone_code": by_id[edited_id]["properties"]["zone_code"], "current_use": "residential", "floors": 2}}
        parcels["features"] = [f for f in parcels["features"] if f["properties"]["id"] != removed_id] + [added]
        (folder / "parcels.geojson").write_text(json.dumps(parcels))

        dry = zamin("import", "--sync", "--dry-run", "--prefer", "store", *database_args(db), folder)
        assert dry.returncode == 0, dry.stderr
        assert counts(dry.stdout, "parcels") == (1, 2, 1, 6669, 1), dry.stdout
        assert call(server.base, "GET", f"/lookup?parcel={removed_id}")[0] == 200

        synced = zamin("import", "--sync", "--prefer", "store", *database_args(db), folder)
        assert synced.returncode == 0, synced.stderr
        assert counts(synced.stdout, "parcels") == (1, 2, 1, 6669, 1)
        for layer in ("zones", "facilities", "rules"):
            assert counts(synced.stdout, layer)[:3] == (0, 0, 0)

        # A running server sees it within a second.
        seen = wait_for(lambda: call(server.base, "GET", f"/lookup?parcel={removed_id}")[0] == 404, 5)
        assert seen is not None and seen <= 1.0, f"the server saw the sync after {seen} s"
        assert floors(server, edited_id) == 9
        assert floors(server, "P-000002") == 3  # the approval stays
        centre = added_outline.representative_point()
        status, found = call(server.base, "GET", f"/lookup?lon={centre.x}&lat={centre.y}")
        assert status == 200 and found["parcel"]["properties"]["id"] == "P-900001"
        status, gone = call(server.base, "GET", f"/lookup?lon={removed_point.x}&lat={removed_point.y}")
        assert status == 200 and (gone["parcel"] is None or gone["parcel"]["properties"]["id"] != removed_id)

        # The reshaped outline, its area against pyproj's geodesic area, and a point it lost.
        status, item = call(server.base, "GET", f"/collections/parcels/items/{reshaped_id}")
        assert status == 200
        served = shape(item["geometry"])
        assert served.hausdorff_distance(new_outline) <= 1e-7  # answers carry 7 decimals (about 1 cm)
        expected_area = abs(GEOD.geometry_area_perimeter(new_outline)[0])
        assert abs(item["properties"]["area_m2"] - expected_area) <= max(0.5, expected_area * 1e-4)
        lost = old_outline.difference(new_outline.buffer(1e-7)).representative_point()
        status, there = call(server.base, "GET", f"/lookup?lon={lost.x}&lat={lost.y}")
        assert status == 200 and (there["parcel"] is None or there["parcel"]["properties"]["id"] != reshaped_id)

        # The history: the sync's changes by import:<folder>, the approval before them.
        status, changes = call(server.base, "GET", "/changes?lang=en", key=planner)
        assert status == 200
        by_parcel = {}
        for change in changes["changes"]:
            if change["layer"] == "parcel":
                by_parcel.setdefault(change["parcel_id"], []).append(change)
        assert [c["after"]["floors"] for c in by_parcel["P-000002"]] == [3]  # the approval only
        assert [c["event"] for c in by_parcel[removed_id]] == ["removal"] and by_parcel[removed_id][0]["after"] is None
        edited_from = json.loads((GEODATA / "tehran" / "parcels.geojson").read_text())
        edited_from = next(f for f in edited_from["features"] if f["properties"]["id"] == edited_id)["properties"]["floors"]
        assert [(c["before"]["floors"], c["after"]["floors"]) for c in by_parcel[edited_id]] == [(edited_from, 9)]

        # --prefer file: the file's floors 1 replace the approval, and the history says which.
        applied = zamin("import", "--sync", "--prefer", "file", *database_args(db), folder)
        assert applied.returncode == 0, applied.stderr
        assert counts(applied.stdout, "parcels") == (0, 1, 0, 6672, 0)
        assert wait_for(lambda: floors(server, "P-000002") == 1, 5) is not None
        _, changes = call(server.base, "GET", "/changes?lang=en", key=planner)
        last = [c for c in changes["changes"] if c.get("parcel_id") == "P-000002"][-1]
        assert (last["before"]["floors"], last["after"]["floors"]) == (3, 1)
        assert f"request {filed['id']}" in last["reason"]
        # Unchanged folder, nothing to do, no conflict left.
        again = zamin("import", "--sync", *database_args(db), folder)
        assert again.returncode == 0 and "nothing to change" in again.stdout, again.stdout + again.stderr
        check = zamin("check", *database_args(db))
        assert check.returncode == 0, check.stdout + check.stderr
    finally:
        server.stop()


def test_a_patch_during_a_sync_is_never_lost(new_city, tmp_path):
    """Issue 16 point 7: a planner's PATCH racing a sync that changes the same parcel. Whichever
    commits first, the PATCH is never lost silently: either it committed first, and the sync
    (which compares inside its write transaction) lists it as a conflict and changes nothing, or
    the sync committed first, and the PATCH, whose If-Match names the version before the sync,
    gets 412. Repeated so both orders happen."""
    import threading
    import urllib.request
    outcomes = set()
    for round_ in range(6):
        db = new_city(tmp_path)
        folder = tmp_path / f"tehran-{round_}"
        shutil.copytree(GEODATA / "tehran", folder)
        parcels = json.loads((folder / "parcels.geojson").read_text())
        target = next(f for f in parcels["features"] if f["properties"]["id"] == "P-000040")
        target["properties"]["floors"] = 11
        (folder / "parcels.geojson").write_text(json.dumps(parcels))
        planner = create_key(db, "planner", f"race-{round_}")
        server = Server(db, tmp_path / f"serve-{round_}.log").start()
        try:
            with urllib.request.urlopen(server.base + "/collections/parcels/items/P-000040") as response:
                etag = response.headers["ETag"]
            result = {}

            def sync():
                result["sync"] = zamin("import", "--sync", *database_args(db), folder)

            thread = threading.Thread(target=sync)
            thread.start()
            time.sleep(0.4 * round_)  # from at once to after the sync (1–2 s in the debug build)
            request = urllib.request.Request(
                server.base + "/collections/parcels/items/P-000040", data=b'{"properties":{"floors":22}}', method="PATCH",
                headers={"Authorization": "Bearer " + planner, "If-Match": etag, "Content-Type": "application/merge-patch+json"})
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    patched = response.status
            except urllib.error.HTTPError as error:
                patched = error.code
            thread.join()
            synced = result["sync"]
            if patched == 200:
                # The PATCH committed first: the sync saw it and refused, naming it.
                assert synced.returncode == 1 and "parcel P-000040" in synced.stdout, synced.stdout + synced.stderr
                assert wait_for(lambda: floors(server, "P-000040") == 22, 3) is not None
                outcomes.add("patch first")
            else:
                # The sync committed first: the PATCH's version was gone, and it was told so.
                assert patched == 412, patched
                assert synced.returncode == 0, synced.stderr
                assert wait_for(lambda: floors(server, "P-000040") == 11, 3) is not None
                outcomes.add("sync first")
        finally:
            server.stop()
    print("orders seen:", sorted(outcomes))
    assert outcomes, outcomes


def test_sigkill_in_the_middle_of_a_sync_leaves_the_old_or_the_new_city(tmp_path):
    """Issue 16 point 7: a 100k-parcel city, 1 % of its parcels changed in the file; `zamin import
    --sync` is killed with SIGKILL while it runs. The database then holds either the old city or
    the new one, wholly (one transaction), and `zamin check` passes."""
    import os
    import signal
    import sqlite3
    import sys
    generator = GEODATA.parent.parent / "shared" / "geodata" / "tools" / "gen_city.py"  # ../shared beside the clone
    assert generator.exists(), generator
    city = tmp_path / "city-100k"
    subprocess.run([sys.executable, str(generator), "--out", str(city), "--parcels", "100000"], check=True, capture_output=True, timeout=600)
    db = tmp_path / "city.db"
    assert zamin("import", "--db", db, city).returncode == 0
    parcels = json.loads((city / "parcels.geojson").read_text())
    changed = {}
    for feature in parcels["features"][::100]:
        feature["properties"]["floors"] = (feature["properties"].get("floors") or 0) + 1
        changed[str(feature["properties"]["id"])] = feature["properties"]["floors"]
    (city / "parcels.geojson").write_text(json.dumps(parcels))
    # How long a whole sync takes here, to kill the next one in its middle.
    copy = tmp_path / "timing.db"
    shutil.copy(db, copy)
    started = time.monotonic()
    assert zamin("import", "--sync", "--dry-run", "--db", copy, city).returncode == 0
    duration = time.monotonic() - started
    before = sqlite3.connect(db).execute("SELECT parcel_id, floors FROM parcel").fetchall()
    outcomes = []
    for fraction in (0.5, 0.8, 0.95):
        process = subprocess.Popen([ZAMIN, "import", "--sync", "--db", str(db), str(city)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * fraction)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        rows = dict(sqlite3.connect(db).execute("SELECT parcel_id, floors FROM parcel").fetchall())
        applied = [rows[pid] == floors_ for pid, floors_ in changed.items()]
        assert all(applied) or not any(applied), f"{sum(applied)} of {len(applied)} changes applied"
        outcomes.append(all(applied))
        check = zamin("check", "--db", db)
        assert check.returncode == 0, check.stdout[-2000:] + check.stderr[-2000:]
        if all(applied):
            break
    assert len(before) == 100000
    # A sync left to finish applies every change (and the kills above left nothing half done).
    finished = zamin("import", "--sync", "--db", db, city)
    assert finished.returncode == 0, finished.stderr
    rows = dict(sqlite3.connect(db).execute("SELECT parcel_id, floors FROM parcel").fetchall())
    assert all(rows[pid] == floors_ for pid, floors_ in changed.items())
    assert zamin("check", "--db", db).returncode == 0
