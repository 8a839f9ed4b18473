"""The web map in a real browser: headless Chromium (Debian `chromium`) driven over the DevTools
protocol against a real `zamin serve`. Every assertion reads the rendered page (the DOM, the
pixels of the vector tiles' canvases, `zamin.vectorTiles.drawn()`); what it should show comes
from GeoData/*/ read here with `json`, never from the server:

* parcels, zones and facilities at a point: an independent point-in-polygon (webmap_oracle.py);
* what the vector tiles on screen hold: the tiles of the view from `morecantile`'s
  WebMercatorQuad, the GeoJSON projected by pyproj into each tile's units (extent 4096, y down,
  a 64-unit buffer) and measured by shapely, with the rules of VectorTileQueries.swift written
  again here: zones under 14 units left out; parcels under 46 units counted in the 16-unit
  land-use cell of their box's middle, in the one tile holding it, with the use most of them
  have (ties: alphabetical); facilities one per category and 64-unit cell standing for the
  others there, each drawn by the tile holding it (not by those whose buffer it is in);
* colours: the land-use and conformity palettes written below, and a parcel's conformity
  computed from zoning_rules.json (its use in allowed_uses: conforming; in conditional_uses:
  conditional; else non_conforming);
* the page's own MVT decoder against the PyPI `mapbox-vector-tile` package on the same bytes."""
import base64
import json
import math
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from functools import cache

import mapbox_vector_tile
import morecantile
import numpy as np
import pyproj
import pytest
import shapely
from shapely.affinity import affine_transform
from shapely.geometry import box, shape
from shapely.ops import polylabel

from conftest import GEODATA, Server, import_dataset
from webmap_oracle import (FACILITIES, PARCELS, TEHRAN, ZONES, bbox, boxes_intersect, feature_id, haversine_m,
                           interior_point, known_parcel, load, parcels_at, parcels_middle, zones_at)

HELSINKI = GEODATA / "helsinki"

# ---------- the vector tiles on screen, from the GeoJSON (VectorTileQueries.swift's rules) ----------
TMS = morecantile.tms.get("WebMercatorQuad")
TO_3857 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
EXTENT, BUFFER, PIXEL = 4096, 64, 16  # a tile's units, its buffer, a 256-pixel tile's pixel
SMALL_PARCEL = 46                     # parcels under 46 units both ways are counted in land-use cells
SPECK = 14                            # zones under 14 units both ways are left out
FACILITY_CELL = 64                    # one facility per category and 64-unit cell stands for the others


def metres_per_pixel(zoom):
    """EPSG:3857 metres per CSS pixel of a 256-pixel tile at `zoom`."""
    return 2 * math.pi * 6378137 / 256 / 2 ** zoom


def to_3857(geometry):
    return shapely.transform(geometry, lambda xy: np.column_stack(TO_3857.transform(xy[:, 0], xy[:, 1])))


@cache
def projected(city, layer):
    """(features, their shapely geometries in EPSG:3857) of a GeoData layer."""
    features = load(layer, city)
    return features, [to_3857(shape(f["geometry"])) for f in features]


def screen_tiles(view, zoom):
    """The tiles of WebMercatorQuad at `zoom` that the view (west, south, east, north) touches."""
    return list(TMS.tiles(*view, [zoom]))


def tile_matrix(tile):
    """The affine map from EPSG:3857 to the tile's units (shapely's affine_transform order)."""
    b = TMS.xy_bounds(tile)
    scale = EXTENT / (b.right - b.left)
    return [scale, 0, 0, -scale, -b.left * scale, b.top * scale]


def units(tile, lon, lat):
    x, y = TO_3857.transform(lon, lat)
    a, _, _, d, e, f = tile_matrix(tile)
    return a * x + e, d * y + f


def lon_lat(tile, u, v):
    a, _, _, d, e, f = tile_matrix(tile)
    return TO_3857.transform((u - e) / a, (v - f) / d, direction="INVERSE")


def in_tile_units(geometry, tile):
    return affine_transform(geometry, tile_matrix(tile))


def swift_round(x):
    """Swift's `rounded()`: halves away from zero."""
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


def near_half(x):
    return abs(x - math.floor(x) - 0.5) < 1e-4


