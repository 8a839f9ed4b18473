"""Issue 15 point 3: what the store keeps is a versioned record, so rows written before a shape
changed still read. Rows in the shapes of before (a request's zoning check without `version`, an
audit record from before audit records were versioned) are written straight into the SQLite file
of a stopped server; the restarted server answers them as the rows it writes itself."""
import json
import sqlite3

from conftest import Server
from planner_support import call, copy_db, create_key, permit


def test_rows_in_the_old_shapes_still_read(tehran_db, tmp_path):
    db = copy_db(tehran_db, tmp_path)
    admin = create_key(db, "admin", "auditor")
    server = Server(db, tmp_path / "serve.log").start()
    try:
        status, filed = call(server.base, "POST", "/requests?lang=en", permit("P-000002", 3, "residential"))
        assert status == 201, filed
        code = filed["tracking_code"]
        status, shown = call(server.base, "GET", f"/requests/{code}?lang=en")
        assert status == 200
    finally:
        server.stop()

    connection = sqlite3.connect(db)
    try:
        stored = json.loads(connection.execute(
            "SELECT zoning_check FROM change_request WHERE tracking_code = ?", (code,)).fetchone()[0])
        assert stored["version"] == 1
        # The shape of before: the same members, no version.
        old = {key: value for key, value in stored.items() if key != "version"}
        connection.execute("UPDATE change_request SET zoning_check = ? WHERE tracking_code = ?", (json.dumps(old), code))
        # An audit row as written before records were versioned (no record_version given).
        connection.execute(
            "INSERT INTO audit (at, actor, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?)",
            ("2026-01-02T03:04:05.000Z", "cli:old", "key.create", "key:old", None, json.dumps({"key_id": "k0", "role": "planner"})))
        connection.commit()
    finally:
        connection.close()

    server = Server(db, tmp_path / "serve2.log").start()
    try:
        status, again = call(server.base, "GET", f"/requests/{code}?lang=en")
        assert status == 200
        assert again["zoning_check"] == shown["zoning_check"]
        assert again["zoning_check"]["parcel"] == "P-000002"
        assert {check["rule"] for check in again["zoning_check"]["checks"]} >= {"use", "floors"}
        status, audit = call(server.base, "GET", "/audit?limit=1000", key=admin)
        assert status == 200
        old_rows = [record for record in audit["records"] if record["actor"] == "cli:old"]
        assert len(old_rows) == 1 and old_rows[0]["record_version"] == 0
        assert old_rows[0]["after"] == {"key_id": "k0", "role": "planner"}
        assert all(record["record_version"] == 1 for record in audit["records"] if record["actor"] != "cli:old")
    finally:
        server.stop()
