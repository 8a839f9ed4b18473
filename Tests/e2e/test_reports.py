"""Problem reports (issue 20) end to end on a real `zamin serve`, on each store (SQLite, and
PostgreSQL when the test cluster runs).

- Open311 GeoReport v2 read with a third-party client (georeport) in JSON and XML, and written
  as the spec's examples write it (https://wiki.open311.org/GeoReport_v2): the service list and
  definitions equal GeoData/tehran/services.json, filed requests read back with the right fields.
- `POST /reports` as multipart/form-data built byte by byte: a missing boundary, a nameless part,
  a truncated body, oversized photos (413 while the body still streams), mistyped photos, too many.
- Photos stored without EXIF/GPS/XMP/IPTC/comments (read back with Pillow), named by the SHA-256
  of their bytes (hashlib), decoding to the same pixels.
- "Already reported here" against a brute-force geodesic oracle (pyproj), with reports closed,
  marked duplicate and reopened between filings; confirmations.
- The operators' workflow, its public history and Open311 status; 401/403/404/409.
- Reporters' contact data in no public answer and no log line, and in the operators' queue.
- `/stats/reports` against a tally of our own and medians computed from the reports' timestamps.
- SIGKILL during photo uploads: every acknowledged report keeps its photos; `zamin check` is ok.
- services.json checked on import and sync, and carried by `zamin import --sync`.

Oracles: services.json, parcels.geojson and zones.geojson (shapely), pyproj, Pillow and hashlib,
hand-worked numbers — never the server's own numbers fed back."""
import copy
import hashlib
import http.client
import io
import json
import math
import random
import select
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import threading
import time
import types
import zlib
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import datetime, timedelta, timezone
from functools import lru_cache

import georeport.georeport as georeport_module
import pytest
import requests
import xmltodict
from georeport import GeoReport
from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo
from pyproj import Geod
from shapely.geometry import Point, shape

from conftest import GEODATA, STORES, ZAMIN, Server, database_args, new_postgres_database
from planner_support import copy_db, create_key, keys, post_from, psql

TEHRAN = GEODATA / "tehran"
CATALOGUE = json.loads((TEHRAN / "services.json").read_text(encoding="utf-8"))["services"]
SERVICE = {service["service_code"]: service for service in CATALOGUE}
GEOD = Geod(ellps="WGS84")
# Every test here files many reports from one address: the public POST limit is raised (README).
PUBLIC_POSTS = {"ZAMIN_PUBLIC_POSTS_PER_MINUTE": "1000000"}
ROLES = ("reporter_app", "operator", "planner", "admin")
MiB = 1024 * 1024
OPEN311_REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description", "agency_responsible",
    "service_notice", "requested_datetime", "updated_datetime", "expected_datetime", "address", "address_id", "zipcode",
    "lat", "long", "media_url",
}


# MARK: - the served city


class City:
    """A served copy of Tehran with one key of each role."""

    def __init__(self, store, db, server, keys_by_role):
        self.store, self.db, self.server, self.keys = store, db, server, keys_by_role
        self.base = server.base
        self.open311 = server.base + "/open311/v2"

    def client(self, output_format="json"):
        return GeoReport(self.open311, output_format=output_format)

    def sql(self, statement):
        """One write straight into the store (to put reports back in time), on either store."""
        if self.store == "sqlite":
            with closing(sqlite3.connect(self.db, timeout=30)) as connection:
                connection.execute(statement)
                connection.commit()
        else:
            psql(self.db, statement)


@pytest.fixture(scope="module", params=STORES)
def city(request, tehran_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"reports_{request.param}")
    if request.param == "sqlite":
        db = copy_db(tehran_db, folder)
    else:
        db = new_postgres_database("e2e_reports", template=request.getfixturevalue("postgres_tehran"))
    keys_by_role = {role: create_key(db, role, f"e2e-{role}") for role in ROLES}
    # Debug level: the access log's lines are written too, for the privacy scan of the log.
    server = Server(db, folder / "serve.log").start(PUBLIC_POSTS, ["--log-level", "debug"])
    yield City(request.param, db, server, keys_by_role)
    server.stop()


# MARK: - oracles from the dataset


@lru_cache(maxsize=1)
def parcels():
    features = json.loads((TEHRAN / "parcels.geojson").read_text(encoding="utf-8"))["features"]
    return {feature["properties"]["id"]: feature for feature in features}


@lru_cache(maxsize=None)
def parcel_shape(parcel_id):
    return shape(parcels()[parcel_id]["geometry"])


@lru_cache(maxsize=1)
def zone_shapes():
    features = json.loads((TEHRAN / "zones.geojson").read_text(encoding="utf-8"))["features"]
    return [(feature["properties"]["code"], shape(feature["geometry"])) for feature in features]


def inside_point(parcel_id):
    """A point well inside a parcel, with 7 decimals as the API writes them."""
    point = parcel_shape(parcel_id).representative_point()
    lon, lat = round(point.x, 7), round(point.y, 7)
    assert parcel_shape(parcel_id).contains(Point(lon, lat))
    return lon, lat


def parcel_at(lon, lat):
    found = [pid for pid, feature in parcels().items() if parcel_shape(pid).contains(Point(lon, lat))]
    assert len(found) <= 1
    return found[0] if found else None


def zone_code_at(lon, lat):
    """The zone code a report at this point has: its parcel's, else the zone polygon's."""
    parcel = parcel_at(lon, lat)
    if parcel:
        return parcels()[parcel]["properties"]["zone_code"]
    codes = [code for code, outline in zone_shapes() if outline.contains(Point(lon, lat))]
    return codes[0] if codes else None


def listed_service(service, lang):
    """A GeoReport v2 service list entry as the catalogue says it."""
    return {
        "service_code": service["service_code"], "service_name": service["name"][lang],
        "description": service["description"][lang], "metadata": bool(service["attributes"]), "type": service["type"],
        "keywords": service["keywords"][lang], "group": service["group"][lang],
    }


def defined_attributes(service, lang):
    """A GeoReport v2 service definition's attributes as the catalogue says them."""
    return [
        {
            "variable": True, "code": a["code"], "datatype": a["datatype"], "required": a["required"],
            "datatype_description": a["datatype_description"][lang] if a["datatype_description"] else None,
            "order": a["order"], "description": a["description"][lang],
            "values": [{"key": v["key"], "name": v["name"][lang]} for v in a["values"]],
        }
        for a in sorted(service["attributes"], key=lambda a: a["order"])
    ]


# MARK: - HTTP


def bearer(key):
    return {"Authorization": f"Bearer {key}"} if key else {}


def get(city, path, key=None, **kwargs):
    headers = {**bearer(key), **kwargs.pop("headers", {})}
    return requests.get(city.base + path, headers=headers, timeout=30, **kwargs)


def post_json(city, path, body, key=None, **kwargs):
    return requests.post(city.base + path, json=body, headers=bearer(key), timeout=30, **kwargs)