def solid_in(geometry, area):
    """Whether a piece of `geometry` inside `area` is surely drawn: a pixel and more along its box
    and over 2 units thick, so that neither the 16-unit minimum nor rounding can drop it."""
    clipped = geometry.intersection(area)
    for part in getattr(clipped, "geoms", [clipped]):
        if part.geom_type == "Polygon" and not part.is_empty:
            minx, miny, maxx, maxy = part.bounds
            if max(maxx - minx, maxy - miny) >= PIXEL + 1 and 2 * part.area / part.length >= 2:
                return True
    return False


def polygons_expected(tiles, city, layer, key):
    """(must, may): the values of `key` of the polygons that a tile on screen surely holds (a solid
    piece inside it), and of those it may hold (touching its widened square, not a speck)."""
    features, geometries = projected(city, layer)
    must, may = set(), set()
    inside, widened = box(0, 0, EXTENT, EXTENT), box(-BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
    for feature, geometry in zip(features, geometries):
        for tile in tiles:
            local = in_tile_units(geometry, tile)
            minx, miny, maxx, maxy = local.bounds
            if max(maxx - minx, maxy - miny) < SPECK - 1 or local.distance(widened) > 0.5:
                continue
            may.add(key(feature))
            if solid_in(local, inside):
                must.add(key(feature))
    return must, may


def facilities_drawn(tiles, features):
    """(tile, facility, u, v) of the facilities whose markers the tiles on screen draw: each tile
    those at a position inside it once rounded to whole units (as the encoder writes it), not
    those of its buffer, which its neighbour draws. (Thinning keeps this whole: its 64-unit
    cells divide the tile, so a facility and those it stands for are in the same tile.)"""
    found = []
    for tile in tiles:
        for feature in features:
            u, v = units(tile, *feature["geometry"]["coordinates"])
            assert not any(near_half(c) and swift_round(c) in (0, EXTENT) for c in (u, v)), \
                f"{feature_id(feature)} lies on the edge of tile {tile}: pick another view"
            if 0 <= swift_round(u) < EXTENT and 0 <= swift_round(v) < EXTENT:
                found.append((tile, feature, u, v))
    return found


def land_use_cells(tiles, parcels):
    """The land-use cells of the tiles on screen: (tile, column, row) -> the uses of the parcels
    whose box's middle it holds (rounded to whole units as the server does), and whether a
    middle lies on a rounding edge (then the cell is left out of exact comparisons)."""
    cells = {}
    for feature in parcels:
        west, south, east, north = bbox(feature["geometry"])
        for tile in tiles:
            u, v = units(tile, (west + east) / 2, (south + north) / 2)
            x, y = swift_round(u), swift_round(v)
            if 0 <= x < EXTENT and 0 <= y < EXTENT:
                cell = cells.setdefault((tile, x // PIXEL, y // PIXEL), {"uses": [], "unsure": False})
                cell["uses"].append(feature["properties"].get("current_use"))
                cell["unsure"] |= near_half(u) or near_half(v)
    return cells


def most(values):
    """The most frequent value; ties: the first in alphabetical (code) order."""
    counts = Counter(v for v in values if v is not None)
    top = max(counts.values())
    return min(value for value, n in counts.items() if n == top)


def deep_points(zoom, view, margin_px):
    """(feature, lon, lat, radius in pixels) of each parcel whose pole of inaccessibility (the
    interior point farthest from its outline: shapely's polylabel in EPSG:3857, the screen's
    scale) lies in the view (west, south, east, north), `margin_px` inside its edges."""
    pixel = metres_per_pixel(zoom)
    (west, east), (south, north) = TO_3857.transform([view[0], view[2]], [view[1], view[3]])
    margin = margin_px * pixel
    points = []
    for feature, geometry in zip(*projected(TEHRAN, "parcels")):
        minx, miny, maxx, maxy = geometry.bounds
        if maxx < west or minx > east or maxy < south or miny > north:
            continue
        pole = polylabel(geometry, tolerance=pixel / 20)
        if west + margin < pole.x < east - margin and south + margin < pole.y < north - margin:
            lon, lat = TO_3857.transform(pole.x, pole.y, direction="INVERSE")
            points.append((feature, lon, lat, pole.distance(geometry.exterior) / pixel))
    return points


# The page's palettes (map.js): land uses in planners' colours, conformity in traffic-light colours.
USE_COLOURS = {
    "residential": "#f3d250", "commercial": "#e0474c", "mixed": "#f08c4a", "office": "#b46fb5", "industrial": "#8f86b8",
    "education": "#4f8fd6", "health": "#33a9b5", "green": "#58b368", "religious": "#a1806b", "vacant": "#d5d5d5",
}
CONFORMITY_COLOURS = {"conforming": "#1a9641", "conditional": "#f4a340", "non_conforming": "#d7191c"}
NO_CONFORMITY_COLOUR = "#bdbdbd"
RULES = json.loads((TEHRAN / "zoning_rules.json").read_text(encoding="utf-8"))["zones"]


def conformity(feature):
    """A parcel's current use against the rules of the zone code that governs it (its own
    zone_code, else that of the zone holding its interior point); None without use or rules."""
    properties = feature["properties"]
    code = properties.get("zone_code") or next(iter(zones_at(*interior_point(feature))), None)
    rule, use = RULES.get(code), properties.get("current_use")
    if rule is None or use is None:
        return None
    if use in rule["allowed_uses"]:
        return "conforming"
    return "conditional" if use in rule["conditional_uses"] else "non_conforming"


def same_colour(pixel, colour):
    """Whether a canvas pixel [r, g, b, a] is opaque and of the colour #rrggbb."""
    return pixel == [int(colour[i:i + 2], 16) for i in (1, 3, 5)] + [255]


# ---------- fixtures ----------
@pytest.fixture(scope="module")
def helsinki_server(tmp_path_factory):
    """Helsinki (OpenStreetMap: 1,773 facilities, land-use areas often without a name) served
    from a database of its own, stopped by its PID at the end of the module."""
    folder = tmp_path_factory.mktemp("webmap-helsinki")
    result = import_dataset(folder / "zamin.db", HELSINKI)
    assert result.returncode == 0, result.stderr
    server = Server(folder / "zamin.db", folder / "serve.log")
    try:
        yield server.start()
    finally:
        if server.process is not None:
            server.stop()


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
    # From a blank page: a URL that differs from the current one only in its fragment would not
    # load the page again, and a test would inherit the previous one's switches and colours.
    browser.open("about:blank")
    browser.open(f"{server.base}/{query}{fragment}")
    browser.wait_for("window.zamin && window.zamin.map")
    if view:
        # The page reads the fragment after the map exists: wait until the view is the one asked for.
        browser.wait_for(f"zamin.map.getZoom() === {view[2]}")


def view_bounds(browser):
    return browser.evaluate(
        "(() => { const b = zamin.map.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()")


def wait_tiles(browser):
    """Waits until every vector tile on screen is loaded and painted (the tiles of the view by
    morecantile); answers them and `zamin.vectorTiles.drawn()`."""
    zoom = browser.evaluate("zamin.map.getZoom()")
    tiles = screen_tiles(view_bounds(browser), zoom)
    browser.wait_for(f"(d => d.zoom === {zoom} && d.tiles === {len(tiles)})(zamin.vectorTiles.drawn())"
                     " && !zamin.vectorTiles.isLoading()")
    return tiles, browser.evaluate("zamin.vectorTiles.drawn()")


# Where (lon, lat) is on the screen, in CSS pixels: Leaflet's own projection without the rounding
# of latLngToContainerPoint, so that a point is the pixel it is on, not a neighbour.
SCREEN_POINT = """((lon, lat) => {
  const map = zamin.map;
  const p = map.layerPointToContainerPoint(map.project([lat, lon]).subtract(map.getPixelOrigin()));
  const r = map.getContainer().getBoundingClientRect();
  return [r.left + p.x, r.top + p.y]; })"""

# The pixel of the vector tiles' canvas under a screen point: the canvas of the current zoom's
# level (Leaflet gives it the highest z-index) whose box holds the point, read with getImageData.
PIXEL_AT = """((x, y) => {
  const under = [...document.querySelectorAll('canvas.zamin-vector-tile')].filter((c) => {
    const b = c.getBoundingClientRect(); return b.left <= x && x < b.right && b.top <= y && y < b.bottom; });
  if (!under.length) return null;
  const level = (c) => Number(c.parentNode.style.zIndex || 0);
  const canvas = under.sort((a, b) => level(b) - level(a))[0];
  const b = canvas.getBoundingClientRect();
  const px = Math.floor((x - b.left) * canvas.width / b.width), py = Math.floor((y - b.top) * canvas.height / b.height);
  return [...canvas.getContext('2d').getImageData(px, py, 1, 1).data]; })"""


def screen_points(browser, points):
    return browser.evaluate(f"{json.dumps(points)}.map(([lon, lat]) => {SCREEN_POINT}(lon, lat))")


def pixels(browser, points):
    """[r, g, b, a] of the canvas under each (lon, lat)."""
    return browser.evaluate(f"{json.dumps(points)}.map(([lon, lat]) => {PIXEL_AT}(...{SCREEN_POINT}(lon, lat)))")


def clear_of_markers(browser, points, drawn, distance=20):
    """For each (lon, lat), whether it is more than `distance` pixels from every facility marker
    drawn: featureAt answers a marker within its radius (13 pixels at most) and 2 more."""
    markers = screen_points(browser, [[m["lon"], m["lat"]] for m in drawn["markers"]])
    return [all(math.hypot(x - mx, y - my) > distance for mx, my in markers) for x, y in screen_points(browser, points)]


def click_at(browser, lon, lat):
    """A real mouse click on the screen pixel of (lon, lat)."""
    browser.evaluate("document.getElementById('map').scrollIntoView({block: 'nearest'})")
    [[x, y]] = screen_points(browser, [[lon, lat]])
    browser.click(x, y)


def click_element(browser, selector):
    """A real mouse click in the middle of an element (a checkbox, a radio button)."""
    x, y = browser.evaluate(
        f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.scrollIntoView({{block: 'center'}});"
        f" const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; }})()")
    browser.click(x, y)


def text_of(browser, selector):
    return browser.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); return e ? e.textContent.trim() : null; }})()")


