"""Zamin behind a real nginx (Debian package) that publishes it under /zamin/ and says the
client came over https: links, the OpenAPI server, the web map's files and the public-POST rate
limit, all through the proxy; forwarded header fields from anyone else are ignored; and
`--public-url` fixes every link whatever the request says.

nginx runs in the foreground (`daemon off; master_process off;`) from a config written into the
test's temp dir, with its pid file, logs and temp paths there too, and is stopped by its PID."""
import contextlib
import http.client
import json
import re
import shutil
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest

from conftest import ZAMIN, Server, free_port
from planner_support import copy_db, permit

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class Nginx:
    """nginx in front of one zamin: `location /zamin/` → `http://127.0.0.1:UPSTREAM/`."""

    def __init__(self, upstream_port, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.log = directory / "error.log"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (directory / name).mkdir(parents=True, exist_ok=True)
        self.config = directory / "nginx.conf"
        self.config.write_text(f"""
daemon off;
master_process off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log {self.log} info;
events {{ worker_connections 64; }}
http {{
    access_log {directory}/access.log;
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    server {{
        listen 127.0.0.1:{self.port};
        location /zamin/ {{
            proxy_pass http://127.0.0.1:{upstream_port}/;
            proxy_http_version 1.1;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto https;
            proxy_set_header X-Forwarded-Host $http_host;
            proxy_set_header X-Forwarded-Prefix /zamin;
            proxy_set_header Forwarded "";
        }}
    }}
}}
""")
        self.process = None

    def start(self):
        # -e: the error log from the first line on (not the package's /var/log/nginx).
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.directory), "-c", str(self.config), "-e", str(self.log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.process.returncode}: {self.log.read_text() if self.log.exists() else ''}")
            try:
                if request(self.port, "GET", "/zamin/health")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("nginx did not answer /zamin/health within 20 s")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: nginx's fast shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def request(port, method, path, headers=None, body=None, source="127.0.0.1"):
    """(status, headers with lower-case names, body bytes) from 127.0.0.1:port, sent from `source`."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15, source_address=(source, 0))
    try:
        data = json.dumps(body).encode() if body is not None else None
        all_headers = dict(headers or {})
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        connection.request(method, path, data, all_headers)
        response = connection.getresponse()
        return response.status, {name.lower(): value for name, value in response.getheaders()}, response.read()
    finally:
        connection.close()


def get_json(port, path, headers=None, source="127.0.0.1"):
    status, response_headers, body = request(port, "GET", path, dict({"Accept": "application/json"}, **(headers or {})), source=source)
    assert status == 200, (path, status, body[:300])
    return json.loads(body), response_headers


def links_of(document):
    """Every `href`, `$id` and `url` in a JSON document (OGC links, queryables, OpenAPI servers)."""
    found = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key in ("href", "$id", "url") and isinstance(value, str):
                found.append(value)
            else:
                found += links_of(value)
    elif isinstance(document, list):
        for value in document:
            found += links_of(value)
    return found


def path_of(url):
    parts = urllib.parse.urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


FORGED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example", "X-Forwarded-Prefix": "/evil",
          "Forwarded": "for=198.51.100.1;proto=https;host=evil.example"}


@contextlib.contextmanager
def behind_nginx(db, directory, zamin_args):
    """zamin on a copy of `db` with `zamin_args`, nginx in front; both stopped whatever happens."""
    zamin = Server(copy_db(db, directory), directory / "serve.log")
    nginx = Nginx(zamin.port, directory / "nginx")
    try:
        zamin.start(extra_args=zamin_args)
        nginx.start()
        yield zamin, nginx
    finally:
        nginx.stop()
        zamin.stop()


@pytest.fixture(scope="module")
def proxied(tehran_db, tmp_path_factory):
    """zamin trusting 127.0.0.1 (nginx's address), two public POSTs a minute, behind nginx."""
    with behind_nginx(tehran_db, tmp_path_factory.mktemp("proxied"),
                      ["--trusted-proxy", "127.0.0.1", "--public-posts-per-minute", "2"]) as servers:
        yield servers


def test_links_through_nginx_carry_scheme_host_and_prefix(proxied):
    zamin, nginx = proxied
    base = f"https://127.0.0.1:{nginx.port}/zamin"
    landing, headers = get_json(nginx.port, "/zamin/")
    links = links_of(landing)
    assert len(links) >= 6 and all(link.startswith(base + "/") for link in links), links
    # The links depend on forwarded fields: a cache between nginx and zamin must keep them apart.
    for field in ("X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Prefix"):
        assert field in headers["vary"], headers["vary"]

    page, _ = get_json(nginx.port, "/zamin/collections/parcels/items?limit=5")
    by_rel = {link["rel"]: link["href"] for link in page["links"]}
    assert set(by_rel) >= {"self", "alternate", "next", "collection"}
    assert all(href.startswith(base + "/") for href in by_rel.values()), by_rel
    assert by_rel["next"] == base + "/collections/parcels/items?limit=5&f=json&offset=5"
    # Following the next link through nginx: its path is a path nginx serves.
    following, _ = get_json(nginx.port, path_of(by_rel["next"]))
    assert following["numberReturned"] == 5
    assert {f["id"] for f in following["features"]}.isdisjoint({f["id"] for f in page["features"]})
    assert {link["rel"]: link["href"] for link in following["links"]}["prev"] == base + "/collections/parcels/items?limit=5&f=json&offset=0"

    feature_id = page["features"][0]["id"]
    feature, _ = get_json(nginx.port, f"/zamin/collections/parcels/items/{feature_id}")
    assert all(link.startswith(base + "/collections/parcels") for link in links_of(feature))
    queryables, _ = get_json(nginx.port, "/zamin/collections/parcels/queryables")
    assert queryables["$id"] == base + "/collections/parcels/queryables"
    collections, _ = get_json(nginx.port, "/zamin/collections")
    assert all(link.startswith(base + "/") for link in links_of(collections))

    status, _, html = request(nginx.port, "GET", "/zamin/collections/parcels/items?limit=2&f=html")
    assert status == 200
    hrefs = re.findall(r'href="([^"]*)"', html.decode())
    assert len(hrefs) > 4 and all(href.startswith(base + "/") for href in hrefs), hrefs


def test_api_server_url_has_the_prefix(proxied):
    _, nginx = proxied
    api, _ = get_json(nginx.port, "/zamin/api")
    assert api["servers"][0]["url"] == f"https://127.0.0.1:{nginx.port}/zamin"


def test_web_map_loads_every_file_through_the_prefix(proxied):
    _, nginx = proxied
    page_url = f"http://127.0.0.1:{nginx.port}/zamin/"
    status, headers, _ = request(nginx.port, "GET", "/zamin", {"Accept": "text/html"})
    assert status == 301 and headers["location"].endswith("/zamin/"), "nginx sends the page's URL without slash to /zamin/"
    status, headers, html = request(nginx.port, "GET", "/zamin/", {"Accept": "text/html"})
    assert status == 200 and headers["content-type"].startswith("text/html")
    references = re.findall(r'(?:src|href)="([^"#?][^"]*)"', html.decode())
    assets = [urllib.parse.urljoin(page_url, reference) for reference in references]
    assert len([url for url in assets if "/web/" in url]) >= 4, references
    stylesheet = urllib.parse.urljoin(page_url, "web/vendor/leaflet/leaflet.css")
    status, _, css = request(nginx.port, "GET", path_of(stylesheet))
    assert status == 200
    assets += [urllib.parse.urljoin(stylesheet, image) for image in re.findall(r"url\((images/[^)]+)\)", css.decode())]
    for url in assets:
        assert urllib.parse.urlsplit(url).path.startswith("/zamin/"), url
        status, _, body = request(nginx.port, "GET", path_of(url), {"Accept": "text/html"})
        assert status == 200 and body, (url, status)


def test_web_map_in_a_browser_fetches_the_api_through_the_prefix(proxied):
    """The page's scripts ask for the vector tiles (`tiles/WebMercatorQuad/…`) relative to the
    page: under /zamin/ only then do the zones arrive (a request for /tiles/… would be nginx's 404)."""
    from browser import Browser, chromium_path

    if chromium_path() is None:
        pytest.skip("no chromium on PATH (scripts/test installs Debian's chromium)")
    _, nginx = proxied
    browser = Browser()
    try:
        browser.open(f"http://127.0.0.1:{nginx.port}/zamin/?lang=en")
        browser.wait_for("window.zamin && window.zamin.map")
        assert browser.wait_for("(zamin.vectorTiles.drawn().layers.zones || []).length", timeout=30) > 0
    finally:
        browser.close()
    access = (nginx.directory / "access.log").read_text()
    assert "GET /zamin/tiles/WebMercatorQuad/" in access
    assert not re.search(r'"GET /(collections|tiles|web|lookup|nearest|search)', access), "a request missed the prefix"


def test_forwarded_fields_from_an_untrusted_client_are_ignored(proxied, server):
    zamin, _ = proxied
    # Straight to zamin from 127.0.0.2, which is not a trusted proxy.
    landing, headers = get_json(zamin.port, "/", FORGED, source="127.0.0.2")
    links = links_of(landing)
    assert links and all(link.startswith(f"http://127.0.0.1:{zamin.port}/") for link in links), links
    # A server that trusts no proxy ignores them from anyone, 127.0.0.1 included.
    landing, headers = get_json(server.port, "/", FORGED)
    assert all(link.startswith(f"http://127.0.0.1:{server.port}/") for link in links_of(landing))
    assert "X-Forwarded-Host" not in headers["vary"]


def test_rate_limit_is_per_client_behind_nginx(proxied):
    """nginx appends the address it was called from to X-Forwarded-For, so the right-most entry
    that is not a trusted proxy is the client's own address (127.0.0.2, 127.0.0.3 here): what a
    client writes into X-Forwarded-For itself is further left and never counts."""
    _, nginx = proxied

    def post(source, parcel, forwarded_for=None):
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        return request(nginx.port, "POST", "/zamin/requests", headers, permit(parcel, 3, "residential"), source=source)

    status, headers, body = post("127.0.0.2", "P-000001")
    assert status == 201, body
    assert headers["location"] == f"https://127.0.0.1:{nginx.port}/zamin/requests/{json.loads(body)['tracking_code']}"
    assert post("127.0.0.2", "P-000002")[0] == 201
    status, headers, body = post("127.0.0.2", "P-000003")
    assert status == 429 and json.loads(body)["code"] == "TooManyRequests" and int(headers["retry-after"]) >= 1
    assert post("127.0.0.2", "P-000003", forwarded_for="198.51.100.23")[0] == 429, "a made-up X-Forwarded-For buys nothing"
    # Another citizen behind the same proxy has an allowance of their own.
    assert post("127.0.0.3", "P-000004")[0] == 201
    # From a trusted address (another proxy in the chain) the client it names is the one counted.
    assert post("127.0.0.1", "P-000005", forwarded_for="203.0.113.50")[0] == 201


@pytest.fixture(scope="module")
def published(tehran_db, tmp_path_factory):
    """zamin with --public-url (and no trusted proxy), behind nginx too."""
    with behind_nginx(tehran_db, tmp_path_factory.mktemp("published"), ["--public-url", "https://gis.example.ir/zamin/"]) as servers:
        yield servers


def test_public_url_is_every_links_base(published):
    zamin, nginx = published
    base = "https://gis.example.ir/zamin"
    for port, headers in ((zamin.port, FORGED), (nginx.port, {})):
        prefix = "/zamin" if port == nginx.port else ""
        for path in ("/", "/collections", "/collections/zones/items?limit=3", "/collections/facilities/queryables", "/api"):
            document, response_headers = get_json(port, prefix + path, headers)
            links = [link for link in links_of(document) if "opengis.net" not in link and "json-schema.org" not in link and "apache.org" not in link]
            assert links and all(link == base or link.startswith(base + "/") for link in links), (path, links)
            assert "X-Forwarded-Host" not in response_headers["vary"]
    api, _ = get_json(zamin.port, "/api")
    assert api["servers"][0]["url"] == base
    page, _ = get_json(zamin.port, "/collections/zones/items?limit=3")
    assert {link["rel"]: link["href"] for link in page["links"]}["next"] == base + "/collections/zones/items?limit=3&f=json&offset=3"
    status, headers, body = request(zamin.port, "POST", "/requests", {}, permit("P-000001", 3, "residential"))
    assert status == 201
    assert headers["location"] == f"{base}/requests/{json.loads(body)['tracking_code']}"


@pytest.mark.parametrize("flag,value,message", [
    ("--public-url", "ftp://gis.example.ir/zamin", "http:// or https://"),
    ("--public-url", "https://gis.example.ir/zamin?city=tehran", "query"),
    ("--trusted-proxy", "127.0.0.1,10.0.0.1/8", "10.0.0.1/8"),
    ("--trusted-proxy", "proxy.example", "proxy.example"),
])
def test_bad_settings_stop_the_server_with_a_clear_message(tehran_db, flag, value, message):
    result = subprocess.run([ZAMIN, "serve", "--db", str(tehran_db), "--port", str(free_port()), flag, value],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert flag in result.stderr and message in result.stderr, result.stderr