def file_report(city, service, lon, lat, **fields):
    response = post_json(city, "/reports", {"service_code": service, "lon": lon, "lat": lat, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def step(city, report_id, status, note=None, duplicate_of=None, key=None):
    body = {"status": status}
    if note is not None:
        body["note"] = note
    if duplicate_of is not None:
        body["duplicate_of"] = duplicate_of
    return post_json(city, f"/reports/{report_id}/status", body, key or city.keys["operator"])


def moved(city, report_id, status, note=None, duplicate_of=None):
    response = step(city, report_id, status, note, duplicate_of)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == status
    return response.json()


def reopen(city, tracking_code, note=None):
    return post_json(city, f"/reports/{tracking_code}/reopen", {"note": note} if note else {})


def open311_post(city, fmt, form):
    return requests.post(f"{city.open311}/requests.{fmt}", data=form, timeout=30)


def open311_filed(response, fmt):
    """The (service_request_id, token) of a 200 answer to a GeoReport v2 POST."""
    assert response.status_code == 200, response.text
    if fmt == "json":
        [entry] = response.json()
    else:
        entry = xmltodict.parse(response.content)["service_requests"]["request"]
        assert isinstance(entry, dict)
    assert set(entry) == {"service_request_id", "token", "service_notice", "account_id"}, entry
    assert isinstance(entry["service_request_id"], str) and entry["service_request_id"].isdigit()
    assert entry["token"]
    return entry["service_request_id"], entry["token"]


def open311_one(city, request_id, fmt="json"):
    response = requests.get(f"{city.open311}/requests/{request_id}.{fmt}", timeout=30)
    assert response.status_code == 200, response.text
    if fmt == "json":
        [entry] = response.json()
        return entry
    return xmltodict.parse(response.content)["service_requests"]["request"]


def open311_error(response, fmt, status):
    """The description of a GeoReport v2 error answer, its shape checked."""
    assert response.status_code == status, response.text
    if fmt == "json":
        assert response.headers["Content-Type"].startswith("application/json")
        body = response.json()
        assert isinstance(body, list) and len(body) == 1 and set(body[0]) == {"code", "description"}, body
        assert body[0]["code"] == status
        description = body[0]["description"]
    else:
        assert response.headers["Content-Type"].startswith("text/xml")
        error = xmltodict.parse(response.content)["errors"]["error"]
        assert isinstance(error, dict) and set(error) == {"code", "description"}, error
        assert error["code"] == str(status)
        description = error["description"]
    assert description
    return description


def as_list(value):
    """xmltodict's reading of repeated elements: none, one (a dict) or several."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def blank(value):
    """GeoReport XML has no null: an empty element stands for it."""
    return None if value in (None, "") else value


def xml_text(value):
    """How a JSON value reads back from GeoReport XML with xmltodict."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return [xml_text(item) for item in value]
    if isinstance(value, dict):
        return {key: xml_text(item) for key, item in value.items()}
    return value


def now_utc():
    return datetime.now(timezone.utc)


def rfc3339(moment):
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_time(text):
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert moment.tzinfo is not None, text
    return moment


# MARK: - multipart bodies by hand (RFC 7578 / RFC 2046 §5.1.1)

BOUNDARY = "----zamin-e2e-7f3a9c"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def form_part(name, value, filename=None, content_type=None):
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    lines = [f"Content-Disposition: {disposition}"] + ([f"Content-Type: {content_type}"] if content_type else [])
    data = value if isinstance(value, bytes) else str(value).encode()
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


def photo_part(data, filename="photo.jpg", content_type="image/jpeg"):
    return form_part("photo", data, filename, content_type)


def form_fields(service, lon, lat, **extra):
    return [form_part("service_code", service), form_part("lon", lon), form_part("lat", lat)] + [
        form_part(name, value) for name, value in extra.items()]


def multipart(parts, boundary=BOUNDARY, close=True):
    body = b"".join(f"--{boundary}\r\n".encode() + part + b"\r\n" for part in parts)
    return body + (f"--{boundary}--\r\n".encode() if close else b"")


class RawAnswer(types.SimpleNamespace):
    pass


def raw_post(city, path, body, content_type, declared=None, send=None, chunked=False, timeout=30):
    """POST over a plain socket: the body as given (or its first `send` bytes), Content-Length
    `declared` (the body's own length by default) or chunked. Stops sending as soon as the
    server answers. `sent` is how many bytes of the body went out."""
    port = city.server.port
    head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Content-Type: {content_type}", "Connection: close"]
    if chunked:
        head.append("Transfer-Encoding: chunked")
        payload = b"".join(
            f"{len(body[i:i + 65536]):x}\r\n".encode() + body[i:i + 65536] + b"\r\n" for i in range(0, len(body), 65536)
        ) + b"0\r\n\r\n"
    else:
        head.append(f"Content-Length: {len(body) if declared is None else declared}")
        payload = body
    if send is not None:
        payload = payload[:send]
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        view, sent, early = memoryview(payload), 0, False
        deadline = time.monotonic() + timeout
        while sent < len(view):
            readable, writable, _ = select.select([sock], [sock], [], max(0.0, deadline - time.monotonic()))
            if readable:
                early = True
                break
            if not writable:
                raise TimeoutError("the server neither read the body nor answered")
            try:
                sent += sock.send(view[sent:sent + 65536])
            except (BrokenPipeError, ConnectionResetError):
                early = True
                break
        response = http.client.HTTPResponse(sock)
        response.begin()
        raw = response.read()
        headers = {name.lower(): value for name, value in response.getheaders()}
        parsed = json.loads(raw) if raw and headers.get("content-type", "").startswith("application/json") else None
        return RawAnswer(status=response.status, headers=headers, raw=raw, json=parsed, sent=sent, early=early,
                         total=len(payload))
    finally:
        sock.close()


def file_form(city, parts):
    answer = raw_post(city, "/reports", multipart(parts), MULTIPART)
    assert answer.status == 201, answer.raw[:500]
    return answer


# MARK: - pictures


def small_jpeg(colour=(200, 40, 30), size=(32, 24)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def small_png(colour=(20, 160, 90, 255), size=(20, 12)):
    buffer = io.BytesIO()
    Image.new("RGBA", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def segment(marker, payload):
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def insert_segments(jpeg, *segments):
    """`segments` placed after the JPEG's application and comment segments (before its tables)."""
    index = 2
    while jpeg[index + 1] in range(0xE0, 0xF0) or jpeg[index + 1] == 0xFE:
        index += 2 + int.from_bytes(jpeg[index + 2:index + 4], "big")
    return jpeg[:index] + b"".join(segments) + jpeg[index:]


def padded_jpeg(size, shade=0):
    """A valid JPEG of exactly `size` bytes: a small picture and APP15 padding (which a cleaner drops)."""
    base = small_jpeg((shade, 90, 160))
    need = size - len(base)
    count = -(-need // 65537)
    sizes = [need // count + (1 if k < need % count else 0) for k in range(count)]
    data = insert_segments(base, *(segment(0xEF, bytes([0x5A]) * (s - 4)) for s in sizes))
    assert len(data) == size
    return data


def jpeg_header_markers(data):
    """The markers of a JPEG's segments up to its first scan."""
    assert data[:2] == b"\xff\xd8"
    markers, index = [], 2
    while True:
        assert data[index] == 0xFF, index
        while data[index] == 0xFF:
            index += 1
        marker = data[index]
        markers.append(marker)
        if marker == 0xDA:
            return markers
        index += 1 + int.from_bytes(data[index + 1:index + 3], "big")


def png_chunks(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, index = [], 8
    while index < len(data):
        length = int.from_bytes(data[index:index + 4], "big")
        chunks.append(data[index + 4:index + 8].decode("ascii"))
        index += 12 + length
    return chunks


def png_chunk(kind, payload):
    return len(payload).to_bytes(4, "big") + kind + payload + zlib.crc32(kind + payload).to_bytes(4, "big")


def metadata_exif():
    exif = Image.Exif()
    exif[0x010F] = "SecretCam Industries"  # Make
    exif[0x0110] = "SecretCam Z9"  # Model
    exif.get_ifd(ExifTags.IFD.Exif)[0xA431] = "BODY-SN-77661234"  # BodySerialNumber
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[1], gps[2] = "N", (35.0, 42.0, 13.37)
    gps[3], gps[4] = "E", (51.0, 24.0, 7.77)
    return exif.tobytes()


XMP = (b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
       b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
       b'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:exif="http://ns.adobe.com/exif/1.0/" '
       b'exif:GPSLatitude="35,42.2228N" exif:GPSLongitude="51,24.1295E"><dc:creator>XMP-creator-secret</dc:creator>'
       b'</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>')
PHOTO_SECRETS = (b"SecretCam", b"BODY-SN-77661234", b"XMP-creator-secret", b"COMMENT-secret", b"IPTC-byline-secret",
                 b"PNG-author-secret", b"http://ns.adobe.com/xap/1.0/", b"Exif\x00\x00", b"Photoshop 3.0", b"GPSLatitude")


def jpeg_with_metadata():
    """A phone-like JPEG: EXIF (make, model, body serial number, GPS position), an XMP packet, an
    IPTC by-line (APP13) and a comment."""
    picture = Image.radial_gradient("L").resize((120, 80)).convert("RGB")
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=metadata_exif(), comment=b"COMMENT-secret: from my balcony", quality=90)
    iptc = b"\x1c\x02\x50" + len(b"IPTC-byline-secret").to_bytes(2, "big") + b"IPTC-byline-secret"
    iptc += b"\x00" * (len(iptc) % 2)
    resource = b"8BIM\x04\x04\x00\x00" + len(iptc).to_bytes(4, "big") + iptc
    return insert_segments(
        buffer.getvalue(),
        segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + XMP),
        segment(0xED, b"Photoshop 3.0\x00" + resource))


def png_with_metadata():
    picture = Image.linear_gradient("L").resize((90, 60)).convert("RGBA")
    info = PngInfo()
    info.add_text("Author", "PNG-author-secret")
    info.add_text("Comment", "COMMENT-secret", zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", pnginfo=info, exif=metadata_exif())
    data = buffer.getvalue()
    # A tIME chunk (when the picture was last changed) right after IHDR.
    stamp = png_chunk(b"tIME", bytes([0x07, 0xEA, 12, 7, 17, 5, 0]))
    return data[:33] + stamp + data[33:]


def fetch_photo(url):
    """A photo by its URL: its name is the SHA-256 of its bytes, its headers as documented."""
    response = requests.get(url, timeout=30)
    assert response.status_code == 200, url
    digest, extension = url.rsplit("/", 1)[1].split(".")
    assert hashlib.sha256(response.content).hexdigest() == digest
    assert response.headers["Content-Type"] == {"jpg": "image/jpeg", "png": "image/png"}[extension]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age" in response.headers["Cache-Control"]
    return response.content


def pixels(data, mode="RGB"):
    picture = Image.open(io.BytesIO(data))
    return picture.size, picture.convert(mode).tobytes()


# MARK: - 1. Open311 GeoReport v2


def test_open311_service_list_and_definitions_equal_the_catalogue(city, monkeypatch):
    def normalised(entries, xml):
        out = []
        for entry in entries:
            entry = dict(entry)
            entry["keywords"] = [word.strip() for word in (entry["keywords"] or "").split(",") if word.strip()]
            if xml:
                assert entry["metadata"] in ("true", "false")
                entry["metadata"] = entry["metadata"] == "true"
            out.append(entry)
        return sorted(out, key=lambda entry: entry["service_code"])

    def check(lang):
        want = sorted((listed_service(s, lang) for s in CATALOGUE), key=lambda entry: entry["service_code"])
        for fmt in ("json", "xml"):
            client = city.client(fmt)
            listed = as_list(client.get_service_list())
            assert normalised(listed, fmt == "xml") == want, (lang, fmt)
            for service in CATALOGUE:
                definition = client.get_service_definition(service["service_code"])
                assert definition["service_code"] == service["service_code"]
                if fmt == "json":
                    assert sorted(definition["attributes"], key=lambda a: a["order"]) == defined_attributes(service, lang)
                else:
                    attributes = []
                    for attribute in as_list((definition.get("attributes") or {}).get("attribute")):
                        attribute = dict(attribute)
                        attribute["values"] = as_list((attribute.get("values") or {}).get("value"))
                        attributes.append(attribute)
                    assert sorted(attributes, key=lambda a: int(a["order"])) == xml_text(defined_attributes(service, lang))

    # The client sends no Accept-Language: the city's first language, Persian.
    check("fa")
    # The same client with an English Accept-Language header.
    real_get = requests.get
    monkeypatch.setattr(georeport_module, "requests", types.SimpleNamespace(
        get=lambda url, params=None: real_get(url, params=params, headers={"Accept-Language": "en-GB,en;q=0.9"}, timeout=30)))
    check("en")
    monkeypatch.undo()

    # ?lang=en wins over the header.
    for fmt in ("json", "xml"):
        response = requests.get(f"{city.open311}/services.{fmt}?lang=en", headers={"Accept-Language": "fa"}, timeout=30)
        assert response.status_code == 200 and response.headers["Content-Language"] == "en"
        listed = response.json() if fmt == "json" else as_list(xmltodict.parse(response.content)["services"]["service"])
        assert {entry["service_code"]: entry["service_name"] for entry in listed} == {
            s["service_code"]: s["name"]["en"] for s in CATALOGUE}
        # A service that does not exist: 404 in the spec's error shape.
        open311_error(requests.get(f"{city.open311}/services/no_such_service.{fmt}", timeout=30), fmt, 404)


def check_open311_request(got, want, started, status="open"):
    assert set(got) == OPEN311_REQUEST_FIELDS, sorted(got)
    assert got["service_request_id"] == want["id"]
    assert got["status"] == status
    assert got["service_code"] == want["service_code"]
    assert got["service_name"] == SERVICE[want["service_code"]]["name"]["fa"]
    assert (got["description"] or "") == want["description"]
    assert blank(got["address_id"]) == want["parcel"]
    assert blank(got["address"]) == want["address"]
    assert blank(got["media_url"]) == want.get("media_url")
    lat, lon = float(got["lat"]), float(got["long"])
    if want.get("lat") is not None:
        assert abs(lat - want["lat"]) <= 1e-6 and abs(lon - want["long"]) <= 1e-6
    if want["parcel"]:
        assert parcel_shape(want["parcel"]).buffer(1e-7).contains(Point(lon, lat))
    requested = parse_time(got["requested_datetime"])
    assert started <= requested <= now_utc() + timedelta(minutes=1)
    assert parse_time(got["updated_datetime"]) >= requested


# XML's special characters, for the XML answers to carry back.
POTHOLE = 'Open311: a "pothole" <30 cm> & the kerb\'s edge'


def test_open311_requests_filed_by_post_are_read_back_by_the_client(city):
    started = now_utc() - timedelta(seconds=5)
    key = city.keys["reporter_app"]
    expected = {}

    def filed(fmt, form, **want):
        request_id, token = open311_filed(open311_post(city, fmt, [("api_key", key)] + form), fmt)
        expected[request_id] = {"id": request_id, "token": token, **want}
        return request_id

    # A point, both questions answered, a photo the app keeps itself.
    lon, lat = inside_point("P-001234")
    pothole = filed("json", [
        ("service_code", "pothole"), ("lat", lat), ("long", lon), ("attribute[size]", "medium"),
        ("attribute[dangerous_for_motorcycles]", "yes"), ("description", POTHOLE),
        ("media_url", "https://photos.example.org/pothole-1.jpg?size=large&v=2"),
    ], service_code="pothole", lat=lat, long=lon, parcel="P-001234", address=parcels()["P-001234"]["properties"]["address_fa"],
        description=POTHOLE, media_url="https://photos.example.org/pothole-1.jpg?size=large&v=2",
        attributes={"size": ["medium"], "dangerous_for_motorcycles": ["yes"]})
    # A parcel by its id (address_id), in XML.
    building = filed("xml", [
        ("service_code", "dangerous_building"), ("address_id", "P-000011"), ("attribute[hazard]", "facade"),
        ("attribute[occupied]", "unknown"), ("description", "نمای ساختمان در حال ریزش است"),
    ], service_code="dangerous_building", parcel="P-000011", address=parcels()["P-000011"]["properties"]["address_fa"],
        description="نمای ساختمان در حال ریزش است", attributes={"hazard": ["facade"], "occupied": ["unknown"]})
    # A parcel by its address (address_string), exactly as parcels.geojson writes it.
    address = parcels()["P-000500"]["properties"]["address_fa"]
    construction = filed("json", [
        ("service_code", "illegal_construction"), ("address_string", address),
        ("attribute[construction_stage]", "structure"), ("attribute[floors_added]", "2"),
    ], service_code="illegal_construction", parcel="P-000500", address=address, description="",
        attributes={"construction_stage": ["structure"], "floors_added": ["2"]})
    # A multivaluelist answered by repeating the field, in XML.
    lon, lat = inside_point("P-003210")
    noise = filed("xml", [
        ("service_code", "noise"), ("lat", lat), ("long", lon), ("attribute[noise_source]", "music"),
        ("attribute[time_of_day]", "evening"), ("attribute[time_of_day]", "night"), ("description", "Loud music"),
    ], service_code="noise", lat=lat, long=lon, parcel="P-003210", address=parcels()["P-003210"]["properties"]["address_fa"],
        description="Loud music",
        attributes={"noise_source": ["music"], "time_of_day": ["evening", "night"]})
    ids = list(expected)

    for fmt in ("json", "xml"):
        client = city.client(fmt)
        listed = {r["service_request_id"]: r for r in as_list(client.get_service_requests(service_request_id=",".join(ids)))}
        assert set(listed) == set(ids), fmt
        for request_id, want in expected.items():
            check_open311_request(listed[request_id], want, started)
            check_open311_request(client.get_service_request(request_id), want, started)

    # The token is the tracking code: the report's own page shows the attributes as answered.
    for request_id, want in expected.items():
        page = get(city, f"/reports/{want['token']}").json()
        assert str(page["id"]) == request_id and page["attributes"] == want["attributes"]
        for fmt in ("json", "xml"):
            response = requests.get(f"{city.open311}/tokens/{want['token']}.{fmt}", timeout=30)
            assert response.status_code == 200
            entry = response.json() if fmt == "json" else xmltodict.parse(response.content)["service_requests"]["request"]
            assert entry == ([{"service_request_id": request_id, "token": want["token"]}] if fmt == "json"
                             else {"service_request_id": request_id, "token": want["token"]})

    client = city.client("json")

    def listed_ids(**query):
        return {r["service_request_id"] for r in client.get_service_requests(**query)}

    by_service = client.get_service_requests(service_code="noise,dangerous_building")
    assert {r["service_code"] for r in by_service} <= {"noise", "dangerous_building"}
    assert {noise, building} <= {r["service_request_id"] for r in by_service}
    assert not {pothole, construction} & {r["service_request_id"] for r in by_service}
    assert set(ids) <= listed_ids(status="open") and not set(ids) & listed_ids(status="closed")

    # Closed by an operator: Open311's "closed".
    moved(city, int(pothole), "closed", "Filled")
    assert pothole in listed_ids(status="closed") and pothole not in listed_ids(status="open")
    assert set(ids) <= listed_ids(status="open,closed")
    check_open311_request(client.get_service_request(pothole), expected[pothole], started, status="closed")

    # Date windows, with the zone as Z or as Tehran's offset.
    tehran = timezone(timedelta(hours=3, minutes=30))
    assert set(ids) <= listed_ids(start_date=(started - timedelta(hours=1)).astimezone(tehran).isoformat(timespec="seconds"),
                                  end_date=rfc3339(now_utc() + timedelta(hours=1)))
    old = requests.get(f"{city.open311}/requests.json", timeout=30,
                       params={"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-03-01T00:00:00Z"})
    assert old.status_code == 200 and old.json() == []
    # service_request_id overrides every other filter.
    overridden = client.get_service_requests(service_request_id=pothole, service_code="fallen_tree", status="open",
                                             start_date="2020-01-01T00:00:00Z", end_date="2020-01-02T00:00:00Z")
    assert [r["service_request_id"] for r in overridden] == [pothole]


def test_open311_calls_as_the_spec_examples_write_them(city):
    """Each call shaped as the GeoReport v2 wiki's sample requests (jurisdiction_id, the POST body's
    fields, the 2010 date range), with Tehran's codes and places."""
    base = city.open311
    declaration = '<?xml version="1.0" encoding="utf-8"?>'

    response = requests.get(f"{base}/services.xml?jurisdiction_id=city.gov", timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/xml")
    assert response.text.lower().startswith(declaration)
    services = as_list(xmltodict.parse(response.content)["services"]["service"])
    assert sorted(s["service_code"] for s in services) == sorted(SERVICE)

    response = requests.get(f"{base}/services/pothole.xml?jurisdiction_id=city.gov", timeout=30)
    definition = xmltodict.parse(response.content)["service_definition"]
    assert definition["service_code"] == "pothole"
    assert [a["code"] for a in as_list(definition["attributes"]["attribute"])] == ["size", "dangerous_for_motorcycles"]

    lon, lat = inside_point("P-002000")
    body = (f"api_key={city.keys['reporter_app']}&jurisdiction_id=city.gov&service_code=pothole&lat={lat}&long={lon}"
            "&address_string=1234+5th+street&email=smit333%40sfgov.edu&device_id=tt222111&account_id=123456"
            "&first_name=john&last_name=smith&phone=111111111"
            "&description=A+large+sinkhole+is+forming+in+the+middle+of+the+road"
            "&media_url=http%3A%2F%2Fsomeserver.com%2Fbad.png&attribute[size]=large&attribute[dangerous_for_motorcycles]=yes")
    response = requests.post(f"{base}/requests.xml", data=body.encode(), timeout=30,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.text.lower().startswith(declaration)
    request_id, token = open311_filed(response, "xml")

    response = requests.get(f"{base}/tokens/{token}.xml?jurisdiction_id=city.gov", timeout=30)
    assert xmltodict.parse(response.content)["service_requests"]["request"] == {"service_request_id": request_id, "token": token}

    # The wiki's own date range: a valid query that finds nothing here.
    response = requests.get(f"{base}/requests.xml?start_date=2010-05-24T00:00:00Z&end_date=2010-06-24T00:00:00Z"
                            "&status=open&jurisdiction_id=city.gov", timeout=30)
    assert response.status_code == 200 and xmltodict.parse(response.content)["service_requests"] is None
    start, end = rfc3339(now_utc() - timedelta(hours=1)), rfc3339(now_utc() + timedelta(hours=1))
    response = requests.get(f"{base}/requests.xml?start_date={start}&end_date={end}&status=open&jurisdiction_id=city.gov", timeout=30)
    assert request_id in {r["service_request_id"] for r in as_list(xmltodict.parse(response.content)["service_requests"]["request"])}

    for fmt in ("xml", "json"):
        response = requests.get(f"{base}/requests/{request_id}.{fmt}?jurisdiction_id=city.gov", timeout=30)
        assert response.status_code == 200
        got = xmltodict.parse(response.content)["service_requests"]["request"] if fmt == "xml" else response.json()[0]
        assert got["description"] == "A large sinkhole is forming in the middle of the road"
        assert got["media_url"] == "http://someserver.com/bad.png"
        assert got["status"] == "open" and got["service_code"] == "pothole"
        assert abs(float(got["lat"]) - lat) <= 1e-6 and abs(float(got["long"]) - lon) <= 1e-6
        assert blank(got["address_id"]) == "P-002000"
        assert "smit333" not in response.text and "john" not in response.text and "111111111" not in response.text


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_errors_come_in_the_spec_shape(city, fmt):
    requests_url = f"{city.open311}/requests.{fmt}"

    def listing(start, end):
        return requests.get(requests_url, params={"start_date": start, "end_date": end, "lang": "en"}, timeout=30)

    # At most 90 days between start_date and end_date (2020 is a leap year: 1 Jan → 31 Mar is 90 days).
    assert "90" in open311_error(listing("2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z"), fmt, 400)
    open311_error(listing("2020-01-01T00:00:00Z", "2020-03-31T00:00:01Z"), fmt, 400)
    assert listing("2020-01-01T00:00:00Z", "2020-03-31T00:00:00Z").status_code == 200
    open311_error(listing("2020-03-01T00:00:00Z", "2020-01-01T00:00:00Z"), fmt, 400)

    lon, lat = inside_point("P-004321")
    form = [("service_code", "damaged_sidewalk"), ("lat", lat), ("long", lon)]
    # No api_key, a made-up one, a revoked one: 403.
    open311_error(open311_post(city, fmt, form), fmt, 403)
    open311_error(open311_post(city, fmt, [("api_key", "zk_0123456789abcdef_" + "0" * 64)] + form), fmt, 403)
    revoked = create_key(city.db, "reporter_app", f"e2e-revoked-{fmt}")
    assert keys("revoke", *database_args(city.db), "--name", f"e2e-revoked-{fmt}").returncode == 0
    open311_error(open311_post(city, fmt, [("api_key", revoked)] + form), fmt, 403)
    # A key of a higher role may file.
    open311_filed(open311_post(city, fmt, [("api_key", city.keys["operator"])] + form), fmt)

    key = [("api_key", city.keys["reporter_app"])]
    assert "service_code" in open311_error(
        open311_post(city, fmt, key + [("service_code", "no_such_service"), ("lat", lat), ("long", lon)]), fmt, 400)
    assert "attribute[dangerous_for_motorcycles]" in open311_error(open311_post(
        city, fmt, key + [("service_code", "pothole"), ("lat", lat), ("long", lon), ("attribute[size]", "small")]), fmt, 400)
    assert "attribute[size]" in open311_error(open311_post(city, fmt, key + [
        ("service_code", "pothole"), ("lat", lat), ("long", lon), ("attribute[size]", "huge"),
        ("attribute[dangerous_for_motorcycles]", "no")]), fmt, 400)
    open311_error(open311_post(city, fmt, key + [("service_code", "damaged_sidewalk")]), fmt, 400)
    open311_error(open311_post(city, fmt, key + [("service_code", "damaged_sidewalk"), ("lat", 48.8566), ("long", 2.3522)]), fmt, 422)
    open311_error(open311_post(city, fmt, key + [("service_code", "damaged_sidewalk"), ("address_id", "P-999999")]), fmt, 422)
    open311_error(open311_post(city, fmt, key + [("service_code", "damaged_sidewalk"), ("address_string", "nowhere 1")]), fmt, 422)
    open311_error(requests.get(f"{city.open311}/requests/99999999.{fmt}", timeout=30), fmt, 404)
    open311_error(requests.get(f"{city.open311}/tokens/ZM-0000-0000-0000.{fmt}", timeout=30), fmt, 404)


# MARK: - 2. POST /reports: JSON and multipart


def test_json_filings_are_checked_against_the_catalogue_and_the_city(city):
    lon, lat = inside_point("P-002500")
    answer = post_json(city, "/reports?lang=en", {
        "service_code": "pothole", "lon": lon, "lat": lat, "description": "Deep hole",
        "attributes": {"size": "large", "dangerous_for_motorcycles": "yes"}})
    assert answer.status_code == 201, answer.text
    report = answer.json()
    assert answer.headers["Location"] == f"{city.base}/reports/{report['tracking_code']}"
    assert report["service_name"] == SERVICE["pothole"]["name"]["en"]
    assert (report["status"], report["confirmations"], report["closed_at"], report["duplicate_of"]) == ("open", 0, None, None)
    assert abs(report["lon"] - lon) <= 1e-7 and abs(report["lat"] - lat) <= 1e-7
    assert report["parcel_id"] == "P-002500" and report["zone_code"] == parcels()["P-002500"]["properties"]["zone_code"]
    assert report["attributes"] == {"size": ["large"], "dangerous_for_motorcycles": ["yes"]}
    assert [(h["status"], h["note"]) for h in report["history"]] == [("open", None)]
    assert report["nearby"] == [] and report["photos"] == []
    assert parse_time(report["submitted_at"]) <= now_utc() + timedelta(minutes=1)

    # A number answered as a JSON number, a multivaluelist as an array.
    assert file_report(city, "street_light_out", lon, lat, attributes={"lamps_out": 3})["attributes"] == {"lamps_out": ["3"]}
    noise = file_report(city, "noise", lon, lat, attributes={"noise_source": "vehicles", "time_of_day": ["morning", "night"]})
    assert noise["attributes"] == {"noise_source": ["vehicles"], "time_of_day": ["morning", "night"]}
    # 4000 characters of description (Persian: 8000 bytes) is the most.
    assert file_report(city, "damaged_sidewalk", lon, lat, description="چ" * 4000)["description"] == "چ" * 4000

    def refused(body, status, parameter=None):
        response = post_json(city, "/reports", {"lon": lon, "lat": lat, **body})
        assert response.status_code == status, (body, response.text)
        if parameter:
            assert response.json()["parameter"] == parameter, response.text

    refused({"service_code": "no_such_service"}, 400, "service_code")
    refused({"service_code": "pothole", "attributes": {"size": "small"}}, 400, "attribute[dangerous_for_motorcycles]")
    refused({"service_code": "pothole", "attributes": {"size": "huge", "dangerous_for_motorcycles": "no"}}, 400, "attribute[size]")
    refused({"service_code": "damaged_sidewalk", "attributes": {"colour": "red"}}, 400, "attribute[colour]")
    refused({"service_code": "street_light_out", "attributes": {"lamps_out": "three"}}, 400, "attribute[lamps_out]")
    refused({"service_code": "noise", "attributes": {"noise_source": "music", "time_of_day": ["night", "night"]}}, 400,
            "attribute[time_of_day]")
    refused({"service_code": "damaged_sidewalk", "description": "چ" * 4001}, 400, "description")
    response = post_json(city, "/reports", {"service_code": "damaged_sidewalk", "lon": 2.3522, "lat": 48.8566})
    assert response.status_code == 422, response.text


def test_multipart_filings_and_their_edge_cases(city):
    lon, lat = inside_point("P-005100")
    jpeg, png = small_jpeg(), small_png()
    operator = city.keys["operator"]

    # Attribute fields (a multivaluelist answered twice, once as attribute[code][]), a Persian
    # description, and two photos whose declared types are wrong: typed from their bytes.
    answer = file_form(city, form_fields("noise", lon, lat, description="ژنراتور شبانه") + [
        form_part("attribute[noise_source]", "generator"), form_part("attribute[time_of_day]", "evening"),
        form_part("attribute[time_of_day][]", "night"),
        photo_part(jpeg, "a.png", "image/png"), photo_part(png, "b.jpg", "application/octet-stream")])
    report = answer.json
    assert answer.headers["location"] == f"{city.base}/reports/{report['tracking_code']}"
    assert report["description"] == "ژنراتور شبانه"
    assert report["attributes"] == {"noise_source": ["generator"], "time_of_day": ["evening", "night"]}
    assert [url.rsplit(".", 1)[1] for url in report["photos"]] == ["jpg", "png"]
    assert all(url.startswith(city.base + "/photos/") for url in report["photos"])
    assert pixels(fetch_photo(report["photos"][0])) == pixels(jpeg)
    assert pixels(fetch_photo(report["photos"][1]), "RGBA") == pixels(png, "RGBA")

    def count():
        return get(city, "/reports?limit=10000", key=operator).json()["count"]

    before = count()
    good = form_fields("damaged_sidewalk", lon, lat)
    nameless = b"Content-Disposition: form-data\r\n\r\nvalue"
    headless = b"Content-Type: text/plain\r\n\r\nvalue"
    gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    html = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
    cases = [
        ("no boundary", multipart(good), "multipart/form-data", 400, None),
        ("another boundary than the body's", multipart(good, boundary="other-boundary"), MULTIPART, 400, None),
        ("a part without a name", multipart([nameless] + good), MULTIPART, 400, None),
        ("a part without Content-Disposition", multipart([headless] + good), MULTIPART, 400, None),
        ("no closing delimiter", multipart(good, close=False), MULTIPART, 400, None),
        ("cut inside a photo", multipart(good + [photo_part(jpeg)])[:-100], MULTIPART, 400, None),
        ("a GIF named photo.jpg", multipart(good + [photo_part(gif)]), MULTIPART, 415, "photo"),
        ("HTML named photo.jpg", multipart(good + [photo_part(html)]), MULTIPART, 415, "photo"),
        ("a JPEG cut short", multipart(good + [photo_part(jpeg[:40])]), MULTIPART, 400, "photo"),
        ("four photos", multipart(good + [photo_part(small_jpeg((k * 40, 0, 0))) for k in range(4)]), MULTIPART, 400, "photo"),
        ("an unknown service", multipart(form_fields("no_such_service", lon, lat)), MULTIPART, 400, "service_code"),
        ("a required attribute missing",
         multipart(form_fields("noise", lon, lat) + [form_part("attribute[noise_source]", "music")]), MULTIPART, 400,
         "attribute[time_of_day]"),
        ("outside the city", multipart(form_fields("damaged_sidewalk", 2.3522, 48.8566)), MULTIPART, 422, None),
        # Larger than 5 MB however a megabyte is counted.
        ("a 6 MB photo", multipart(good + [photo_part(jpeg + b"\0" * (6 * MiB))]), MULTIPART, 413, None),
        ("a photo of 5 MiB and a byte", multipart(good + [photo_part(padded_jpeg(5 * MiB + 1))]), MULTIPART, 413, None),
    ]
    for what, body, content_type, status, parameter in cases:
        answer = raw_post(city, "/reports", body, content_type)
        assert answer.status == status, (what, answer.status, answer.raw[:300])
        assert answer.json and answer.json["code"], what
        if parameter:
            assert answer.json.get("parameter") == parameter, (what, answer.json)
    assert count() == before, "a refused filing left a report behind"

    # Three photos of 5,000,000 bytes each (5 MB however counted) are taken; the padding goes.
    answer = file_form(city, good + [photo_part(padded_jpeg(5_000_000, shade)) for shade in (10, 120, 240)])
    assert len(set(answer.json["photos"])) == 3
    for url, shade in zip(answer.json["photos"], (10, 120, 240)):
        stored = fetch_photo(url)
        assert len(stored) < 5000 and pixels(stored) == pixels(small_jpeg((shade, 90, 160)))

    # Refused while the body still streams: 15 MB declared, only the first 6 MB sent — the
    # answer comes without the rest (a server waiting for it would time out this socket).
    overhead = len(multipart(good + [photo_part(jpeg)]))
    body = multipart(good + [photo_part(jpeg + b"\0" * (15 * MiB - overhead))])
    assert len(body) == 15 * MiB
    answer = raw_post(city, "/reports", body, MULTIPART, send=6 * MiB, timeout=10)
    assert answer.status == 413 and answer.json["code"] == "ContentTooLarge"
    assert answer.sent <= 6 * MiB < len(body)
    # A body declared larger than 16 MB: refused before a byte of it is sent.
    answer = raw_post(city, "/reports", b"", MULTIPART, declared=17 * MiB, timeout=10)
    assert answer.status == 413 and answer.sent == 0
    # Chunked (no length declared), growing past 16 MB with photos of 4.5 MB each: 413.
    body = multipart(good + [photo_part(padded_jpeg(4_500_000, shade)) for shade in range(4)])
    assert len(body) > 16 * MiB
    answer = raw_post(city, "/reports", body, MULTIPART, chunked=True, timeout=20)
    assert answer.status == 413, answer.raw[:300]
    assert count() == before + 1


# MARK: - 3. photo privacy


def test_jpeg_photos_are_stored_without_exif_gps_xmp_iptc_or_comments(city):
    original = jpeg_with_metadata()
    # The upload does carry what must go.
    source = Image.open(io.BytesIO(original))
    assert source.getexif()[0x010F] == "SecretCam Industries" and source.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert all(secret in original for secret in (b"BODY-SN-77661234", b"XMP-creator-secret", b"COMMENT-secret", b"IPTC-byline-secret"))

    lon, lat = inside_point("P-001800")
    report = file_form(city, form_fields("damaged_sidewalk", lon, lat) + [photo_part(original)]).json
    [url] = report["photos"]
    assert url.endswith(".jpg")
    assert get(city, f"/reports/{report['tracking_code']}").json()["photos"] == [url]
    stored = fetch_photo(url)

    picture = Image.open(io.BytesIO(stored))
    assert picture.format == "JPEG"
    assert len(picture.getexif()) == 0 and not picture.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not {"exif", "comment", "xmp", "photoshop"} & set(picture.info), picture.info.keys()
    for secret in PHOTO_SECRETS:
        assert secret not in stored, secret
    assert not set(jpeg_header_markers(stored)) & ({*range(0xE1, 0xEE), 0xEF, 0xFE})
    assert pixels(stored) == pixels(original)
    assert requests.get(f"{city.base}/photos/{'0' * 64}.jpg", timeout=30).status_code == 404
    assert requests.get(f"{city.base}/photos/not-a-hash.jpg", timeout=30).status_code == 404
    # The same picture sent again is the same stored photo.
    again = file_form(city, form_fields("damaged_sidewalk", lon, lat) + [photo_part(original)]).json
    assert again["photos"] == [url]


def test_png_photos_are_stored_without_text_exif_or_time_chunks(city):
    original = png_with_metadata()
    assert {"tEXt", "zTXt", "iTXt", "eXIf", "tIME"} <= set(png_chunks(original))
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    lon, lat = inside_point("P-001801")
    [url] = file_form(city, form_fields("damaged_sidewalk", lon, lat) + [photo_part(original, "p.jpg", "image/jpeg")]).json["photos"]
    assert url.endswith(".png")
    stored = fetch_photo(url)
    chunks = png_chunks(stored)
    assert chunks[0] == "IHDR" and chunks[-1] == "IEND"
    assert set(chunks) <= {"IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA", "cHRM", "sRGB", "sBIT", "bKGD", "pHYs"}, chunks
    for secret in PHOTO_SECRETS:
        assert secret not in stored, secret
    picture = Image.open(io.BytesIO(stored))
    assert len(picture.getexif()) == 0 and not {"exif", "Author", "Comment", "XML:com.adobe.xmp"} & set(picture.info)
    assert pixels(stored, "RGBA") == pixels(original, "RGBA")


def test_bytes_after_the_jpeg_end_of_image_are_not_published(city):
    trailer = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom\x00\x00\x00\x20\xa9xyz+35.7035+051.4185/TRAILER-GPS-SECRET"
    original = small_jpeg((30, 60, 90), (48, 32)) + trailer
    lon, lat = inside_point("P-001802")
    [url] = file_form(city, form_fields("damaged_sidewalk", lon, lat) + [photo_part(original)]).json["photos"]
    stored = fetch_photo(url)
    assert b"TRAILER-GPS-SECRET" not in stored and b"\xa9xyz" not in stored


def test_a_comment_between_progressive_scans_is_removed(city):
    buffer = io.BytesIO()
    Image.radial_gradient("L").resize((64, 64)).convert("RGB").save(buffer, "JPEG", progressive=True, quality=90)
    data = buffer.getvalue()
    second_scan = data.index(b"\xff\xda", data.index(b"\xff\xda") + 2)
    original = data[:second_scan] + segment(0xFE, b"COMMENT-secret between scans") + data[second_scan:]
    assert Image.open(io.BytesIO(original)).size == (64, 64)
    lon, lat = inside_point("P-001803")
    [url] = file_form(city, form_fields("damaged_sidewalk", lon, lat) + [photo_part(original)]).json["photos"]
    stored = fetch_photo(url)
    assert pixels(stored) == pixels(original)
    assert b"COMMENT-secret" not in stored


# MARK: - 4. already reported nearby


def test_nearby_lists_the_open_reports_of_the_same_service_within_50_m(city):
    seed = 2020
    rng = random.Random(seed)
    centre = (51.4238, 35.6975)
    services = ("illegal_dumping", "construction_debris")   # filed nowhere else in this module
    filed = []
    stats = {"with_neighbours": 0, "closed_within_50_m": 0, "steps": set()}

    def is_open(report):
        return report["status"] in ("open", "in_progress")

    def file_and_check(service, lon, lat, note):
        oracle = {}
        for other in filed:
            if other["service"] == service:
                metres = GEOD.inv(lon, lat, other["lon"], other["lat"])[2]
                if metres <= 50:
                    if is_open(other):
                        oracle[other["id"]] = metres
                    else:
                        stats["closed_within_50_m"] += 1
        answer = file_report(city, service, lon, lat, description=f"{note} (seed {seed})")
        got = {entry["id"]: entry["distance_m"] for entry in answer["nearby"]}
        must = {i for i, metres in oracle.items() if metres < 50 - 1e-3}
        assert must <= set(got) <= set(oracle), (note, seed, sorted(got), sorted(oracle))
        for report_id, metres in got.items():
            assert abs(metres - oracle[report_id]) <= 0.05 + 1e-9, (note, report_id, metres, oracle[report_id])
        assert [entry["distance_m"] for entry in answer["nearby"]] == sorted(got.values())
        for entry in answer["nearby"]:
            assert entry["service_code"] == service and entry["status"] in ("open", "in_progress")
            assert "tracking_code" not in entry and "reporter" not in entry
        stats["with_neighbours"] += bool(oracle)
        report = {"id": answer["id"], "tracking_code": answer["tracking_code"], "service": service, "lon": lon, "lat": lat,
                  "status": "open"}
        filed.append(report)
        return answer, report

    for index in range(26):
        if index >= 4 and index % 2 == 0:
            # Between filings an operator (or a reporter) changes an earlier report.
            action = rng.choice(["closed", "closed", "in_progress", "duplicate", "reopen"])
            opened = [r for r in filed if is_open(r)]
            if action == "reopen" and any(r["status"] == "closed" for r in filed):
                target = rng.choice([r for r in filed if r["status"] == "closed"])
                response = reopen(city, target["tracking_code"], "Not fixed")
                assert response.status_code == 200, response.text
                target["status"] = "open"
                stats["steps"].add(action)
            elif action == "duplicate" and len(opened) >= 2:
                target, original = rng.sample(opened, 2)
                moved(city, target["id"], "duplicate", duplicate_of=original["id"])
                target["status"] = "duplicate"
                stats["steps"].add(action)
            elif action == "closed" and opened:
                target = rng.choice(opened)
                moved(city, target["id"], "closed", note=f"closed before filing {index}")
                target["status"] = "closed"
                stats["steps"].add(action)
            elif action == "in_progress" and any(r["status"] == "open" for r in opened):
                target = rng.choice([r for r in opened if r["status"] == "open"])
                moved(city, target["id"], "in_progress", note=f"in progress before filing {index}")
                target["status"] = "in_progress"
                stats["steps"].add(action)
        azimuth, distance = rng.uniform(-180, 180), 150 * math.sqrt(rng.random())
        lon, lat, _ = GEOD.fwd(centre[0], centre[1], azimuth, distance)
        file_and_check(rng.choice(services), round(lon, 7), round(lat, 7), f"filing {index}")
    print(f"seed {seed}: {stats}")
    assert stats["with_neighbours"] >= 5 and stats["closed_within_50_m"] >= 1, stats
    assert stats["steps"] == {"closed", "in_progress", "duplicate", "reopen"}, stats

    # Confirmations: "me too" on an open report, twice; not on a closed one.
    target = next(r for r in filed if r["status"] == "open")
    history = get(city, f"/reports/{target['tracking_code']}").json()["history"]
    for expected in (1, 2):
        response = requests.post(f"{city.base}/reports/{target['id']}/confirm", timeout=30)
        assert response.status_code == 200, response.text
        assert response.json()["confirmations"] == expected and "tracking_code" not in response.json()
    page = get(city, f"/reports/{target['tracking_code']}").json()
    assert page["confirmations"] == 2 and page["history"] == history
    closed = next(r for r in filed if not is_open(r))
    assert requests.post(f"{city.base}/reports/{closed['id']}/confirm", timeout=30).status_code == 409
    assert requests.post(f"{city.base}/reports/99999999/confirm", timeout=30).status_code == 404
    # A new report on the very spot lists it, 0 m away, with its confirmations.
    answer, _ = file_and_check(target["service"], target["lon"], target["lat"], "on the confirmed report's spot")
    entry = next(e for e in answer["nearby"] if e["id"] == target["id"])
    assert entry["distance_m"] == 0 and entry["confirmations"] == 2


# MARK: - 5. the operators' workflow


def test_operator_workflow_public_history_and_open311_status(city):
    operator, reporter_app = city.keys["operator"], city.keys["reporter_app"]
    lon, lat = inside_point("P-003900")
    a = file_report(city, "traffic_sign_damaged", lon, lat, description="Stop sign bent")
    b = file_report(city, "traffic_sign_damaged", lon, lat, description="The same sign")
    c = file_report(city, "traffic_sign_damaged", lon, lat, description="Again the sign")

    # Keys first: none → 401, a bad one → 401, a reporter app's → 403, an operator's on planners' → 403.
    calls = [("GET", "/reports", None), ("POST", f"/reports/{a['id']}/status", {"status": "in_progress"}),
             ("POST", f"/reports/{a['id']}/assignment", {"assignee": "crew-7"}), ("GET", "/stats/reports", None)]
    for method, path, body in calls:
        for key, status in ((None, 401), ("zk_0123456789abcdef_" + "0" * 64, 401), (reporter_app, 403)):
            response = requests.request(method, city.base + path, json=body, headers=bearer(key), timeout=30)
            assert response.status_code == status, (method, path, key and key[:6], response.text)
    assert get(city, "/stats/reports", key=operator).status_code == 403
    assert get(city, f"/lookup?lon={lon}&lat={lat}", key=operator).status_code == 403
    for role in ("operator", "planner", "admin"):
        assert get(city, "/reports?limit=1", key=city.keys[role]).status_code == 200, role
    assert get(city, f"/reports/{a['tracking_code']}").json()["status"] == "open"

    # Assignment: the queue filters on it; no history entry.
    response = post_json(city, f"/reports/{a['id']}/assignment", {"assignee": "crew-7"}, operator)
    assert response.status_code == 200 and response.json()["assigned_to"] == "crew-7"
    assert [r["id"] for r in get(city, "/reports?assigned_to=crew-7", key=operator).json()["reports"]] == [a["id"]]

    def open311_status(report_id, status, note):
        for fmt in ("json", "xml"):
            got = open311_one(city, report_id, fmt)
            assert (got["status"], blank(got["status_notes"])) == (status, note), (fmt, got)

    moved(city, a["id"], "in_progress", "Crew sent")
    open311_status(a["id"], "open", "Crew sent")
    closed = moved(city, a["id"], "closed", "Sign replaced")
    assert closed["closed_at"] and parse_time(closed["closed_at"]) >= parse_time(closed["submitted_at"])
    open311_status(a["id"], "closed", "Sign replaced")
    for status in ("in_progress", "open", "closed"):
        assert step(city, a["id"], status).status_code == 409, status
    assert post_json(city, f"/reports/{a['id']}/assignment", {"assignee": "crew-8"}, operator).status_code == 409

    response = reopen(city, a["tracking_code"], "Still bent")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "open" and response.json()["closed_at"] is None
    open311_status(a["id"], "open", "Still bent")
    assert reopen(city, a["tracking_code"], "again").status_code == 409
    assert step(city, a["id"], "open").status_code == 409

    assert step(city, a["id"], "duplicate").status_code == 400
    assert step(city, a["id"], "bogus").status_code == 400
    assert step(city, a["id"], "duplicate", duplicate_of=a["id"]).status_code == 409
    assert step(city, a["id"], "duplicate", duplicate_of=99999999).status_code == 404
    duplicate = moved(city, a["id"], "duplicate", "Reported twice", duplicate_of=b["id"])
    assert duplicate["duplicate_of"] == b["id"] and duplicate["closed_at"]
    open311_status(a["id"], "closed", "Reported twice")
    for status in ("closed", "in_progress", "open"):
        assert step(city, a["id"], status).status_code == 409, status
    assert reopen(city, a["tracking_code"]).status_code == 409
    assert requests.post(f"{city.base}/reports/{a['id']}/confirm", timeout=30).status_code == 409
    # A duplicate of a duplicate points at the report people follow.
    assert moved(city, c["id"], "duplicate", duplicate_of=a["id"])["duplicate_of"] == b["id"]

    # In progress back to open is an operator's step too.
    moved(city, b["id"], "in_progress", "Looking")
    moved(city, b["id"], "open", "Needs a part")
    open311_status(b["id"], "open", "Needs a part")
    # status_notes explains the current status (GeoReport v2): a step without a note leaves none,
    # not the note of an earlier status.
    moved(city, b["id"], "in_progress")
    open311_status(b["id"], "open", None)

    page = get(city, f"/reports/{a['tracking_code']}").json()
    assert [(h["status"], h["note"]) for h in page["history"]] == [
        ("open", None), ("in_progress", "Crew sent"), ("closed", "Sign replaced"), ("open", "Still bent"),
        ("duplicate", "Reported twice")]
    times = [parse_time(h["at"]) for h in page["history"]]
    assert times == sorted(times) and times[0] == parse_time(page["submitted_at"])
    assert page["status"] == "duplicate" and page["duplicate_of"] == b["id"] and page["tracking_code"] == a["tracking_code"]
    assert not {"reporter", "assigned_to", "source"} & set(page)
    assert [(h["status"], h["note"]) for h in get(city, f"/reports/{b['tracking_code']}").json()["history"]] == [
        ("open", None), ("in_progress", "Looking"), ("open", "Needs a part"), ("in_progress", None)]

    # The reporter may reopen within 30 days of the closing, not after.
    d = file_report(city, "traffic_sign_damaged", lon, lat)
    moved(city, d["id"], "closed", "Done")
    city.sql(f"UPDATE problem_report SET closed_at = '{rfc3339(now_utc() - timedelta(days=31))}' WHERE report_id = {d['id']}")
    assert reopen(city, d["tracking_code"], "Still broken").status_code == 409
    city.sql(f"UPDATE problem_report SET closed_at = '{rfc3339(now_utc() - timedelta(days=29))}' WHERE report_id = {d['id']}")
    assert reopen(city, d["tracking_code"], "Still broken").status_code == 200

    # Operators at once: exactly one closes it. Citizens at once: every "me too" counts.
    e = file_report(city, "traffic_sign_damaged", lon, lat)
    with ThreadPoolExecutor(max_workers=12) as pool:
        confirms = list(pool.map(lambda _: requests.post(f"{city.base}/reports/{e['id']}/confirm", timeout=30).status_code, range(24)))
    assert confirms == [200] * 24
    with ThreadPoolExecutor(max_workers=8) as pool:
        closes = list(pool.map(lambda n: step(city, e["id"], "closed", f"closed by operator {n}").status_code, range(8)))
    assert sorted(closes) == [200] + [409] * 7
    page = get(city, f"/reports/{e['tracking_code']}").json()
    assert page["confirmations"] == 24 and [h["status"] for h in page["history"]] == ["open", "closed"]

    assert step(city, 99999999, "closed").status_code == 404
    assert reopen(city, "ZM-0000-0000-0000").status_code == 404
    assert get(city, "/reports/ZM-0000-0000-0000").status_code == 404


# MARK: - 6. reporters' privacy

NAME, EMAIL, PHONE = "Reza Zz-unique-name", "unique.reporter@example.org", "09121112233"
CONTACT_MARKS = ("Zz-unique-name", "unique.reporter", "09121112233")


def test_reporters_contact_data_reaches_operators_only(city):
    app, operator, planner = city.keys["reporter_app"], city.keys["operator"], city.keys["planner"]
    lon, lat = inside_point("P-004700")
    lon2, lat2 = inside_point("P-004701")
    answers = []

    def keep(what, response):
        answers.append((what, response.text))
        return response

    contact = {"name": NAME, "email": EMAIL, "phone": PHONE}
    web = keep("201 JSON", post_json(city, "/reports", {
        "service_code": "open_manhole", "lon": lon, "lat": lat, "description": "Cover missing", **contact})).json()
    form = raw_post(city, "/reports", multipart(form_fields("sidewalk_obstruction", lon2, lat2, **contact) + [photo_part(small_jpeg())]),
                    MULTIPART)
    assert form.status == 201
    answers.append(("201 multipart", form.raw.decode()))
    form = form.json
    open311 = {}
    for fmt in ("json", "xml"):
        response = keep(f"Open311 POST {fmt}", open311_post(city, fmt, [
            ("api_key", app), ("service_code", "open_manhole"), ("lat", lat), ("long", lon), ("first_name", "Reza"),
            ("last_name", "Zz-unique-name"), ("email", EMAIL), ("phone", PHONE), ("description", f"Open311 {fmt}")]))
        open311[fmt] = open311_filed(response, fmt)
    # A report beside them without contact data: its nearby list shows theirs.
    beside = keep("201 nearby", post_json(city, "/reports", {"service_code": "open_manhole", "lon": lon, "lat": lat})).json()
    assert {web["id"], *(int(i) for i, _ in open311.values())} <= {entry["id"] for entry in beside["nearby"]}
    assert keep("confirm", requests.post(f"{city.base}/reports/{web['id']}/confirm", timeout=30)).status_code == 200

    # Refusals of contact data: the answer names the field, never echoes the value.
    for body, parameter in (({"email": "unique.reporter@@example.org"}, "email"), ({"phone": "09121112233 Zz-unique-name"}, "phone"),
                            ({"name": NAME * 20}, "name"), ({"email": EMAIL, "nickname": "Zz-unique-name"}, "nickname")):
        response = keep(f"400 {parameter}", post_json(city, "/reports", {"service_code": "open_manhole", "lon": lon, "lat": lat, **body}))
        assert response.status_code == 400 and response.json()["parameter"] == parameter, response.text
    response = raw_post(city, "/reports", multipart(form_fields("open_manhole", lon, lat, email="unique.reporter@example")), MULTIPART)
    assert response.status == 400
    answers.append(("400 multipart", response.raw.decode()))
    for fmt in ("json", "xml"):
        open311_error(keep(f"Open311 400 {fmt}", open311_post(city, fmt, [
            ("api_key", app), ("service_code", "open_manhole"), ("lat", lat), ("long", lon), ("email", "unique.reporter@nowhere"),
            ("last_name", "Zz-unique-name")])), fmt, 400)

    # Everything anyone may read about these reports.
    tracking = [web["tracking_code"], form["tracking_code"], beside["tracking_code"]] + [t for _, t in open311.values()]
    ids = [str(web["id"]), str(form["id"]), str(beside["id"])] + [i for i, _ in open311.values()]
    for code in tracking:
        for lang in ("fa", "en"):
            assert keep(f"page {code}", get(city, f"/reports/{code}?lang={lang}")).status_code == 200
        for fmt in ("json", "xml"):
            assert keep(f"token {code}", requests.get(f"{city.open311}/tokens/{code}.{fmt}", timeout=30)).status_code == 200
    for fmt in ("json", "xml"):
        assert keep(f"Open311 list {fmt}", requests.get(f"{city.open311}/requests.{fmt}", timeout=30)).status_code == 200
        response = keep(f"Open311 ids {fmt}", requests.get(f"{city.open311}/requests.{fmt}?service_request_id={','.join(ids)}", timeout=30))
        assert response.status_code == 200 and all(request_id in response.text for request_id in ids)
        for request_id in ids:
            assert keep(f"Open311 one {fmt}", requests.get(f"{city.open311}/requests/{request_id}.{fmt}", timeout=30)).status_code == 200
    assert keep("stats", get(city, "/stats/reports", key=planner)).status_code == 200
    for point in ((lon, lat), (lon2, lat2)):
        lookup = keep("lookup planner", get(city, f"/lookup?lon={point[0]}&lat={point[1]}", key=planner)).json()
        assert "open_reports" in lookup
        if point == (lon, lat):
            assert {web["id"], beside["id"], *(int(i) for i, _ in open311.values())} <= {r["id"] for r in lookup["open_reports"]}
        assert "open_reports" not in keep("lookup", get(city, f"/lookup?lon={point[0]}&lat={point[1]}")).json()
    # The audit keeps what happened to a report, never who reported it (admins read it).
    audit = keep("audit", get(city, "/audit?limit=1000", key=city.keys["admin"]))
    assert audit.status_code == 200 and f"report:{web['id']}" in audit.text

    for what, text in answers:
        for mark in CONTACT_MARKS:
            assert mark not in text, f"{mark} in {what}"
    # A tracking code lets its holder reopen the report: only its own page and token show it.
    for what, text in answers:
        if what.startswith(("Open311 list", "Open311 ids", "Open311 one", "stats", "lookup", "confirm", "201 nearby")):
            for code in tracking:
                assert code not in text or (what == "201 nearby" and code == beside["tracking_code"]), f"{code} in {what}"
    log = city.server.log.read_text(errors="replace")
    assert "report filed" in log
    for mark in CONTACT_MARKS:
        assert mark not in log, f"{mark} in the server's log"

    # The operators' queue has them.
    queue = {r["id"]: r for r in get(city, "/reports?limit=10000", key=operator).json()["reports"]}
    for report_id in (web["id"], form["id"], *(int(i) for i, _ in open311.values())):
        assert queue[report_id]["reporter"] == contact, report_id
    assert queue[beside["id"]]["reporter"] == {"name": None, "email": None, "phone": None}
    assert queue[web["id"]]["source"] == "web"
    assert queue[int(open311["json"][0])]["source"] == "open311:e2e-reporter_app"


# MARK: - 7. statistics


def test_report_statistics_match_a_tally_of_our_own(city):
    planner, operator = city.keys["planner"], city.keys["operator"]
    centre = (51.4132, 35.7112)
    # Service, answers, what happens to it, and how many hours before now it was filed.
    plan = [
        ("water_leak", {"severity": "flowing"}, "closed", 520.0),
        ("water_leak", {"severity": "seepage"}, "closed", 533.5),
        ("water_leak", {"severity": "gushing"}, "closed", 547.25),
        ("water_leak", {"severity": "flooding"}, "in_progress", 560.75),
        ("water_leak", {"severity": "flowing"}, "open", 575.0),
        ("fallen_tree", {"tree_condition": "fallen"}, "closed", 590.5),
        ("fallen_tree", {"tree_condition": "leaning"}, "closed", 604.0),
        ("fallen_tree", {"tree_condition": "dead"}, "duplicate", 618.25),
        ("fallen_tree", {"tree_condition": "broken_branch"}, "open", 631.0),
        ("park_damage", {}, "reopened", 645.5),
        ("park_damage", {}, "in_progress", 660.0),
        ("park_damage", {}, "open", 672.75),
    ]
    mine = []
    for index, (service, answers, fate, age) in enumerate(plan):
        lon, lat, _ = GEOD.fwd(centre[0], centre[1], index * 30, 60)
        lon, lat = round(lon, 7), round(lat, 7)
        report = file_report(city, service, lon, lat, attributes=answers)
        mine.append({"id": report["id"], "tracking_code": report["tracking_code"], "service": service, "fate": fate,
                     "age": age, "lon": lon, "lat": lat})
    # Filed weeks ago: their submission times put back in the store, then the operators' steps now.
    back = now_utc()
    city.sql("UPDATE problem_report SET submitted_at = CASE report_id "
             + " ".join(f"WHEN {r['id']} THEN '{rfc3339(back - timedelta(hours=r['age']))}'" for r in mine)
             + f" END WHERE report_id IN ({', '.join(str(r['id']) for r in mine)})")
    open_fallen_tree = next(r["id"] for r in mine if r["service"] == "fallen_tree" and r["fate"] == "open")
    for report in mine:
        if report["fate"] in ("closed", "in_progress"):
            moved(city, report["id"], report["fate"])
        elif report["fate"] == "duplicate":
            moved(city, report["id"], "duplicate", duplicate_of=open_fallen_tree)
        elif report["fate"] == "reopened":
            moved(city, report["id"], "closed", "Fixed")
            assert reopen(city, report["tracking_code"], "Not fixed").status_code == 200
    status_of = {"closed": "closed", "in_progress": "in_progress", "duplicate": "duplicate", "open": "open", "reopened": "open"}

    def tally(reports):
        counts = {}
        for report in reports:
            counts.setdefault(report["service"], dict.fromkeys(("open", "in_progress", "closed", "duplicate"), 0))
            counts[report["service"]][status_of[report["fate"]]] += 1
        return counts

    window = {"from": rfc3339(back - timedelta(days=29)), "to": rfc3339(back - timedelta(days=21))}
    stats = get(city, "/stats/reports", key=planner, params=window).json()
    assert stats["total"] == len(mine)
    assert {s["service_code"]: s["counts"] for s in stats["services"]} == tally(mine)
    assert {s["service_code"]: s["service_name"] for s in stats["services"]} == {
        code: SERVICE[code]["name"]["fa"] for code in tally(mine)}
    english = get(city, "/stats/reports", key=planner, params={**window, "lang": "en"}).json()
    assert {s["service_code"]: s["service_name"] for s in english["services"]} == {
        code: SERVICE[code]["name"]["en"] for code in tally(mine)}

    # Medians from the reports' own timestamps, as an operator reads them.
    queue = get(city, "/reports", key=operator, params=window).json()["reports"]
    assert {r["id"] for r in queue} == {r["id"] for r in mine}
    hours = {}
    for report in queue:
        if report["status"] == "closed":
            spent = parse_time(report["closed_at"]) - parse_time(report["submitted_at"])
            hours.setdefault(report["service_code"], []).append(spent.total_seconds() / 3600)
    for entry in stats["services"]:
        want = statistics.median(hours[entry["service_code"]]) if entry["service_code"] in hours else None
        if want is None:
            assert entry["median_hours_to_close"] is None, entry
        else:
            assert abs(entry["median_hours_to_close"] - want) <= 0.01, (entry, want)
    overall = statistics.median([h for values in hours.values() for h in values])
    assert abs(stats["median_hours_to_close"] - overall) <= 0.01
    # And by hand: the steps took seconds, the ages are the plan's.
    medians = {s["service_code"]: s["median_hours_to_close"] for s in stats["services"]}
    assert abs(medians["water_leak"] - 533.5) < 0.05 and abs(medians["fallen_tree"] - (590.5 + 604.0) / 2) < 0.05
    assert medians["park_damage"] is None and abs(stats["median_hours_to_close"] - 547.25) < 0.05

    # A bounding box east of the centre: the reports filed at bearings 30°…150°.
    box = f"{centre[0] + 0.0001},{centre[1] - 0.01},{centre[0] + 0.01},{centre[1] + 0.01}"
    east = [r for r in mine if r["lon"] > centre[0] + 0.0001]
    assert len(east) == 5
    boxed = get(city, "/stats/reports", key=planner, params={**window, "bbox": box}).json()
    assert boxed["total"] == 5 and {s["service_code"]: s["counts"] for s in boxed["services"]} == tally(east)
    # The operators' queue filters the same way, newest first.
    def queue_ids(**params):
        return [r["id"] for r in get(city, "/reports", key=operator, params={**window, **params}).json()["reports"]]

    assert set(queue_ids(status="closed", service_code="water_leak")) == {
        r["id"] for r in mine if r["service"] == "water_leak" and r["fate"] == "closed"}
    assert set(queue_ids(bbox=box)) == {r["id"] for r in east}
    assert queue_ids(limit=3) == [r["id"] for r in sorted(mine, key=lambda r: r["age"])[:3]]
    # A zone code: from the dataset's parcels and zones, with shapely.
    zones = {}
    for report in mine:
        zones.setdefault(zone_code_at(report["lon"], report["lat"]), []).append(report)
    zone, inside = max(((code, reports) for code, reports in zones.items() if code), key=lambda item: len(item[1]))
    zoned = get(city, "/stats/reports", key=planner, params={**window, "zone": zone}).json()
    assert zoned["total"] == len(inside) and {s["service_code"]: s["counts"] for s in zoned["services"]} == tally(inside)
    assert set(queue_ids(zone=zone)) == {r["id"] for r in inside}


# MARK: - the public POST limit


def test_public_report_filing_is_limited_per_client_address(new_city, tmp_path):
    db = new_city(tmp_path)
    server = Server(db, tmp_path / "serve.log").start({"ZAMIN_PUBLIC_POSTS_PER_MINUTE": "2"})
    try:
        lon, lat = inside_point("P-000900")
        body = json.dumps({"service_code": "damaged_sidewalk", "lon": lon, "lat": lat})
        form = multipart(form_fields("damaged_sidewalk", lon, lat) + [photo_part(small_jpeg())])
        assert post_from("127.0.0.1", server.port, "/reports", body, "application/json")[0] == 201
        assert post_from("127.0.0.1", server.port, "/reports", form, MULTIPART)[0] == 201
        for data, content_type in ((body, "application/json"), (form, MULTIPART)):
            status, headers, answer = post_from("127.0.0.1", server.port, "/reports", data, content_type)
            assert status == 429 and answer["code"] == "TooManyRequests" and int(headers["Retry-After"]) >= 1
        # Another address has its own allowance.
        assert post_from("127.0.0.2", server.port, "/reports", form, MULTIPART)[0] == 201
    finally:
        server.stop()


# MARK: - 8. durability


def noise_jpeg(size=800):
    """About 1 MB of JPEG, a different picture each time."""
    buffer = io.BytesIO()
    Image.effect_noise((size, size), 120).save(buffer, "JPEG", quality=100)
    return buffer.getvalue()


def test_sigkill_during_photo_uploads_keeps_every_acknowledged_report(tehran_db, tmp_path):
    seed = random.randrange(1 << 30)
    db = copy_db(tehran_db, tmp_path)
    operator = create_key(db, "operator", "durability")
    server = Server(db, tmp_path / "serve-1.log").start(PUBLIC_POSTS)
    acknowledged, lock, stop = {}, threading.Lock(), threading.Event()

    def upload(worker):
        rng = random.Random(seed + worker)
        while not stop.is_set():
            lon, lat = round(rng.uniform(51.402, 51.427), 7), round(rng.uniform(35.694, 35.714), 7)
            body = multipart(form_fields("illegal_dumping", lon, lat, description=f"durability {worker}") + [photo_part(noise_jpeg())])
            try:
                response = requests.post(server.base + "/reports", data=body, headers={"Content-Type": MULTIPART}, timeout=10)
                if response.status_code != 201:
                    return
                answer = response.json()
            except (requests.RequestException, ValueError):
                return
            with lock:
                acknowledged[answer["tracking_code"]] = (answer["id"], [url.rsplit("/", 1)[1] for url in answer["photos"]])

    workers = [threading.Thread(target=upload, args=(n,)) for n in range(4)]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 8 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(random.Random(seed).uniform(0.8, 2.0))
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    server.log_file.close()
    stop.set()
    for worker in workers:
        worker.join(timeout=30)
    print(f"seed {seed}: {len(acknowledged)} reports with photos acknowledged before SIGKILL")
    assert len(acknowledged) >= 8, f"too few uploads to test (seed {seed})"

    server = Server(db, tmp_path / "serve-2.log").start(PUBLIC_POSTS)
    try:
        for code, (report_id, photos) in acknowledged.items():
            response = requests.get(f"{server.base}/reports/{code}", timeout=30)
            assert response.status_code == 200, (code, seed)
            page = response.json()
            assert page["id"] == report_id and len(photos) == 1
            assert [url.rsplit("/", 1)[1] for url in page["photos"]] == photos, (code, seed)
            stored = fetch_photo(page["photos"][0])
            assert Image.open(io.BytesIO(stored)).size == (800, 800)
        # Every report the store kept, acknowledged or not, shows photos that are there.
        queue = requests.get(f"{server.base}/reports?limit=10000", headers=bearer(operator), timeout=30).json()["reports"]
        assert {r["tracking_code"] for r in queue} >= set(acknowledged)
        for report in queue:
            assert len(report["photos"]) == 1, report["id"]
            # The queue gives absolute URLs, as every other answer does.
            assert report["photos"][0].startswith(server.base + "/photos/"), report["photos"]
            fetch_photo(report["photos"][0])
    finally:
        assert server.stop() == 0
    check = subprocess.run([ZAMIN, "check", "--db", str(db)], capture_output=True, text=True, timeout=300)
    assert check.returncode == 0 and check.stdout.startswith("ok"), check.stdout + check.stderr
    assert "report_photo" not in check.stdout
    # And it finds a photo no report shows.
    orphan = "ab" * 32
    with closing(sqlite3.connect(db)) as connection:
        connection.execute("INSERT INTO report_photo (sha256, media_type, size, bytes, stored_at) VALUES (?, 'image/jpeg', 3, ?, ?)",
                           (orphan, b"abc", rfc3339(now_utc())))
        connection.commit()
    check = subprocess.run([ZAMIN, "check", "--db", str(db)], capture_output=True, text=True, timeout=300)
    assert check.returncode == 1 and "report_photo" in check.stdout and orphan in check.stdout, check.stdout + check.stderr


# MARK: - 9. the service catalogue on import and sync


def zamin(*args):
    return subprocess.run([ZAMIN, *map(str, args)], capture_output=True, text=True, timeout=600)


def test_services_json_is_checked_on_import_and_carried_by_sync(new_city, tmp_path):
    folder = tmp_path / "tehran"
    shutil.copytree(TEHRAN, folder)
    original = json.loads((folder / "services.json").read_text(encoding="utf-8"))

    def write(catalogue):
        (folder / "services.json").write_text(json.dumps(catalogue, ensure_ascii=False, indent=2), encoding="utf-8")

    # Two services with one code: a new city is refused, and the answer names services.json.
    broken = copy.deepcopy(original)
    broken["services"].append(copy.deepcopy(SERVICE["street_light_out"]))
    write(broken)
    (tmp_path / "city").mkdir()
    db = new_city(tmp_path / "city")
    postgres = str(db).startswith("postgres://")
    fresh = new_postgres_database("e2e_fresh") if postgres else tmp_path / "fresh.db"
    refused = zamin("import", *database_args(fresh), folder)
    assert refused.returncode != 0 and "services.json" in refused.stderr + refused.stdout, refused.stderr
    if not postgres:
        assert not fresh.exists()

    def listed(server, lang):
        response = requests.get(f"{server.base}/open311/v2/services.json?lang={lang}", timeout=30)
        assert response.status_code == 200
        return {entry["service_code"]: entry["service_name"] for entry in response.json()}

    server = Server(db, tmp_path / "serve-1.log").start(PUBLIC_POSTS)
    try:
        # A sync with it is refused too, and changes nothing.
        refused = zamin("import", "--sync", *database_args(db), folder)
        assert refused.returncode != 0 and "services.json" in refused.stderr + refused.stdout, refused.stderr
        assert listed(server, "en") == {s["service_code"]: s["name"]["en"] for s in CATALOGUE}

        # A changed catalogue: a service added, one renamed, one removed.
        changed = copy.deepcopy(original)
        graffiti = {
            "service_code": "graffiti", "group": {"fa": "نظافت شهری", "en": "Street cleaning"},
            "name": {"fa": "دیوارنویسی غیرمجاز", "en": "Graffiti"},
            "description": {"fa": "نوشته یا نقاشی بدون مجوز روی دیوار یا پل.", "en": "Writing or painting on a wall or bridge without permission."},
            "keywords": {"fa": ["دیوارنویسی"], "en": ["graffiti", "tagging"]}, "type": "realtime", "parcel_related": False,
            "attributes": [{
                "code": "surface", "datatype": "singlevaluelist", "required": True, "order": 1,
                "description": {"fa": "روی چه سطحی است؟", "en": "On what surface?"}, "datatype_description": None,
                "values": [{"key": "wall", "name": {"fa": "دیوار", "en": "Wall"}},
                           {"key": "bridge", "name": {"fa": "پل", "en": "Bridge"}}]}],
        }
        changed["services"] = [s for s in changed["services"] if s["service_code"] != "burning_air_pollution"] + [graffiti]
        next(s for s in changed["services"] if s["service_code"] == "damaged_sidewalk")["name"]["en"] = "Damaged or uneven sidewalk"
        write(changed)
        dry = zamin("import", "--sync", "--dry-run", *database_args(db), folder)
        assert dry.returncode == 0, dry.stderr
        assert "a sync would replace it" in dry.stdout, dry.stdout
        assert "graffiti" not in listed(server, "en")
        synced = zamin("import", "--sync", *database_args(db), folder)
        assert synced.returncode == 0, synced.stderr + synced.stdout
        assert "service catalogue: replaced" in synced.stdout and "nothing to change" not in synced.stdout, synced.stdout
        again = zamin("import", "--sync", *database_args(db), folder)
        assert again.returncode == 0 and "nothing to change" in again.stdout, again.stdout
        server.stop()

        server = Server(db, tmp_path / "serve-2.log").start(PUBLIC_POSTS)
        for lang in ("fa", "en"):
            assert listed(server, lang) == {s["service_code"]: s["name"][lang] for s in changed["services"]}
        definition = GeoReport(server.base + "/open311/v2").get_service_definition("graffiti")
        assert definition["attributes"] == defined_attributes(graffiti, "fa")
        lon, lat = inside_point("P-000777")
        response = requests.post(server.base + "/reports", timeout=30, json={
            "service_code": "graffiti", "lon": lon, "lat": lat, "attributes": {"surface": "bridge"}})
        assert response.status_code == 201 and response.json()["attributes"] == {"surface": ["bridge"]}, response.text
        response = requests.post(server.base + "/reports", json={"service_code": "graffiti", "lon": lon, "lat": lat}, timeout=30)
        assert response.status_code == 400 and response.json()["parameter"] == "attribute[surface]"
        response = requests.post(server.base + "/reports", json={"service_code": "burning_air_pollution", "lon": lon, "lat": lat}, timeout=30)
        assert response.status_code == 400 and response.json()["parameter"] == "service_code"
    finally:
        server.stop()
