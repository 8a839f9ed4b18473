"""Zone history on a real `zamin serve`: a planner rezones a zone over HTTP with a key made by the
CLI; the server answers with the new code at once (GDAL's OAPIF driver included), keeps it across a
restart (the history tables are the truth), and answers `datetime=` before the rezoning with the
old code. Oracles: zones.geojson, parcels.geojson and zoning_rules.json, read here."""
import json
import shutil
import subprocess
import time
import urllib.parse
from datetime import datetime, timezone

from conftest import GEODATA, Server
from planner_support import call, create_key


def features(layer):
    with open(GEODATA / "tehran" / f"{layer}.geojson", encoding="utf-8") as f:
        return json.load(f)["features"]


def now_rfc3339():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def q(value):
    return urllib.parse.quote(value, safe="")


def test_rezoning_is_served_at_once_survives_a_restart_and_is_history(new_city, tmp_path):
    db = new_city(tmp_path)
    zones = {f["properties"]["id"]: f["properties"] for f in features("zones")}
    rules = json.load(open(GEODATA / "tehran" / "zoning_rules.json", encoding="utf-8"))["zones"]
    assert zones["Z-002"]["code"] == "R122"
    r122 = sum(1 for f in features("parcels") if f["properties"]["zone_code"] == "R122")
    m111 = sum(1 for f in features("parcels") if f["properties"]["zone_code"] == "M111")
    planner = create_key(db, "planner", "sara")
    server = Server(db, tmp_path / "serve.log").start()
    try:
        before = now_rfc3339()
        time.sleep(0.01)
        status, body = call(server.base, "POST", "/zones/Z-002/rezone", {"code": "M111", "reason": "e2e"}, key=planner)
        assert status == 200, body
        moved = body["parcels"]["rezoned"]
        assert moved and body["before"]["code"] == "R122" and body["after"]["code"] == "M111"
        assert body["after"]["name_en"] == rules["M111"]["name_en"]
        status, feature = call(server.base, "GET", "/collections/zones/items/Z-002")
        assert feature["properties"]["code"] == "M111"
        status, stats = call(server.base, "GET", "/stats/land-use?zone=M111")
        assert stats["parcels"] == m111 + len(moved)
        status, looked = call(server.base, "GET", f"/lookup?parcel={moved[0]}")
        assert looked["zone"]["code"] == "M111" and looked["rules"]["code"] == "M111"
        if shutil.which("ogrinfo"):
            listing = subprocess.run(
                ["ogrinfo", "-ro", "-al", "-q", f"OAPIF:{server.base}", "zones", "-where", "id = 'Z-002'"],
                capture_output=True, text=True, timeout=300)
            assert listing.returncode == 0, listing.stderr
            assert "code (String) = M111" in listing.stdout
        status, wrong = call(server.base, "POST", "/zones/Z-002/rezone", {"code": "M111", "reason": "again"}, key=planner)
        assert status == 409 and wrong["parameter"] == "code"
    finally:
        assert server.stop() == 0

    server = Server(db, tmp_path / "serve2.log").start()
    try:
        status, feature = call(server.base, "GET", "/collections/zones/items/Z-002")
        assert feature["properties"]["code"] == "M111"
        assert "valid_from" not in feature["properties"]
        status, old = call(server.base, "GET", f"/collections/zones/items/Z-002?datetime={q(before)}")
        assert status == 200, old
        assert old["properties"]["code"] == "R122"
        assert old["properties"]["name_en"] == zones["Z-002"]["name_en"]
        assert old["properties"]["valid_from"] is None and old["properties"]["valid_to"] > before
        status, stats = call(server.base, "GET", f"/stats/land-use?zone=R122&datetime={q(before)}")
        assert stats["parcels"] == r122
        status, changes = call(server.base, "GET", f"/changes?from={q(before)}")
        layers = [c["layer"] for c in changes["changes"]]
        assert layers == ["zone"] + ["parcel"] * len(moved)
        status, bad = call(server.base, "GET", "/collections/zones/items?datetime=2026-01-05&lang=en")
        assert status == 400 and bad["parameter"] == "datetime"
    finally:
        server.stop()
