"""Issue 15 point 4, in the real process: the access log `zamin serve` writes (its own buffered
writer, not swift-log's) has one line per request, on both ways a request can take (the inline
citizen answers and the router), with method, route template, status, duration and the request
id the client sent or the server made — and never a query string, a key or a body."""
import re
import urllib.request

from conftest import Server
from planner_support import call, copy_db, create_key, permit

LINE = re.compile(
    r"^\S+ info zamin\.access: \[LandAPI\] method=(\S+) route=(\S+) status=(\d{3}) duration_us=(\d+) request_id=(\S+)$")


def get(base, path, request_id=None):
    request = urllib.request.Request(base + path)
    if request_id:
        request.add_header("X-Request-Id", request_id)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get("X-Request-Id")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("X-Request-Id")


def test_access_log_lines(tehran_db, tmp_path):
    db = copy_db(tehran_db, tmp_path)
    planner = create_key(db, "planner", "access-log")
    log = tmp_path / "serve.log"
    server = Server(db, log).start(extra_args=["--log-level", "info", "--access-log-level", "info"])
    try:
        assert get(server.base, "/lookup?lon=51.41&lat=35.70&lang=en", "e2e-inline-1") == (200, "e2e-inline-1")
        assert get(server.base, "/collections/parcels/items/P-000002", "e2e-router-1") == (200, "e2e-router-1")
        status, made = get(server.base, "/no/such/path")
        assert status == 404 and made
        status, filed = call(server.base, "POST", "/requests", permit("P-000002", 2, "residential"))
        assert status == 201
        status, _ = call(server.base, "GET", "/requests?status=submitted", key=planner)
        assert status == 200
    finally:
        server.stop()
    text = log.read_text()
    lines = [LINE.match(line) for line in text.splitlines() if "zamin.access" in line]
    assert all(lines), [line for line in text.splitlines() if "zamin.access" in line and not LINE.match(line)]
    seen = {(m.group(1), m.group(2), m.group(3), m.group(5)) for m in lines}
    assert ("GET", "/lookup", "200", "e2e-inline-1") in seen
    assert ("GET", "/collections/parcels/items/{featureId}", "200", "e2e-router-1") in seen
    assert ("GET", "unmatched", "404", made) in seen
    assert any(m.group(1) == "POST" and m.group(2) == "/requests" and m.group(3) == "201" for m in lines)
    assert any(m.group(2) == "/requests" and m.group(1) == "GET" and m.group(3) == "200" for m in lines)
    # Never a query string, a key, a tracking code or what the applicant sent.
    for secret in ("lon=51.41", planner, filed["tracking_code"], "1234567891", "Reza Karimi", "09351234567"):
        assert secret not in text
