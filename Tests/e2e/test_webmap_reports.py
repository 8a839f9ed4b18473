"""Problem reports on the web map (issue 20 point 3), in headless Chromium against a real
`zamin serve` of its own (a copy of the imported Tehran, public POSTs not rate-limited, so the
tests can file as many reports as they need). What the page should show is worked out here,
not read from the page:

* the place of a click: the clicked pixel through Web Mercator with pyproj, from the map's
  pixel origin and pane offset (the view), never from Leaflet's own projection;
* the reports layer: GET /open311/v2/requests.json, and the page's two status colours written
  below, as test_webmap.py writes the land-use palette;
* dates: the UTC instant in Asia/Tehran with Python's zoneinfo, then the Solar Hijri date by
  the hand-written arithmetic below (ICU's 33-year rule, the calendar Chromium's
  `fa-IR-u-ca-persian` uses), in Persian digits; Gregorian for the English page;
* errors: the server's own description for the same filing sent with urllib.

The page's texts come from UIText; the assertions read data-* attributes and the API's words
(service names, error descriptions), and a few new UIText texts where the point is the text."""
import json
import math
import re
import struct
import urllib.error
import urllib.request
import uuid
import zlib
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pyproj
import pytest

from conftest import Server
from planner_support import call, copy_db, create_key
from test_webmap import click_element, open_map, screen_points, text_of
from webmap_oracle import PARCELS, feature_id, haversine_m, interior_point, known_parcel, parcels_at

# The page's palette for the layer (map.js): Open311's two statuses.
REPORT_COLOURS = {"open": "#e6550d", "closed": "#31a354"}
TO_3857 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
TEHRAN_TIME = ZoneInfo("Asia/Tehran")
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
PERSIAN_MONTHS = ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"]
ENGLISH_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                  "November", "December"]