def legend(browser, list_id, attribute):
    """[(value of the attribute, text)] of the entries of a legend list, in their order."""
    return browser.evaluate(
        f"[...document.querySelectorAll('#{list_id} li')].map(li => [li.getAttribute('{attribute}'), li.textContent.trim()])")


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
    open_map(browser, server)  # the district, fitted to the screen
    tiles, drawn = wait_tiles(browser)
    # Zones: every one with a solid piece in a tile on screen, none that misses the tiles (and
    # their buffers) or is under a pixel.
    must, may = polygons_expected(tiles, TEHRAN, "zones", feature_id)
    drawn_zones = {z["id"] for z in drawn["layers"]["zones"]}
    assert len(must) >= 10
    assert must <= drawn_zones <= may, (sorted(must - drawn_zones), sorted(drawn_zones - may))
    # The legend: each code of the zones drawn once, in order, "code — name" from zones.geojson.
    names = {f["properties"]["code"]: f["properties"]["name_fa"] for f in ZONES}
    codes = sorted({f["properties"]["code"] for f in ZONES if feature_id(f) in drawn_zones})
    assert legend(browser, "zone-legend", "data-zone-code") == [[code, f"{code} — {names[code]}"] for code in codes]
    # Zones of different codes are filled with different colours.
    swatches = browser.evaluate("[...document.querySelectorAll('#zone-legend li .swatch')].map(s => getComputedStyle(s).backgroundColor)")
    assert len(set(swatches)) == len(codes)
    # Facilities: the markers (clustered at this zoom) stand for every facility in the tiles on
    # screen, each once, and no other; the category legend lists exactly their categories.
    held = facilities_drawn(tiles, FACILITIES)
    assert 0 < len(held) <= 500
    assert sum(m["count"] for m in drawn["markers"]) == len(held)
    assert len(drawn["markers"]) < len(held)
    assert {i for m in drawn["markers"] for i in m["ids"]} <= {feature_id(f) for _, f, _, _ in held}
    assert {c for c, _ in legend(browser, "category-legend", "data-category")} == {f["properties"]["category"] for _, f, _, _ in held}
    # Parcels are in the tiles; their SVG outlines wait for a closer zoom.
    assert drawn["zoom"] < 17 and drawn["layers"]["parcels"]
    assert browser.evaluate("document.querySelectorAll('path[data-parcel-id]').length") == 0


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


