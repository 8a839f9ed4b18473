"""The web map in a real browser: headless Chromium (Debian `chromium`) driven over the DevTools
protocol against a real `zamin serve`. Every assertion reads the rendered DOM; expected parcels,
zones and facilities come from GeoData/tehran/*.geojson through an independent point-in-polygon
written here, never from the server."""
import json
import math
import urllib.error
import urllib.parse
import urllib.request

import pytest

from browser import Browser
from conftest import GEODATA

TEHRAN = GEODATA / "tehran"


# ---------- independent oracle over the GeoJSON files ----------
def load(layer):
    with open(TEHRAN / f"{layer}.geojson", encoding="utf-8") as file:
        return json.load(file)["features"]


def polygons(geometry):
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    return []


def ring_contains(ring, lon, lat):
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def contains(geometry, lon, lat):
    return any(ring_contains(rings[0], lon, lat) and not any(ring_contains(hole, lon, lat) for hole in rings[1:])
               for rings in polygons(geometry))


def bbox(geometry):
    points = [point for rings in polygons(geometry) for ring in rings for point in ring]
    return (min(p[0] for p in points), min(p[1] for p in points), max(p[0] for p in points), max(p[1] for p in points))


def boxes_intersect(a, b):
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def feature_id(feature):
    return feature.get("id") or feature["properties"]["id"]


def interior_point(feature):
    """A point well inside the parcel: the middle of the longest horizontal chord through its bbox centre."""
    ring = polygons(feature["geometry"])[0][0]
    west, south, east, north = bbox(feature["geometry"])
    lat = (south + north) / 2
    crossings = sorted(x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
                       for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]) if (y1 > lat) != (y2 > lat))
    chords = [(crossings[i], crossings[i + 1]) for i in range(0, len(crossings) - 1, 2)]
    left, right = max(chords, key=lambda chord: chord[1] - chord[0])
    return (left + right) / 2, lat


def haversine_m(lon1, lat1, lon2, lat2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(a))


PARCELS = load("parcels")
ZONES = load("zones")
FACILITIES = load("facilities")


def parcels_at(lon, lat):
    return sorted(feature_id(f) for f in PARCELS if contains(f["geometry"], lon, lat))


def zones_at(lon, lat):
    return sorted(f["properties"]["code"] for f in ZONES if contains(f["geometry"], lon, lat))


# ---------- fixtures ----------
@pytest.fixture(scope="module")
def browser():
    instance = Browser(width=1100, height=750)
    yield instance
    instance.close()


def require_endpoint(server, path, method="GET"):
    """Skips a test whose endpoint has not landed on this branch yet (a JSON 404 for the path)."""
    data = b"{}" if method == "POST" else None
    request = urllib.request.Request(server.base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(request, timeout=5).close()
    except urllib.error.HTTPError as error:
        if error.code == 404:
            pytest.skip(f"{path.split('?')[0]} is not served by this build yet")


def open_map(browser, server, query="", view=None):
    fragment = f"#map={view[2]}/{view[1]:.6f}/{view[0]:.6f}" if view else ""
    browser.open(f"{server.base}/{query}{fragment}")
    browser.wait_for("window.zamin && window.zamin.map")
    if view:
        # The page reads the fragment after the map exists: wait until the view is the one asked for.
        browser.wait_for(f"zamin.map.getZoom() === {view[2]}")


def wait_zones_drawn(browser):
    return browser.wait_for("document.querySelectorAll('path[data-zone-code]').length", timeout=30)


def view_bounds(browser):
    return browser.evaluate(
        "(() => { const b = zamin.map.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()")


def click_at(browser, lon, lat):
    """A real mouse click on the screen pixel of (lon, lat)."""
    x, y = browser.evaluate(
        f"(() => {{ const p = zamin.map.latLngToContainerPoint([{lat}, {lon}]);"
        f" const r = zamin.map.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }})()")
    browser.click(x, y)


def text_of(browser, selector):
    return browser.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); return e ? e.textContent.trim() : null; }})()")


