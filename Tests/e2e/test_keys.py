"""`zamin keys` against the database of a running `zamin serve`: a new key works at once, a
revoked one stops working at once, no restart; secrets never reach the output of `list` or the
server log; every key change is audited."""
from conftest import Server, database_args
from planner_support import call, create_key, keys


def test_keys_cli_against_a_running_server(new_city, tmp_path):
    db = new_city(tmp_path)
    server = Server(db, tmp_path / "serve.log").start()
    try:
        assert call(server.base, "GET", "/requests")[0] == 401

        planner = create_key(db, "planner", "alice")
        status, body = call(server.base, "GET", "/requests", key=planner)
        assert status == 200, body
        assert body["count"] == 0

        listing = keys("list", *database_args(db))
        assert listing.returncode == 0
        line = next(l for l in listing.stdout.splitlines() if "\talice\t" in l)
        assert "\tplanner\t" in line and line.endswith("active")
        assert planner not in listing.stdout and planner.split("_")[2] not in listing.stdout

        duplicate = keys("create", *database_args(db), "--role", "admin", "--name", "alice")
        assert duplicate.returncode != 0 and "exists" in duplicate.stderr
        assert keys("create", *database_args(db), "--role", "mayor", "--name", "bob").returncode != 0

        revoked = keys("revoke", *database_args(db), "--name", "alice")
        assert revoked.returncode == 0, revoked.stderr
        status, body = call(server.base, "GET", "/requests", key=planner)
        assert status == 401 and body["code"] == "Unauthorized"
        assert keys("revoke", *database_args(db), "--name", "alice").returncode != 0

        admin = create_key(db, "admin", "root")
        status, body = call(server.base, "GET", "/audit", key=admin)
        assert status == 200
        actions = [(r["action"], r["target"], r["actor"]) for r in body["records"]]
        assert ("key.create", "key:alice", "cli:keys") in actions
        assert ("key.revoke", "key:alice", "cli:keys") in actions
        assert ("key.create", "key:root", "cli:keys") in actions
        assert all(admin not in str(r) and planner not in str(r) for r in body["records"])
    finally:
        server.stop()
    log = server.log.read_text()
    for secret in (planner, planner.split("_")[2], admin, admin.split("_")[2]):
        assert secret not in log