# ---------- the city from vector tiles (issue 19) ----------
def test_city_scale_view_draws_every_parcel_from_the_tiles(browser, server):
    """Issue 19 point 4: at zoom 11 the whole district is a few dozen pixels across, every parcel
    under three pixels: the tiles count each once, in the land-use cell of its box's middle in
    the one tile holding it (cells never reach into the buffer), and paint the cell in the
    colour of the use most of its parcels have."""
    open_map(browser, server, view=(*parcels_middle(), 11))
    tiles, drawn = wait_tiles(browser)
    cells = land_use_cells(tiles, PARCELS)
    unit = 16 / metres_per_pixel(11)  # tile units per EPSG:3857 metre
    sizes = shapely.bounds(projected(TEHRAN, "parcels")[1])
    assert (np.maximum(sizes[:, 2] - sizes[:, 0], sizes[:, 3] - sizes[:, 1]) * unit < SMALL_PARCEL - 1).all()
    assert sum(len(cell["uses"]) for cell in cells.values()) == len(PARCELS), "the view does not hold the district"
    parcels = drawn["layers"]["parcels"]
    alone = {p["id"] for p in parcels if "id" in p}
    assert parcels and not alone
    assert sum(p["parcels"] for p in parcels if "id" not in p) + len(alone) == len(PARCELS)
    # The canvas: each cell (a pixel at this zoom) in the colour of the use most of its parcels have.
    sure = [(key, most(cell["uses"])) for key, cell in cells.items() if not cell["unsure"]]
    got = pixels(browser, [lon_lat(tile, (column + 0.5) * PIXEL, (row + 0.5) * PIXEL) for (tile, column, row), _ in sure])
    wrong = [(key, use, pixel) for (key, use), pixel in zip(sure, got) if not same_colour(pixel, USE_COLOURS[use])]
    assert len(sure) > 1000 and not wrong, (len(wrong), wrong[:5])
    # The cells around them (within the district's box) hold no parcel: nothing opaque there.
    unsure = {key for key, cell in cells.items() if cell["unsure"]}
    empty = []
    for tile in tiles:
        columns = [c for (t, c, _) in cells if t == tile]
        rows = [r for (t, _, r) in cells if t == tile]
        for column in range(min(columns, default=0), max(columns, default=-1) + 1):
            for row in range(min(rows), max(rows) + 1):
                near = {(tile, column + dc, row + dr) for dc in (-1, 0, 1) for dr in (-1, 0, 1)}
                if (tile, column, row) not in cells and not near & unsure:
                    empty.append(lon_lat(tile, (column + 0.5) * PIXEL, (row + 0.5) * PIXEL))
    painted = [pixel for pixel in pixels(browser, empty) if pixel is None or pixel[3] == 255]
    assert len(empty) > 50 and not painted, painted[:5]
    # The legend: the uses of the cells drawn, each once.
    uses = [u for u, _ in legend(browser, "parcel-legend", "data-use")]
    assert sorted(uses) == sorted(set(uses)) and {use for _, use in sure} <= set(uses) <= set(USE_COLOURS)