# ---------- the page ----------
def test_persian_page_is_right_to_left(browser, server):
    open_map(browser, server)
    assert browser.evaluate("document.documentElement.lang") == "fa"
    assert browser.evaluate("document.documentElement.dir") == "rtl"
    assert browser.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert browser.evaluate("document.title") == "زمین — نقشهٔ زمین و ملک شهر"
    # Laid out right to left: the panel, after the map in the DOM, sits to the map's left.
    panel_right, map_left = browser.evaluate(
        "[document.getElementById('panel').getBoundingClientRect().right, document.getElementById('map').getBoundingClientRect().left]")
    assert panel_right <= map_left + 1
    assert text_of(browser, "#tab-plot") == "این زمین"


def test_language_switch_gives_the_english_page_left_to_right(browser, server):
    open_map(browser, server)
    x, y = browser.evaluate(
        "(() => { const r = document.getElementById('language-switch').getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()")
    browser.click(x, y)
    browser.wait_for("document.documentElement.lang === 'en' && window.zamin")
    assert browser.evaluate("document.documentElement.dir") == "ltr"
    assert text_of(browser, "#tab-plot") == "This plot"
    panel_left, map_right = browser.evaluate(
        "[document.getElementById('panel').getBoundingClientRect().left, document.getElementById('map').getBoundingClientRect().right]")
    assert panel_left >= map_right - 1


def test_page_loads_nothing_from_outside(browser, server):
    open_map(browser, server)
    browser.wait_for("performance.getEntriesByType('resource').length >= 4")
    origins = browser.evaluate(
        "[...new Set(performance.getEntriesByType('resource').map(e => new URL(e.name).origin))]")
    assert origins and all(origin == server.base for origin in origins), origins
    assert browser.evaluate("L.version")  # Leaflet came from /web/vendor


def test_zones_and_facilities_of_the_view_are_drawn_with_a_legend(browser, server):
    require_endpoint(server, "/collections/zones/items?limit=1")
    open_map(browser, server)
    wait_zones_drawn(browser)
    view = view_bounds(browser)
    expected_zones = {feature_id(f) for f in ZONES if boxes_intersect(bbox(f["geometry"]), view)}
    drawn_codes = browser.evaluate("[...document.querySelectorAll('path[data-zone-code]')].map(p => p.getAttribute('data-zone-code'))")
    assert len(drawn_codes) == len(expected_zones)
    assert set(drawn_codes) == {f["properties"]["code"] for f in ZONES if feature_id(f) in expected_zones}
    legend = browser.evaluate("[...document.querySelectorAll('#zone-legend li')].map(li => li.getAttribute('data-zone-code'))")
    assert legend == sorted(set(drawn_codes))
    # Zones of different codes are filled with different colours.
    fills = browser.evaluate(
        "Object.fromEntries([...document.querySelectorAll('path[data-zone-code]')].map(p => [p.getAttribute('data-zone-code'), p.getAttribute('fill')]))")
    assert len(set(fills.values())) == len(fills)
    # Facilities: exactly those whose point is in the view (fewer than the page's limit here).
    browser.wait_for("document.querySelectorAll('path.facility').length")
    expected_facilities = {feature_id(f) for f in FACILITIES
                           if view[0] <= f["geometry"]["coordinates"][0] <= view[2] and view[1] <= f["geometry"]["coordinates"][1] <= view[3]}
    assert 0 < len(expected_facilities) <= 500
    drawn = browser.wait_for(
        f"(() => {{ const ids = [...document.querySelectorAll('path.facility')].map(p => p.getAttribute('data-facility-id'));"
        f" return ids.length === {len(expected_facilities)} ? ids : null; }})()")
    assert set(drawn) == expected_facilities
    # Parcels wait for a closer zoom.
    assert browser.evaluate("document.querySelectorAll('path[data-parcel-id]').length") == 0
    assert "قطعه" in text_of(browser, "#map-status")


