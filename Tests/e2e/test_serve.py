"""The real `zamin serve` process, read with curl: health counts against the GeoJSON files,
JSON 404s, and a clean stop on SIGINT/SIGTERM."""
import json
import signal
import subprocess

from conftest import GEODATA, Server


def curl(url, *args):
    # Bytes, not text=True: universal newlines would turn the header block's CRLFs into LFs.
    result = subprocess.run(["curl", "-s", "-i", *args, url], capture_output=True, timeout=30)
    head, _, body = result.stdout.decode("utf-8").partition("\r\n\r\n")
    status = int(head.split()[1])
    return status, head, body


def feature_count(path):
    return len(json.loads(path.read_text())["features"])


def test_health_counts_match_the_geojson(server):
    status, head, body = curl(server.base + "/health")
    assert status == 200
    assert "application/json" in head.lower()
    document = json.loads(body)
    assert {key: document[key] for key in ("status", "parcels", "zones", "facilities")} == {
        "status": "ok",
        "parcels": feature_count(GEODATA / "tehran" / "parcels.geojson"),
        "zones": feature_count(GEODATA / "tehran" / "zones.geojson"),
        "facilities": feature_count(GEODATA / "tehran" / "facilities.geojson"),
    }
    # The version of the stored city the server answers from: the import is its first change.
    assert document["data_version"] >= 1 and document["data_changed_at"].endswith("Z")
    # How current the node is (issue 17): which store, the newest version read from it, the lag.
    assert set(document) == {"status", "parcels", "zones", "facilities", "data_version", "data_changed_at",
                             "store", "store_version", "lag_ms", "store_reachable", "ready"}
    assert document["store"] == ("postgres" if str(server.db).startswith("postgres://") else "sqlite")
    assert document["store_version"] >= document["data_version"] and document["lag_ms"] >= 0


def test_unknown_path_is_a_json_404(server):
    status, head, body = curl(server.base + "/no/such/thing")
    assert status == 404
    assert "application/json" in head.lower()
    assert json.loads(body)["code"] == "NotFound"


def test_head_is_get_without_the_body(server):
    """curl -I on the real server: GET's status and Content-Length, no body (RFC 9110 §9.3.2)."""
    for path in ["/collections", "/collections/parcels/items?limit=5", "/no/such/thing"]:
        get_status, get_head, get_body = curl(server.base + path)
        result = subprocess.run(["curl", "-s", "-I", server.base + path], capture_output=True, timeout=30)
        head = result.stdout.decode("utf-8")
        assert int(head.split()[1]) == get_status
        lengths = [line.split(":", 1)[1].strip() for line in head.split("\r\n") if line.lower().startswith("content-length:")]
        assert lengths == [str(len(get_body.encode("utf-8")))], head


def test_stops_cleanly_on_sigint_and_sigterm(tehran_db, tmp_path):
    for sig in (signal.SIGINT, signal.SIGTERM):
        srv = Server(tehran_db, tmp_path / f"serve-{sig}.log").start()
        assert srv.stop(sig) == 0, srv.log.read_text()
        assert "stopped" in srv.log.read_text()


def test_import_twice_is_refused_and_replace_works(tmp_path):
    from conftest import import_dataset
    db = tmp_path / "city.db"
    first = import_dataset(db, GEODATA / "tehran")
    assert first.returncode == 0, first.stderr
    assert "parcels     6673" in first.stdout
    second = import_dataset(db, GEODATA / "tehran")
    assert second.returncode != 0
    assert "--replace" in second.stderr
    third = import_dataset(db, GEODATA / "helsinki", replace=True)
    assert third.returncode == 0, third.stderr
    assert "parcels     482" in third.stdout


def test_bad_dataset_lists_every_problem(tmp_path):
    import shutil
    from conftest import import_dataset
    folder = tmp_path / "tehran"
    shutil.copytree(GEODATA / "tehran", folder)
    lines = (folder / "parcels.geojson").read_text().split("\n")
    lines[3] = lines[3].replace('"P-000003"', '"P-000002"')           # duplicate id (feature 2)
    lines[6] = lines[6].replace('"zone_code":"', '"zone_code":"X')    # unknown zone code (feature 5)
    (folder / "parcels.geojson").write_text("\n".join(lines))
    db = tmp_path / "city.db"
    result = import_dataset(db, folder)
    assert result.returncode != 0
    assert "parcels.geojson: feature 2 (id P-000002): duplicate id" in result.stderr
    assert "parcels.geojson: feature 5 (id P-000006)" in result.stderr
    assert "not changed" in result.stderr