def street_view(browser, server, lon, lat, margin_px=10, radius_px=4):
    """The map at zoom 17 over (lon, lat): the tiles, `drawn()`, and the deep interior points of
    the parcels there (in only that parcel, `radius_px` from its outline). Facility markers are
    circles above the canvases: they hide none of its pixels."""
    open_map(browser, server, view=(lon, lat, 17))
    tiles, drawn = wait_tiles(browser)
    points = [p for p in deep_points(17, view_bounds(browser), margin_px)
              if p[3] >= radius_px and parcels_at(p[1], p[2]) == [feature_id(p[0])]]
    return tiles, drawn, points


def test_street_scale_parcels_are_painted_by_use_then_by_conformity(browser, server):
    """At zoom 17 the canvas pixel deep inside each parcel is the colour of its current use in
    parcels.geojson; after a click on "conformity", the colour of that use against the rules of
    its zone in zoning_rules.json, and the legend lists the conformity classes, not the uses."""
    _, lon, lat = known_parcel()
    tiles, drawn, points = street_view(browser, server, lon, lat)
    assert len(points) >= 50 and len({f["properties"]["current_use"] for f, *_ in points}) >= 4
    got = pixels(browser, [[lon, lat] for _, lon, lat, _ in points])
    wrong = [(feature_id(f), f["properties"]["current_use"], pixel) for (f, *_), pixel in zip(points, got)
             if not same_colour(pixel, USE_COLOURS[f["properties"]["current_use"]])]
    assert not wrong, wrong[:5]
    must, may = polygons_expected(tiles, TEHRAN, "parcels", lambda f: f["properties"]["current_use"])
    assert must <= {u for u, _ in legend(browser, "parcel-legend", "data-use")} <= may
    # Conformity: the same pixels in the colour of each parcel's use against its zone's rules.
    click_element(browser, "#colour-by-conformity")
    expected = [conformity(f) for f, *_ in points]
    assert len(set(expected)) >= 2, Counter(expected)
    got = pixels(browser, [[lon, lat] for _, lon, lat, _ in points])
    wrong = [(feature_id(f), value, pixel) for (f, *_), value, pixel in zip(points, expected, got)
             if not same_colour(pixel, CONFORMITY_COLOURS.get(value, NO_CONFORMITY_COLOUR))]
    assert not wrong, wrong[:5]
    assert browser.evaluate("document.querySelectorAll('#parcel-legend li[data-use]').length") == 0
    assert {value for value, _ in legend(browser, "parcel-legend", "data-conformity")} == set(CONFORMITY_COLOURS)
    # And back.
    click_element(browser, "#colour-by-use")
    feature, lon, lat, _ = points[0]
    assert same_colour(pixels(browser, [[lon, lat]])[0], USE_COLOURS[feature["properties"]["current_use"]])