def known_parcel():
    """A parcel away from the district's edge, with a point inside it that only it contains."""
    for feature in PARCELS[len(PARCELS) // 3:]:
        lon, lat = interior_point(feature)
        if parcels_at(lon, lat) == [feature_id(feature)] and len(zones_at(lon, lat)) == 1:
            return feature, lon, lat
    raise AssertionError("no parcel with an unambiguous interior point")


def test_parcels_of_the_view_are_drawn_once_zoomed_in(browser, server):
    require_endpoint(server, "/collections/parcels/items?limit=1")
    _, lon, lat = known_parcel()
    open_map(browser, server, view=(lon, lat, 17))
    ids = browser.wait_for(
        "(() => { const ids = [...document.querySelectorAll('path[data-parcel-id]')].map(p => p.getAttribute('data-parcel-id')); return ids.length ? ids : null; })()")
    view = view_bounds(browser)
    touching = {feature_id(f) for f in PARCELS if boxes_intersect(bbox(f["geometry"]), view)}
    assert set(ids) <= touching, "a parcel outside the view was drawn"
    centres_inside = {feature_id(f) for f in PARCELS
                      if view[0] < interior_point(f)[0] < view[2] and view[1] < interior_point(f)[1] < view[3]}
    assert centres_inside <= set(ids), "a parcel in the view is missing"
    assert len(ids) < len(PARCELS) / 4, "the page asked for far more than the view"


def test_clicking_a_known_point_shows_its_parcel_and_zone(browser, server):
    require_endpoint(server, "/lookup?lon=51.41&lat=35.70")
    feature, lon, lat = known_parcel()
    [expected_zone] = zones_at(lon, lat)
    open_map(browser, server, view=(lon, lat, 17))
    click_at(browser, lon, lat)
    browser.wait_for("document.querySelector('#lookup-result [data-field=\"zone-code\"]')")
    assert text_of(browser, '#lookup-result [data-field="parcel-id"]') == feature_id(feature)
    assert text_of(browser, '#lookup-result [data-field="zone-code"]') == expected_zone
    assert browser.evaluate("!document.getElementById('section-plot').hidden")
    # The nearest hospital, school, metro station and park with distances.
    categories = browser.evaluate("[...document.querySelectorAll('[data-field=nearest] tr[data-category]')].map(r => r.dataset.category)")
    assert {"hospital", "metro_station"} <= set(categories)


def test_a_point_in_no_parcel_says_so(browser, server):
    require_endpoint(server, "/lookup?lon=51.41&lat=35.70")
    west = min(bbox(f["geometry"])[0] for f in PARCELS)
    south, north = min(bbox(f["geometry"])[1] for f in PARCELS), max(bbox(f["geometry"])[3] for f in PARCELS)
    lon, lat = west - 0.0015, (south + north) / 2
    assert parcels_at(lon, lat) == []
    open_map(browser, server, view=(lon, lat, 17))
    click_at(browser, lon, lat)
    browser.wait_for("document.querySelector('#lookup-result [data-field=\"no-parcel\"]')")


def test_keyboard_enter_on_the_map_looks_up_its_centre(browser, server):
    require_endpoint(server, "/lookup?lon=51.41&lat=35.70")
    feature, lon, lat = known_parcel()
    open_map(browser, server, view=(lon, lat, 18))
    browser.evaluate("document.getElementById('map').focus()")
    browser.press("Enter", text="\r")
    browser.wait_for("document.querySelector('#lookup-result [data-field=\"parcel-id\"]')")
    assert text_of(browser, '#lookup-result [data-field="parcel-id"]') == feature_id(feature)


def test_nearest_tool_draws_the_k_nearest_in_order(browser, server):
    require_endpoint(server, "/nearest?lon=51.41&lat=35.70&k=1&category=hospital")
    _, lon, lat = known_parcel()
    open_map(browser, server, view=(lon, lat, 17))
    browser.evaluate(f"void zamin.map.fire('click', {{latlng: L.latLng({lat}, {lon})}})")
    browser.evaluate("document.getElementById('tab-nearest').click()")
    browser.evaluate("document.getElementById('nearest-category').value = 'hospital'; document.getElementById('nearest-k').value = '3'")
    browser.evaluate("document.querySelector('#nearest-form button[type=submit]').click()")
    ids = browser.wait_for(
        "(() => { const ids = [...document.querySelectorAll('#nearest-result li')].map(li => li.dataset.facilityId); return ids.length ? ids : null; })()")
    hospitals = sorted((haversine_m(lon, lat, *f["geometry"]["coordinates"]), feature_id(f))
                       for f in FACILITIES if f["properties"]["category"] == "hospital")
    assert len(ids) == 3
    assert ids[0] == hospitals[0][1]
    assert browser.evaluate("document.querySelectorAll('path.nearest-result').length") == 3


def test_every_control_has_a_label_and_tabs_work_from_the_keyboard(browser, server):
    open_map(browser, server)
    unlabelled = browser.evaluate("""[...document.querySelectorAll('input, select, textarea, button')].filter(c => {
        if (c.type === 'hidden') return false;
        if (c.labels && c.labels.length) return false;
        if (c.getAttribute('aria-label') || c.getAttribute('aria-labelledby')) return false;
        if (c.tagName === 'BUTTON' && c.textContent.trim()) return false;
        return true; }).map(c => c.outerHTML)""")
    assert unlabelled == []
    assert browser.evaluate("document.getElementById('map').tabIndex") == 0
    browser.evaluate("document.getElementById('tab-plot').focus()")
    browser.press("ArrowLeft")  # right-to-left: the next tab is to the left
    assert browser.evaluate("document.activeElement.id") == "tab-nearest"
    assert browser.evaluate("!document.getElementById('section-nearest').hidden && document.getElementById('section-plot').hidden")


def test_readable_on_a_phone_sized_screen(browser, server):
    browser.resize(390, 844, mobile=True)
    try:
        open_map(browser, server)
        assert browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        map_box, panel_box = browser.evaluate(
            "['map', 'panel'].map(id => { const r = document.getElementById(id).getBoundingClientRect(); return [r.left, r.top, r.width, r.bottom]; })")
        assert panel_box[1] >= map_box[3] - 1, "the panel goes below the map"
        assert map_box[2] >= 380 and panel_box[2] >= 380
        assert browser.evaluate("parseFloat(getComputedStyle(document.querySelector('input')).fontSize)") >= 16
    finally:
        browser.resize(1100, 750)


def test_zoning_check_form_shows_the_verdict(browser, server):
    require_endpoint(server, "/zoning-check?parcel=P-000001&use=residential&floors=1")
    open_map(browser, server)
    browser.evaluate("document.getElementById('tab-check').click()")
    browser.evaluate("document.getElementById('check-parcel').value = 'P-000001';"
                     " document.getElementById('check-use').value = 'residential';"
                     " document.getElementById('check-floors').value = '60'")
    browser.evaluate("document.querySelector('#check-form button[type=submit]').click()")
    browser.wait_for("document.querySelector('#check-result [data-field=verdict]')")
    # 60 floors exceeds every zone's maximum in zoning_rules.json.
    assert browser.evaluate("document.querySelector('#check-result [data-field=verdict]').dataset.verdict") == "notAllowed"
    assert browser.evaluate("document.querySelectorAll('#check-result tbody tr').length") >= 1


def test_request_form_shows_a_tracking_code_and_the_tracking_page_its_status(browser, server):
    require_endpoint(server, "/requests", method="POST")  # an empty request: 400 once the route exists
    open_map(browser, server)
    browser.evaluate("document.getElementById('tab-request').click()")
    values = {"request-parcel": "P-000002", "request-floors": "2", "request-name": "آزمون مرورگر",
              "request-national-id": "0013542419", "request-phone": "09121234567", "request-description": "e2e"}
    for field, value in values.items():
        browser.evaluate(f"document.getElementById({json.dumps(field)}).value = {json.dumps(value)}")
    browser.evaluate("document.querySelector('#request-form button[type=submit]').click()")
    code = browser.wait_for("(() => { const e = document.querySelector('[data-field=tracking-code]'); return e && e.textContent.trim(); })()")
    browser.evaluate("document.getElementById('tab-track').click()")
    assert browser.evaluate("document.getElementById('track-code').value") == code
    browser.evaluate("document.querySelector('#track-form button[type=submit]').click()")
    browser.wait_for("document.querySelector('#track-result [data-field=status]')")
    assert text_of(browser, "#track-result [data-field=status]") == "ثبت‌شده"


def planner_key(server):
    """A planner key made with `zamin keys create` on the server's database; skips before it exists."""
    from conftest import ZAMIN, database_args
    import subprocess
    result = subprocess.run([ZAMIN, "keys", "create", *database_args(server.db), "--role", "planner", "--name", "e2e-webmap"],
                            capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        pytest.skip("`zamin keys create` is not in this build yet")
    return result.stdout.strip().split()[-1]


def file_request(server, parcel_id):
    body = json.dumps({"parcel_id": parcel_id, "kind": "construction_permit", "requested_use": "residential",
                       "requested_floors": 2, "description": "e2e planner view",
                       "applicant": {"name": "آزمون", "national_id": "0013542419", "phone": "09121234567"}}).encode()
    request = urllib.request.Request(server.base + "/requests", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def test_planner_view_keeps_the_key_in_the_session_decides_and_shows_statistics(browser, server):
    require_endpoint(server, "/stats/land-use")
    key = planner_key(server)
    filed = file_request(server, "P-000003")
    feature = next(f for f in PARCELS if feature_id(f) == "P-000003")
    lon, lat = interior_point(feature)
    open_map(browser, server, view=(lon, lat, 17))
    browser.evaluate("document.getElementById('tab-planner').click()")
    browser.evaluate(f"document.getElementById('planner-key').value = {json.dumps(key)}")
    browser.evaluate("document.querySelector('#planner-sign-in button[type=submit]').click()")
    assert browser.evaluate("sessionStorage.getItem('zamin.plannerKey')") == key
    assert browser.evaluate("localStorage.length") == 0
    assert browser.evaluate("document.getElementById('planner-key').value") == ""
    # Land use in the view: between the parcels whose centre is in it and those whose box touches it.
    counts = browser.wait_for(
        "(() => { const c = document.querySelector('[data-field=land-use-stats] tfoot td'); return c ? c.textContent : null; })()")
    total = int(counts.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")).replace("٬", "").replace(",", ""))
    view = view_bounds(browser)
    touching = sum(1 for f in PARCELS if boxes_intersect(bbox(f["geometry"]), view))
    assert 0 < total <= touching
    # The filed request is in the queue; approving it with a reason shows in its tracking page.
    card = f'[data-request-id="{filed["id"]}"]'
    browser.wait_for(f"document.querySelector({json.dumps(card)})")
    browser.evaluate(f"document.querySelector({json.dumps(card + ' textarea')}).value = 'e2e: approved'")
    approve = browser.evaluate(
        f"[...document.querySelectorAll({json.dumps(card + ' button')})].findIndex(b => b.textContent === 'تأیید')")
    assert approve >= 0
    browser.evaluate(f"document.querySelectorAll({json.dumps(card + ' button')})[{approve}].click()")
    browser.wait_for(f"!document.querySelector({json.dumps(card)})")  # left the 'submitted' queue
    with urllib.request.urlopen(f"{server.base}/requests/{filed['tracking_code']}", timeout=10) as response:
        assert json.load(response)["status"] == "approved"


def test_search_box_finds_a_persian_name_typed_with_arabic_letters(browser, server):
    require_endpoint(server, "/search?q=x")
    open_map(browser, server)
    browser.evaluate("document.getElementById('tab-search').click()")
    browser.evaluate("document.getElementById('search-query').value = 'بيمارستان'")  # Arabic yeh
    browser.evaluate("document.querySelector('#search-form button[type=submit]').click()")
    labels = browser.wait_for(
        "(() => { const b = [...document.querySelectorAll('#search-result li button')].map(b => b.textContent); return b.length ? b : null; })()")
    hospitals = {f["properties"]["name_fa"] for f in FACILITIES if "بیمارستان" in (f["properties"]["name_fa"] or "")}
    assert labels[0] in hospitals
    browser.evaluate("document.querySelector('#search-result li button').click()")
    browser.wait_for("document.querySelector('path.chosen-point')")


def test_an_optional_tile_url_adds_a_background_layer(browser, server):
    template = f"{server.base}/web/vendor/leaflet/images/layers.png?z={{z}}&x={{x}}&y={{y}}"
    open_map(browser, server, query="?tiles=" + urllib.parse.quote(template, safe=""))
    sources = browser.wait_for(
        "(() => { const s = [...document.querySelectorAll('img.leaflet-tile')].map(i => i.src); return s.length ? s : null; })()")
    assert all(source.startswith(f"{server.base}/web/vendor/leaflet/images/layers.png?z=") for source in sources)
    # Without the parameter there is no tile layer at all: nothing is fetched from a tile server.
    open_map(browser, server)
    assert browser.evaluate("document.querySelectorAll('img.leaflet-tile').length") == 0