# ---------- oracles ----------
def jalali(year, month, day):
    """The Solar Hijri date of a Gregorian one: the Julian day number, then the arithmetic
    Persian calendar (years of 33-year cycles with 8 leap years; months 6 × 31, 5 × 30, 29/30)."""
    a = (14 - month) // 12
    y, m = year + 4800 - a, month + 12 * a - 3
    julian_day = day + (153 * m + 2) // 5 + 365 * y + y // 4 - y // 100 + y // 400 - 32045
    since_epoch = julian_day - 1948320  # 1 Farvardin 1 AP
    persian_year = 1 + (33 * since_epoch + 3) // 12053
    day_of_year = since_epoch - (365 * (persian_year - 1) + (8 * persian_year + 21) // 33)
    persian_month = day_of_year // 31 if day_of_year < 216 else (day_of_year - 6) // 30
    first = [0, 31, 62, 93, 124, 155, 186, 216, 246, 276, 306, 336][persian_month]
    return persian_year, persian_month + 1, day_of_year - first + 1


def persian(number, width=1):
    return str(number).zfill(width).translate(str.maketrans("0123456789", PERSIAN_DIGITS))


def city_time(iso):
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(TEHRAN_TIME)


def expected_persian_date(iso):
    """(the Persian-digit numbers the text holds — day, year, hour, minute — and the month's name)."""
    local = city_time(iso)
    year, month, day = jalali(local.year, local.month, local.day)
    return Counter([persian(day), persian(year), persian(local.hour, 2), persian(local.minute, 2)]), PERSIAN_MONTHS[month - 1]


def expected_english_date(iso):
    local = city_time(iso)
    return Counter([str(local.day), str(local.year), f"{local.hour:02d}", f"{local.minute:02d}"]), ENGLISH_MONTHS[local.month - 1]


def assert_persian_date(text, iso):
    numbers, month = expected_persian_date(iso)
    assert month in text, (text, iso, month)
    assert Counter(re.findall(f"[{PERSIAN_DIGITS}]+", text)) == numbers, (text, iso, numbers)
    assert not re.search(r"[0-9]", text), text
    assert not any(name in text for name in ENGLISH_MONTHS), text


def assert_english_date(text, iso):
    numbers, month = expected_english_date(iso)
    assert month in text, (text, iso, month)
    assert Counter(re.findall(r"[0-9]+", text)) == numbers, (text, iso, numbers)
    assert not re.search(f"[{PERSIAN_DIGITS}]", text), text


def png(width=8, height=6):
    """A small red PNG, written with zlib (no imaging library)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + b"\xc8\x1e\x1e" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
       b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


def multipart(fields, files):
    boundary = uuid.uuid4().hex
    body = b""
    for name, value in fields:
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for name, filename, media_type, data in files:
        body += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                 f"Content-Type: {media_type}\r\n\r\n").encode() + data + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


# ---------- fixtures and helpers ----------
@pytest.fixture(scope="module")
def city(tehran_db, tmp_path_factory):
    """A server of this module's own over a copy of Tehran, with an operator's key."""
    folder = tmp_path_factory.mktemp("webmap-reports")
    db = copy_db(tehran_db, folder)
    server = Server(db, folder / "serve.log")
    try:
        server.start(extra_env={"ZAMIN_PUBLIC_POSTS_PER_MINUTE": "100000"})
        server.operator = create_key(db, "operator", "e2e-webmap-reports")
        yield server
    finally:
        if server.process is not None:
            server.stop()


def get_json(server, path):
    with urllib.request.urlopen(server.base + path, timeout=10) as response:
        return json.load(response)


def file_report(server, service, lon, lat, description="e2e", attributes=None):
    status, body = call(server.base, "POST", "/reports?lang=fa", body={
        "service_code": service, "lon": lon, "lat": lat, "description": description, "attributes": attributes or {}})
    assert status == 201, body
    return body


def move_report(server, report, status, note):
    code, body = call(server.base, "POST", f"/reports/{report['id']}/status", body={"status": status, "note": note}, key=server.operator)
    assert code == 200, body
    return body


def spread_points(server, count, start):
    """Interior points of parcels from the parcels' list at `start`, each over 150 m from the
    others and from every report filed so far (so that no circle hides another)."""
    taken = [(r["long"], r["lat"]) for r in get_json(server, "/open311/v2/requests.json")]
    points = []
    for feature in PARCELS[start:]:
        lon, lat = interior_point(feature)
        if parcels_at(lon, lat) == [feature_id(feature)] and all(haversine_m(lon, lat, *p) > 150 for p in points + taken):
            points.append((lon, lat))
            if len(points) == count:
                return points
    raise AssertionError("not enough parcels far apart")


def start_reporting(browser):
    """A real click on the map's "Report a problem" button: the report tab opens, the mode is on."""
    click_element(browser, "#report-mode")
    browser.wait_for("!document.getElementById('section-report').hidden"
                     " && document.getElementById('report-mode').getAttribute('aria-pressed') === 'true'")


def map_state(browser):
    """The view as Leaflet holds it: zoom, the pixel origin, where the map pane is, the container's
    box (the map scrolled into view first, as a click needs it)."""
    browser.evaluate("document.getElementById('map').scrollIntoView({block: 'nearest'})")
    return browser.evaluate("""(() => { const map = zamin.map, o = map.getPixelOrigin(), p = map.containerPointToLayerPoint([0, 0]);
        const r = map.getContainer().getBoundingClientRect();
        return {zoom: map.getZoom(), originX: o.x, originY: o.y, paneX: p.x, paneY: p.y, left: r.left, top: r.top,
                width: r.width, height: r.height}; })()""")


def lon_lat_of_pixel(state, x, y):
    """The place under the screen pixel (x, y): its world pixel at the view's zoom (256 · 2^zoom
    across the world), then Web Mercator's inverse by pyproj."""
    world_x = x - state["left"] + state["paneX"] + state["originX"]
    world_y = y - state["top"] + state["paneY"] + state["originY"]
    half = math.pi * 6378137
    size = 256 * 2 ** state["zoom"]
    return TO_3857.transform(world_x / size * 2 * half - half, half - world_y / size * 2 * half, direction="INVERSE")


def choose_service(browser, code):
    browser.evaluate(f"(() => {{ const s = document.getElementById('report-service'); s.value = {json.dumps(code)};"
                     " s.dispatchEvent(new Event('change')); })()")


def set_files(browser, selector, paths):
    """The file chooser's answer, as DevTools gives it (the input's change event fires)."""
    handle = browser.page("Runtime.evaluate", expression=f"document.querySelector({json.dumps(selector)})")["result"]["objectId"]
    browser.page("DOM.setFileInputFiles", files=[str(p) for p in paths], objectId=handle)


def set_value(browser, element_id, value):
    browser.evaluate(f"document.getElementById({json.dumps(element_id)}).value = {json.dumps(value)}")


def marker_paths(browser):
    """The report circles on the map: id, status, fill colour and centre on the screen."""
    return browser.evaluate("""[...document.querySelectorAll('path.report-marker')].map(p => { const r = p.getBoundingClientRect();
        return {id: p.getAttribute('data-report-id'), status: p.getAttribute('data-status'), fill: p.getAttribute('fill'),
                x: r.left + r.width / 2, y: r.top + r.height / 2}; })""")


# ---------- tests ----------
def test_filing_a_report_through_the_form(browser, city, tmp_path):
    """Report mode, a real click on the map, a service with a required attribute (answered in
    Persian digits), a description, contact details and a PNG: the tracking code shown is a
    report of that service at the clicked place, with the photo; the layer gains its marker."""
    _, lon, lat = known_parcel()
    open_map(browser, city, view=(lon, lat, 17))
    browser.wait_for("zamin.reports.loads() > 0")
    before = browser.evaluate("zamin.reports.layerCount()")
    start_reporting(browser)
    state = map_state(browser)
    x, y = round(state["left"] + state["width"] / 2 - 70), round(state["top"] + state["height"] / 2 + 45)
    expected_lon, expected_lat = lon_lat_of_pixel(state, x, y)
    browser.click(x, y)
    browser.wait_for("!document.getElementById('report-form').hidden && document.getElementById('report-service').options.length > 1")
    shown = browser.evaluate("(o => [Number(o.dataset.lon), Number(o.dataset.lat), o.textContent])(document.getElementById('report-point'))")
    assert abs(shown[0] - expected_lon) < 1e-6 and abs(shown[1] - expected_lat) < 1e-6, (shown, expected_lon, expected_lat)
    # The services are grouped as the catalogue groups them.
    catalogue = get_json(city, "/open311/v2/services.json?lang=fa")
    groups = browser.evaluate("[...document.querySelectorAll('#report-service optgroup')].map(g => [g.label, [...g.children].map(o => o.value)])")
    expected_groups = {}
    for service in catalogue:
        expected_groups.setdefault(service["group"], []).append(service["service_code"])
    assert groups == [[name, codes] for name, codes in expected_groups.items()]
    choose_service(browser, "street_light_out")
    browser.wait_for("document.getElementById('report-attribute-lamps_out')")
    definition = get_json(city, "/open311/v2/services/street_light_out.json?lang=fa")
    required = {a["code"]: a["required"] for a in definition["attributes"]}
    assert browser.evaluate("document.getElementById('report-attribute-lamps_out').required") is required["lamps_out"] is True
    assert browser.evaluate("document.getElementById('report-attribute-fault').tagName") == "SELECT"
    # Every control of the form has a label, the questions included.
    unlabelled = browser.evaluate("""[...document.querySelectorAll('#report-form input, #report-form select, #report-form textarea')]
        .filter(c => !(c.labels && c.labels.length) && !c.getAttribute('aria-label')).map(c => c.outerHTML)""")
    assert unlabelled == []
    set_value(browser, "report-attribute-lamps_out", "۳")
    set_value(browser, "report-description", "آزمون: سه چراغ خاموش است")
    set_value(browser, "report-name", "آزمون مرورگر")
    set_value(browser, "report-email", "e2e@example.org")
    set_value(browser, "report-phone", "۰۹۱۲۱۲۳۴۵۶۷")
    photo = tmp_path / "lamp.png"
    photo.write_bytes(png(8, 6))
    set_files(browser, "#report-photos", [photo])
    assert browser.evaluate("document.getElementById('report-photos').files.length") == 1
    click_element(browser, "#report-form button[type=submit]")
    code = browser.wait_for("(e => e && e.textContent.trim())(document.querySelector('#report-result [data-field=report-tracking-code]'))")
    report = get_json(city, f"/reports/{code}?lang=fa")
    assert report["tracking_code"] == code and report["service_code"] == "street_light_out" and report["status"] == "open"
    assert abs(report["lon"] - expected_lon) < 1e-6 and abs(report["lat"] - expected_lat) < 1e-6, (report["lon"], report["lat"])
    assert report["attributes"] == {"lamps_out": ["3"]}
    assert report["description"] == "آزمون: سه چراغ خاموش است"
    assert "reporter" not in report  # the public page of the report: no contact details
    [photo_url] = report["photos"]
    with urllib.request.urlopen(photo_url, timeout=10) as response:
        assert response.status == 200 and response.headers["Content-Type"] == "image/png"
        stored = response.read()
    assert stored[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", stored[16:24]) == (8, 6)
    # The contact details reached the operators, digits as 0–9.
    status, queue = call(city.base, "GET", "/reports?service_code=street_light_out", key=city.operator)
    [mine] = [r for r in queue["reports"] if r["tracking_code"] == code]
    assert mine["reporter"] == {"name": "آزمون مرورگر", "email": "e2e@example.org", "phone": "09121234567"}
    # The layer was loaded again with the new report; the form waits for the next click.
    browser.wait_for(f"zamin.reports.markers().some(m => m.id === '{report['id']}') && zamin.reports.layerCount() === {before + 1}")
    assert browser.evaluate("document.getElementById('report-form').hidden && !document.getElementById('report-hint').hidden")
    # "Show the status" opens the tracking view on this code.
    click_element(browser, "#report-result [data-action=track-report]")
    browser.wait_for("document.querySelector('#track-result [data-field=service]')")
    assert browser.evaluate("document.getElementById('track-code').value") == code
    assert text_of(browser, "#track-result [data-field=service]") == report["service_name"]
    assert browser.evaluate("document.querySelector('#track-result [data-field=status] [data-status]').dataset.status") == "open"
    assert browser.evaluate("document.querySelector('#track-result [data-field=photos] img').src") == photo_url


def test_reports_layer_has_a_marker_per_report_coloured_by_status(browser, city):
    """One circle per report of GET /open311/v2/requests.json at its place, in the colour of its
    status; an operator's closing turns it; the layer switch and the legend; a marker's popup."""
    points = spread_points(city, 3, 600)
    filed = [file_report(city, service, lon, lat) for service, (lon, lat) in zip(["damaged_sidewalk", "illegal_dumping", "park_damage"], points)]
    move_report(city, filed[0], "closed", "repaired")
    move_report(city, filed[1], "in_progress", "crew sent")  # still "open" for Open311
    requests = get_json(city, "/open311/v2/requests.json?lang=fa")
    statuses = {r["service_request_id"]: r["status"] for r in requests}
    assert statuses[str(filed[0]["id"])] == "closed" and statuses[str(filed[1]["id"])] == "open" == statuses[str(filed[2]["id"])]
    open_map(browser, city)  # the district, fitted to the screen
    browser.wait_for("zamin.reports.loads() > 0")
    markers = browser.evaluate("zamin.reports.markers()")
    assert sorted(m["id"] for m in markers) == sorted(statuses)
    assert browser.evaluate("zamin.reports.layerCount()") == len(requests)
    by_id = {r["service_request_id"]: r for r in requests}
    for marker in markers:
        expected = by_id[marker["id"]]
        assert (marker["lat"], marker["lon"]) == (expected["lat"], expected["long"])
        assert marker["status"] == expected["status"] and marker["colour"] == REPORT_COLOURS[expected["status"]], marker
    # Drawn: a circle for each, filled in its status's colour, centred on its place (within a pixel).
    paths = marker_paths(browser)
    assert sorted(p["id"] for p in paths) == sorted(statuses)
    places = dict(zip(by_id, screen_points(browser, [[r["long"], r["lat"]] for r in by_id.values()])))
    for path in paths:
        assert path["fill"] == REPORT_COLOURS[statuses[path["id"]]] and path["status"] == statuses[path["id"]]
        x, y = places[path["id"]]
        assert math.hypot(path["x"] - x, path["y"] - y) <= 1, (path, x, y)
    assert {p["fill"] for p in paths} == set(REPORT_COLOURS.values())
    # The legend: both statuses with their colours and counts (Persian digits).
    legend = browser.evaluate("[...document.querySelectorAll('#report-legend li')].map(li => [li.dataset.status, li.textContent.trim(),"
                              " getComputedStyle(li.querySelector('.swatch')).backgroundColor])")
    counts = Counter(statuses.values())
    assert [entry[0] for entry in legend] == ["open", "closed"]
    for status, text, colour in legend:
        assert f"({persian(counts[status])})" in text
        assert colour == "rgb({}, {}, {})".format(*(int(REPORT_COLOURS[status][i:i + 2], 16) for i in (1, 3, 5)))
    # A real click on the closed report's circle opens its popup: service, status, date, description.
    closed = str(filed[0]["id"])
    [path] = [p for p in paths if p["id"] == closed]
    browser.click(path["x"], path["y"])
    popup = f".report-popup-body[data-report-id='{closed}']"
    browser.wait_for(f"document.querySelector({json.dumps(popup)})")
    assert text_of(browser, f"{popup} [data-field=service]") == by_id[closed]["service_name"]
    assert browser.evaluate(f"document.querySelector({json.dumps(popup + ' [data-field=status] [data-status]')}).dataset.status") == "closed"
    time_element = browser.evaluate(f"(t => [t.getAttribute('datetime'), t.textContent])(document.querySelector({json.dumps(popup + ' time')}))")
    assert time_element[0] == by_id[closed]["requested_datetime"]
    assert_persian_date(time_element[1], time_element[0])
    assert text_of(browser, f"{popup} [data-field=description]") == "e2e"
    assert browser.evaluate(f"document.querySelector({json.dumps(popup + ' .me-too button')})") is None  # closed: no "me too"
    # The layer switch takes the circles away and brings them back.
    click_element(browser, "#show-reports")
    assert browser.evaluate("zamin.reports.layerCount()") == 0 and marker_paths(browser) == []
    click_element(browser, "#show-reports")
    browser.wait_for(f"zamin.reports.layerCount() === {len(requests)} && document.querySelectorAll('path.report-marker').length === {len(requests)}")


def test_tracking_view_shows_the_history_in_the_persian_calendar_and_in_english(browser, city):
    """A report opened, taken in hand and closed: the tracking view lists the three steps with
    their notes, each date in Tehran's time — Solar Hijri with Persian digits on the Persian page,
    Gregorian on the English one."""
    [(lon, lat)] = spread_points(city, 1, 2500)
    filed = file_report(city, "illegal_dumping", lon, lat, description="نخاله کنار جوی")
    move_report(city, filed, "in_progress", "اکیپ اعزام شد")
    move_report(city, filed, "closed", "پاکسازی شد")
    history = get_json(city, f"/reports/{filed['tracking_code']}?lang=fa")["history"]
    assert [entry["status"] for entry in history] == ["open", "in_progress", "closed"]
    # Oracle self-check: Nowruz 1405 and the day these tests were written.
    assert jalali(2026, 3, 21) == (1405, 1, 1) and jalali(2026, 12, 7) == (1405, 9, 16) and jalali(2025, 3, 20) == (1403, 12, 30)
    for language, check in (("fa", assert_persian_date), ("en", assert_english_date)):
        open_map(browser, city, query="" if language == "fa" else "?lang=en")
        browser.evaluate("document.getElementById('tab-track').click()")
        set_value(browser, "track-code", filed["tracking_code"].lower())
        click_element(browser, "#track-form button[type=submit]")
        rows = browser.wait_for("(rows => rows.length ? rows : null)([...document.querySelectorAll('#track-result [data-field=history] tbody tr')]"
                                ".map(tr => [tr.dataset.status, tr.querySelector('time').getAttribute('datetime'), tr.querySelector('time').textContent,"
                                " tr.cells[2].textContent]))")
        assert [(status, at, note) for status, at, _, note in rows] == [(e["status"], e["at"], e["note"] or "—") for e in history]
        for _, at, text, _ in rows:
            check(text, at)
        submitted = browser.evaluate("(t => [t.getAttribute('datetime'), t.textContent])(document.querySelector('#track-result [data-field=submitted-at] time'))")
        assert submitted[0] == filed["submitted_at"]
        check(submitted[1], submitted[0])
        assert browser.evaluate("document.querySelector('#track-result [data-field=status] [data-status]').dataset.status") == "closed"
        assert text_of(browser, "#track-result [data-field=description]") == "نخاله کنار جوی"


def test_a_gif_photo_shows_the_servers_message(browser, city, tmp_path):
    """The file chooser's type filter is only a hint: a GIF sent anyway is refused by the
    server, and the form shows the server's own words (in the page's language), marks the
    photo field, and files nothing."""
    gif = tmp_path / "sign.gif"
    gif.write_bytes(GIF)
    [(lon, lat)] = spread_points(city, 1, 4200)
    for language in ("fa", "en"):
        body, media_type = multipart([("service_code", "traffic_sign_damaged"), ("lon", lon), ("lat", lat)],
                                     [("photo", "sign.gif", "image/gif", GIF)])
        request = urllib.request.Request(f"{city.base}/reports?lang={language}", data=body, method="POST", headers={"Content-Type": media_type})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        expected = json.load(refused.value)
        assert expected["parameter"] == "photo"
        count = len(get_json(city, "/open311/v2/requests.json"))
        open_map(browser, city, query="" if language == "fa" else "?lang=en", view=(lon, lat, 17))
        browser.wait_for("zamin.reports.loads() > 0")
        start_reporting(browser)
        browser.evaluate(f"zamin.reports.openForm({lon}, {lat})")
        choose_service(browser, "traffic_sign_damaged")
        set_files(browser, "#report-photos", [gif])
        click_element(browser, "#report-form button[type=submit]")
        message = browser.wait_for("(e => e && e.textContent)(document.querySelector('#report-result .error'))")
        assert message == expected["description"]
        assert browser.evaluate("document.getElementById('report-photos').getAttribute('aria-invalid')") == "true"
        assert browser.evaluate("!document.getElementById('report-form').hidden")  # the form stays, to fix the photo
        assert len(get_json(city, "/open311/v2/requests.json")) == count


def test_already_reported_nearby_offers_me_too(browser, city):
    """Before filing, the open reports of the chosen service within 50 m of the place are listed
    with a "me too" button that adds the citizen to the report; another service lists none;
    filing anyway shows the same report among the answer's nearby ones."""
    [(lon, lat)] = spread_points(city, 1, 5200)
    first = file_report(city, "illegal_dumping", lon, lat, description="زباله رهاشده")
    open_map(browser, city, view=(lon, lat, 17))
    browser.wait_for(f"zamin.reports.markers().some(m => m.id === '{first['id']}')")
    start_reporting(browser)
    state = map_state(browser)
    [[x, y]] = screen_points(browser, [[lon, lat]])
    x, y = round(x + 25), round(y)  # 25 pixels from the first report's circle: about 25 m at zoom 17
    browser.click(x, y)
    browser.wait_for("!document.getElementById('report-form').hidden && document.getElementById('report-service').options.length > 1")
    there = lon_lat_of_pixel(state, x, y)
    assert 10 < haversine_m(lon, lat, *there) < 50
    choose_service(browser, "illegal_dumping")
    item = f"#report-nearby li[data-report-id='{first['id']}']"
    browser.wait_for(f"document.querySelector({json.dumps(item)})")
    assert browser.evaluate("document.querySelectorAll('#report-nearby li').length") == 1
    assert text_of(browser, f"{item} .report-text") == "زباله رهاشده"
    choose_service(browser, "open_manhole")
    browser.wait_for("!document.querySelector('#report-nearby li')")
    choose_service(browser, "illegal_dumping")
    browser.wait_for(f"document.querySelector({json.dumps(item)})")
    click_element(browser, f"{item} .me-too button")
    browser.wait_for(f"document.querySelector({json.dumps(item + ' [data-field=me-too-done]')})")
    assert get_json(city, f"/reports/{first['tracking_code']}")["confirmations"] == 1
    assert text_of(browser, f"{item} [data-field=confirmations]") == persian(1)
    # Filed anyway: the answer names the same open report nearby, with its own "me too".
    click_element(browser, "#report-form button[type=submit]")
    browser.wait_for("document.querySelector('#report-result [data-field=report-tracking-code]')")
    after = f"#report-result li[data-report-id='{first['id']}']"
    assert browser.evaluate(f"!!document.querySelector({json.dumps(after + ' .me-too button')})")