def test_clicking_a_parcel_drawn_by_the_tiles_opens_its_lookup(browser, server):
    """Issue 19 point 4 at zoom 14, where no SVG parcel is drawn: a real click on a parcel the
    tiles draw alone (47 units and more across) looks it up, and featureAt finds it there."""
    require_endpoint(server, "/lookup?lon=51.41&lat=35.70")
    open_map(browser, server, view=(*parcels_middle(), 14))
    tiles, drawn = wait_tiles(browser)
    assert browser.evaluate("document.querySelectorAll('path[data-parcel-id]').length") == 0
    unit = 16 / metres_per_pixel(14)
    alone = {feature_id(f) for f, g in zip(*projected(TEHRAN, "parcels"))
             if max(g.bounds[2] - g.bounds[0], g.bounds[3] - g.bounds[1]) * unit >= SMALL_PARCEL + 1}
    # Away from the zoom buttons and the attribution, 2.5 pixels inside the outline at least.
    points = [p for p in deep_points(14, view_bounds(browser), 90)
              if p[3] >= 2.5 and feature_id(p[0]) in alone and parcels_at(p[1], p[2]) == [feature_id(p[0])]]
    points = [p for p, ok in zip(points, clear_of_markers(browser, [[p[1], p[2]] for p in points], drawn)) if ok]
    assert points, "no parcel to click at zoom 14"
    feature, lon, lat, _ = max(points, key=lambda p: p[3])
    click_at(browser, lon, lat)
    browser.wait_for("document.querySelector('#lookup-result [data-field=\"parcel-id\"]')")
    assert text_of(browser, '#lookup-result [data-field="parcel-id"]') == feature_id(feature)
    assert text_of(browser, '#lookup-result [data-field="zone-code"]') == zones_at(lon, lat)[0]
    hit = browser.evaluate(f"zamin.vectorTiles.featureAt(L.latLng({lat}, {lon}))")
    assert hit and hit["layer"] == "parcels" and hit["properties"]["id"] == feature_id(feature), hit


def busiest_street_view():
    """The facility with the most others within a street-scale view (about 540 × 400 m) around it."""
    points = [f["geometry"]["coordinates"] for f in FACILITIES]
    return max(points, key=lambda a: sum(1 for b in points if abs(b[0] - a[0]) < 0.003 and abs(b[1] - a[1]) < 0.0018))


def test_facility_markers_at_street_scale(browser, server):
    """At zoom 17 markers are not clustered: a marker for each facility in the tiles on screen,
    but for those of one category in one 64-unit cell, one of which stands for them all with
    their number; a circle at its place in its category's colour, one colour per category; the
    legend lists the categories drawn."""
    tiles, drawn, _ = street_view(browser, server, *busiest_street_view())
    held = facilities_drawn(tiles, FACILITIES)
    groups = {}
    for tile, f, u, v in held:
        cell = (tile, f["properties"]["category"], swift_round(u) // FACILITY_CELL, swift_round(v) // FACILITY_CELL)
        groups.setdefault(cell, []).append(feature_id(f))
    markers = drawn["markers"]
    assert len(held) >= 8 and all(len(m["ids"]) == 1 for m in markers)
    assert len(markers) == len(groups)
    counts = {m["ids"][0]: m["count"] for m in markers}
    assert len(counts) == len(markers)
    for members in groups.values():
        [shown] = [i for i in members if i in counts]
        assert counts[shown] == len(members), (members, counts[shown])
    # One colour per category, a different one for each.
    category = {feature_id(f): f["properties"]["category"] for f in FACILITIES}
    colour_of = {m["ids"][0]: m["colour"] for m in markers}
    colours = {}
    for i, colour in colour_of.items():
        colours.setdefault(category[i], set()).add(colour)
    assert len(colours) >= 3 and all(len(c) == 1 for c in colours.values()), colours
    assert len({c for (c,) in colours.values()}) == len(colours)
    assert {c for c, _ in legend(browser, "category-legend", "data-category")} == set(colours)
    # Drawn: a circle for each marker; on the map, each centred on its facility's place in the
    # GeoJSON (within a pixel: Leaflet rounds) and filled with its colour.
    circles = browser.evaluate("[...document.querySelectorAll('path.facility, path.facility-cluster')].map(p => {"
                               " const r = p.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2, p.getAttribute('fill')]; })")
    assert len(circles) == len(markers)
    left, top, right, bottom = browser.evaluate(
        "(() => { const r = zamin.map.getContainer().getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })()")
    where = {feature_id(f): f["geometry"]["coordinates"] for f in FACILITIES}
    places = dict(zip(colour_of, screen_points(browser, [where[i] for i in colour_of])))
    visible = [i for i, (x, y) in places.items() if left + 2 < x < right - 2 and top + 2 < y < bottom - 2]
    assert len(visible) >= 5
    for i in visible:
        x, y = places[i]
        match = next((c for c in circles if math.hypot(c[0] - x, c[1] - y) <= 1 and c[2] == colour_of[i]), None)
        assert match, (i, category[i], colour_of[i], x, y, circles)
        circles.remove(match)


def test_city_view_of_helsinki_clusters_facilities_and_names_zones_by_code(browser, helsinki_server):
    """Helsinki at zoom 12: its 1,773 facilities in a handful of clustered markers whose numbers
    add up to them all; OpenStreetMap's land-use areas mostly have no name, or a place's own, and
    the legend then shows the code alone ("basin", not "basin — ")."""
    facilities = load("facilities", HELSINKI)
    lons, lats = zip(*(f["geometry"]["coordinates"] for f in facilities))
    open_map(browser, helsinki_server, view=((min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2, 12))
    tiles, drawn = wait_tiles(browser)
    # Every facility is in a tile on screen, once; the markers, clustered, stand for them all.
    held = facilities_drawn(tiles, facilities)
    assert sorted(f["properties"]["osm_ref"] for _, f, _, _ in held) == sorted(f["properties"]["osm_ref"] for f in facilities)
    markers = drawn["markers"]
    assert 0 < len(markers) <= len(facilities) / 20, len(markers)
    assert sum(m["count"] for m in markers) == len(held)
    # Zone legend: the land-use codes drawn; "code — name" where the areas of the code drawn all
    # have one name, else (no name, or each area its own place's name) the code alone.
    must, may = polygons_expected(tiles, HELSINKI, "landuse", lambda f: (f["properties"]["landuse"], f["properties"].get("name")))
    entries = dict(legend(browser, "zone-legend", "data-zone-code"))
    assert {code for code, _ in must} <= set(entries) <= {code for code, _ in may}
    for code, text in entries.items():
        surely, maybe = {n for c, n in must if c == code}, {n for c, n in may if c == code}
        if len(maybe) == 1 and None not in maybe:
            assert text == f"{code} — {maybe.pop()}", (code, text)
        elif len(surely) > 1 or maybe == {None}:
            assert text == code, (code, text, maybe)
    assert entries["basin"] == "basin" and {n for c, n in may if c == "basin"} == {None}
    assert any(text == code and len({n for c, n in must if c == code}) > 1 for code, text in entries.items())


def page_decoding(browser, path):
    """A tile fetched and decoded in the page: its bytes (base64) and ZaminVectorTiles.decode's answer."""
    return browser.evaluate(
        f"fetch({json.dumps(path)}).then(r => r.arrayBuffer()).then(buffer => {{ const bytes = new Uint8Array(buffer);"
        " let text = ''; for (const byte of bytes) text += String.fromCharCode(byte);"
        " return {bytes: btoa(text), layers: ZaminVectorTiles.decode(bytes)}; })")


def as_parts(geometry):
    """mapbox-vector-tile's GeoJSON-like geometry as the page's (type, parts): rings without the
    closing point, a multipolygon's rings one after another, a point as a part of one point."""
    kind, coordinates = geometry["type"], geometry["coordinates"]
    if kind == "Point":
        return "Point", [[coordinates]]
    if kind == "MultiPoint":
        return "Point", [[point] for point in coordinates]
    if kind == "LineString":
        return "LineString", [coordinates]
    if kind == "MultiLineString":
        return "LineString", coordinates
    if kind == "Polygon":
        return "Polygon", [ring[:-1] for ring in coordinates]
    return "Polygon", [ring[:-1] for polygon in coordinates for ring in polygon]


def assert_same_decoding(tile, page):
    expected = mapbox_vector_tile.decode(base64.b64decode(page["bytes"]), default_options={"y_coord_down": True})
    layers = page["layers"]
    assert set(layers) == set(expected), tile
    for name, layer in expected.items():
        assert layers[name]["extent"] == layer["extent"]
        assert len(layers[name]["features"]) == len(layer["features"]), (tile, name)
        for mine, theirs in zip(layers[name]["features"], layer["features"]):
            assert mine["properties"] == theirs["properties"], (tile, name)
            assert (mine["type"], mine["parts"]) == as_parts(theirs["geometry"]), (tile, name, theirs["properties"])
    geometries = [f["geometry"] for layer in expected.values() for f in layer["features"]]
    kinds = Counter(g["type"] for g in geometries)
    kinds["Polygon with holes"] = sum(1 for g in geometries if g["type"] == "Polygon" and len(g["coordinates"]) > 1)
    return kinds


def test_the_page_decodes_tiles_as_mapbox_vector_tile_does(browser, server, helsinki_server):
    """ZaminVectorTiles.decode against the PyPI mapbox-vector-tile package on the same bytes: the
    Tehran tiles over a parcel from the city scale to the street, and Helsinki's tiles over a
    multipolygon and over a polygon with holes (real OpenStreetMap outlines)."""
    _, lon, lat = known_parcel()
    open_map(browser, server)
    kinds = Counter()
    for zoom in (11, 13, 15, 17):
        tile = TMS.tile(lon, lat, zoom)
        kinds += assert_same_decoding(tile, page_decoding(browser, f"tiles/WebMercatorQuad/{zoom}/{tile.y}/{tile.x}"))
    assert kinds["Polygon"] > 100 and kinds["Point"] > 0, kinds
    landuse = [shape(f["geometry"]) for f in load("landuse", HELSINKI)]
    multi = next(g for g in landuse if g.geom_type == "MultiPolygon")
    holed = next(g for g in landuse if g.geom_type == "Polygon" and g.interiors)
    open_map(browser, helsinki_server)
    kinds = Counter()
    for geometry in (multi, holed):
        point = geometry.representative_point()
        tile = TMS.tile(point.x, point.y, 16)
        kinds += assert_same_decoding(tile, page_decoding(browser, f"tiles/WebMercatorQuad/16/{tile.y}/{tile.x}"))
    assert kinds["MultiPolygon"] > 0 and kinds["Polygon with holes"] > 0, kinds


def test_hiding_the_parcels_repaints_the_tiles_without_them(browser, server):
    """The "parcels" switch repaints the loaded tiles without their parcels (and takes the SVG
    outlines away), and with them again when switched back."""
    feature, _, _ = known_parcel()
    tiles, drawn, points = street_view(browser, server, *interior_point(feature))
    _, lon, lat, _ = next(p for p in points if feature_id(p[0]) == feature_id(feature))
    colour = USE_COLOURS[feature["properties"]["current_use"]]
    assert same_colour(pixels(browser, [[lon, lat]])[0], colour)
    browser.wait_for("document.querySelectorAll('path[data-parcel-id]').length")
    click_element(browser, "#show-parcels")
    layers = browser.evaluate("zamin.vectorTiles.drawn().layers")
    assert "parcels" not in layers and layers["zones"]
    [pixel] = pixels(browser, [[lon, lat]])
    assert not same_colour(pixel, colour) and pixel[3] < 255, pixel  # the zone's translucent fill alone
    assert legend(browser, "parcel-legend", "data-use") == []
    browser.wait_for("document.querySelectorAll('path[data-parcel-id]').length === 0")
    click_element(browser, "#show-parcels")
    assert same_colour(pixels(browser, [[lon, lat]])[0], colour)
    assert "parcels" in browser.evaluate("zamin.vectorTiles.drawn().layers")
