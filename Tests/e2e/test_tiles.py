"""OGC API – Tiles 1.0 with Mapbox Vector Tiles (issue 19) against a real `zamin serve`, checked
against oracles that are not the server:

* Geometry and attributes: tiles are decoded with the PyPI `mapbox-vector-tile` package (and the
  command stream read again from its protobuf classes, ring by ring), and compared with the
  source GeoJSON of GeoData read here with `json` (not through the server), projected to
  EPSG:3857 by pyproj, put in the tile's units with the tile's bounds from `morecantile`
  (extent 4096, y down) and clipped by shapely to the tile widened by the 64-unit buffer.
  - A polygon is drawn alone, with its attributes, when it is not under a pixel: every one with
    a solid piece (a pixel + 1 unit along its box, over 2 units thick) in the widened tile is
    present; none that misses the widened tile is, nor any whose clipped box is under a pixel
    (15 units, rounding aside) both ways.
  - Parcels under three pixels (46 units) both ways are not drawn alone but as land-use cells
    (VectorTileQueries.swift): runs along a row of 16-unit cells, each cell holding the middle
    of the box of such parcels; a run's `parcels` is how many, its `current_use` and
    `conformity` those most of the parcels of each of its cells have (ties: alphabetical);
    neighbouring cells alike are one run. Computed here from the source; the cells of zoom 11
    and 12 add up to every parcel of parcels.geojson.
  - At zoom ≥ 16 every drawn vertex lies within 1.5 units of the clipped source outline and every
    vertex of the clipped source within 1.5 units of the drawing (rounding to whole units and
    dropping collinear points; no simplification), but for vertices on slivers under 2 units
    wide, which rounding cannot keep; below zoom 16 within a pixel.
  - Every drawn polygon is valid for shapely (GEOS); every ring of the raw command stream has a
    non-zero area, no repeated or collinear point and lies in the widened tile; a feature's
    first ring (an outer ring) has a positive surveyor's area in tile units (y down: clockwise
    on screen, MVT 2.1 §4.3.4.4); LineTo never moves by (0, 0) (§4.3.3.2). An invalid polygon
    is reported with the cause its position shows: on the widened tile's edge (Sutherland–
    Hodgman joining the pieces of a concave outline along the clip line) or inside (rounding).
  - Facilities in the widened tile are thinned: of each category one per 64-unit cell stands for
    the others there (`facilities`: how many, when more than one), within 1 unit of its
    projected position; none outside the widened tile.
  - Attributes equal the source properties; a parcel's `conformity` is computed here from
    zoning_rules.json (its use in allowed_uses → conforming, in conditional_uses → conditional,
    else non_conforming); a feature has one MVT id in every tile, unique in its layer.
  Tehran: every tile of the district (and 300 m around) at zoom 11–17, its corners and seeded
  random points at zoom 18–20, the tiles over it at zoom 0–10, two over facilities outside it;
  the collections' own tilesets for some. Helsinki (real OpenStreetMap outlines: concave, with
  holes and multipolygons): every tile of the extract at zoom 12–18, ids, zone codes and
  categories as attributes.
* Tile matrix set and templates: /tileMatrixSets/WebMercatorQuad against morecantile's
  WebMercatorQuad (matrix sizes, origin, cell size, scale); each tileset's templated `item` link
  filled with morecantile's tile of a parcel's point at zoom 0–20 (row = y, column = x), the
  swapped row and column not holding it.
* HTTP: 404 JSON outside the matrix, 400 JSON naming the malformed index, 204 without a body for
  a tile with nothing (the oracle says the ocean tile has nothing), 304 on If-None-Match, gzip
  that inflates to the identity bytes, `collections=` selecting layers and a 400 for an unknown
  one, /conformance and /api.
* Freshness: OGC API – Features Part 4 PATCHes of a parcel's `current_use` (planner key,
  If-Match) are in the next tile (the server keeps cut tiles per snapshot), with another ETag,
  on each store.
"""
import gzip
import json
import math
import random
import urllib.error
import urllib.request
from collections import Counter

import mapbox_vector_tile
import morecantile
import numpy as np
import pyproj
import pytest
import shapely
from mapbox_vector_tile.Mapbox import vector_tile_pb2
from shapely.affinity import affine_transform
from shapely.geometry import box, shape
from shapely.strtree import STRtree

from conftest import GEODATA, Server, import_dataset
from planner_support import copy_db, create_key

TMS = morecantile.tms.get("WebMercatorQuad")
EXTENT = 4096
BUFFER = 64
PIXEL = 16  # a 256-pixel tile's pixel in units of a 4,096-unit tile
WIDENED = box(-BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
MVT = "application/vnd.mapbox-vector-tile"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
TILES_CONF = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/"
COLLECTIONS = ("parcels", "zones", "facilities")
TO_3857 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)


# ---------- HTTP ----------

def get(base, path, headers=None):
    """(status, headers, raw body) without urllib decoding anything (gzip stays gzip)."""
    request = urllib.request.Request(base + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def get_json(base, path):
    status, headers, body = get(base, path, {"Accept-Language": "en"})
    assert status == 200, (path, status, body[:300])
    return json.loads(body)


def tile_path(tile, collection=None):
    prefix = f"/collections/{collection}/tiles" if collection else "/tiles"
    return f"{prefix}/WebMercatorQuad/{tile.z}/{tile.y}/{tile.x}"


def fetch_tile(base, path, headers=None):
    """(status, headers, identity bytes): a gzip body inflated here."""
    status, response_headers, body = get(base, path, dict({"Accept-Encoding": "gzip"}, **(headers or {})))
    if response_headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return status, response_headers, body


# ---------- the oracle: the source GeoJSON, projected and clipped here ----------

def project(geometry):
    return shapely.transform(geometry, lambda xy: np.column_stack(TO_3857.transform(xy[:, 0], xy[:, 1])))


def conformity(use, code, rules):
    rule = rules.get(code) if code else None
    if use is None or rule is None:
        return None
    if use in rule["allowed_uses"]:
        return "conforming"
    return "conditional" if use in rule["conditional_uses"] else "non_conforming"


def without_none(properties):
    return {key: value for key, value in properties.items() if value is not None}


class Source:
    """A city of GeoData read with json: per layer the ids, the EPSG:3857 geometries (pyproj), an
    STRtree of them, and the attributes a tile must carry; for parcels also the middle of each
    one's longitude/latitude box (where the server places a parcel too small to draw)."""

    def __init__(self, city="tehran"):
        folder = GEODATA / city
        # Tehran's files hold the properties the tiles carry; for another city only the ids and
        # what dataset.json maps plainly (category, zone code) are compared.
        self.exact = city == "tehran"
        mapping = json.loads((folder / "dataset.json").read_text()) if (folder / "dataset.json").exists() else {}
        self.rules = json.loads((folder / "zoning_rules.json").read_text())["zones"] if self.exact else {}
        self.layers = {}
        self.lonlat = {}
        for name in COLLECTIONS:
            spec = mapping.get(name, {})
            features = json.loads((folder / spec.get("file", f"{name}.geojson")).read_text())["features"]
            geometries = [shape(f["geometry"]) for f in features]
            projected = [project(g) for g in geometries]
            ids = [f["properties"][spec.get("id", "id")] for f in features]
            if self.exact:
                attributes = [self.attributes(name, f["properties"]) for f in features]
            else:
                known = {"zones": {"zone_code": spec.get("code")}, "facilities": {"category": spec.get("category")}}.get(name, {})
                attributes = [without_none({"id": fid, **{key: f["properties"].get(field) for key, field in known.items()}})
                              for fid, f in zip(ids, features)]
            self.layers[name] = (ids, projected, STRtree(projected), attributes)
            self.lonlat[name] = dict(zip(ids, geometries))
        bounds = shapely.bounds(list(self.lonlat["parcels"].values()))
        self.middles = np.column_stack(TO_3857.transform((bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2))
        self.district = tuple(float(v) for v in shapely.total_bounds(
            list(self.lonlat["zones"].values()) + list(self.lonlat["parcels"].values())))

    def agrees(self, drawn, expected):
        """The tile's attributes against the source's: all of them for Tehran, else those known."""
        if self.exact:
            return drawn == expected
        return all(drawn.get(key) == value for key, value in expected.items())

    def attributes(self, layer, p):
        if layer == "parcels":
            return without_none({"id": p["id"], "zone_code": p.get("zone_code"), "current_use": p.get("current_use"),
                                 "floors": p.get("floors"),
                                 "conformity": conformity(p.get("current_use"), p.get("zone_code"), self.rules)})
        if layer == "zones":
            return without_none({"id": p["id"], "zone_code": p["code"], "name_fa": p.get("name_fa"), "name_en": p.get("name_en")})
        return without_none({"id": p["id"], "category": p["category"], "name_fa": p.get("name_fa"), "name_en": p.get("name_en")})

    def candidates(self, layer, tile):
        """The features near the widened tile: (id, geometry in the tile's units, attributes,
        for parcels the middle of the lon/lat box in the tile's units)."""
        b = TMS.xy_bounds(tile)
        scale = EXTENT / (b.right - b.left)
        margin = (BUFFER + 2) / scale
        ids, projected, tree, attributes = self.layers[layer]
        near = tree.query(box(b.left - margin, b.bottom - margin, b.right + margin, b.top + margin))
        matrix = [scale, 0, 0, -scale, -b.left * scale, b.top * scale]
        found = []
        for i in sorted(near):
            middle = None
            if layer == "parcels":
                middle = ((self.middles[i, 0] - b.left) * scale, (b.top - self.middles[i, 1]) * scale)
            found.append((ids[i], affine_transform(projected[i], matrix), attributes[i], middle))
        return found


def serving(server):
    """Starts `server` for a fixture and stops it (by its PID) when the fixture ends."""
    try:
        server.start()
        yield server
    finally:
        if server.process is not None:
            server.stop()


@pytest.fixture(scope="module")
def source():
    return Source()


@pytest.fixture(scope="module")
def tiles_server(tehran_db, tmp_path_factory):
    """A server of this module's own over a fresh copy of the imported Tehran: the session's
    `server` is edited by other modules (test_webmap approves a request)."""
    folder = tmp_path_factory.mktemp("tiles")
    yield from serving(Server(copy_db(tehran_db, folder), folder / "serve.log"))


# ---------- the raw command stream (MVT 2.1 §4.3) ----------

def unzigzag(n):
    return (n >> 1) ^ -(n & 1)


def raw_rings(geometry, problems, where):
    """The rings of a polygon feature's commands, each without its closing point."""
    rings, ring, x, y, i = [], None, 0, 0, 0
    while i < len(geometry):
        command, count = geometry[i] & 7, geometry[i] >> 3
        i += 1
        if command == 1:  # MoveTo
            if count != 1:
                problems.append(f"{where}: polygon MoveTo with count {count}")
            if ring is not None:
                problems.append(f"{where}: ring not closed by ClosePath")
                rings.append(ring)
            ring = []
        elif command == 2 and ring is None:
            problems.append(f"{where}: LineTo before MoveTo")
            return rings
        if command in (1, 2):
            for _ in range(count):
                dx, dy = unzigzag(geometry[i]), unzigzag(geometry[i + 1])
                i += 2
                if command == 2 and dx == 0 and dy == 0:
                    problems.append(f"{where}: LineTo by (0, 0) at ({x}, {y})")
                x, y = x + dx, y + dy
                ring.append((x, y))
        elif command == 7:
            if count != 1 or ring is None:
                problems.append(f"{where}: ClosePath with count {count} or without a ring")
            else:
                rings.append(ring)
            ring = None
        else:
            problems.append(f"{where}: unknown command {command}")
            return rings
    if ring is not None:
        problems.append(f"{where}: last ring not closed")
    return rings


def surveyor(ring):
    """Twice the surveyor's area of a ring in tile units (y down: positive clockwise on screen)."""
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:] + ring[:1]))


def check_rings(rings, problems, where):
    for index, ring in enumerate(rings):
        if len(ring) < 3:
            problems.append(f"{where}: ring {index} has {len(ring)} points")
            continue
        area = surveyor(ring)
        if area == 0:
            problems.append(f"{where}: ring {index} has zero area: {ring[:8]}")
        if index == 0 and area <= 0:
            problems.append(f"{where}: the first (outer) ring has surveyor's area {area / 2} ≤ 0 in y-down units "
                            "(counter-clockwise on screen)")
        if any(not (-BUFFER <= px <= EXTENT + BUFFER and -BUFFER <= py <= EXTENT + BUFFER) for px, py in ring):
            problems.append(f"{where}: ring {index} leaves the widened tile")
        n = len(ring)
        for k in range(n):
            a, b, c = ring[k - 1], ring[k], ring[(k + 1) % n]
            if a == b:
                problems.append(f"{where}: ring {index} repeats point {b}")
            elif (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]) == 0:
                problems.append(f"{where}: ring {index} has collinear point {b} between {a} and {c}")


# ---------- one tile against the oracle ----------

class Findings:
    def __init__(self):
        self.problems = []   # anything else that disagrees with the oracle
        self.invalid = []    # decoded polygons shapely calls invalid
        self.mvt_ids = {}    # (layer, feature id) -> {MVT ids}
        self.deviation = {}  # zoom -> largest vertex distance seen
        self.counts = {}     # what was compared: features per layer, land-use cells, thinned facilities


def count(findings, what, n=1):
    findings.counts[what] = findings.counts.get(what, 0) + n


def decode(body):
    return mapbox_vector_tile.decode(body, default_options={"y_coord_down": True}) if body else {}


def swift_round(x):
    """Swift's `rounded()`: halves away from zero."""
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


def near_half(x, eps=0.01):
    return abs(x - math.floor(x) - 0.5) < eps


# Parcels under three pixels (46 units) both ways are drawn as land-use cells, not one by one
# (VectorTileQueries.swift). The server measures the width in longitude (exactly the projected
# width) and the height in latitude against the tile's most poleward latitude (a little under
# 46 projected units): a parcel at least 47 units either way is drawn alone, one under 45 both
# ways is in a cell; between the two either is right.
ALONE, CELLED = 47, 45
# Facilities are thinned on a grid of 64-unit cells (4 pixels, a marker's radius), per category.
FACILITY_CELL_SHIFT = 6


def classify(geometry, zoom):
    minx, miny, maxx, maxy = geometry.bounds
    w, h = maxx - minx, maxy - miny
    if w >= ALONE or h >= ALONE:
        return "alone"
    return "cell" if (w < CELLED and h < CELLED) or zoom < 10 else "either"


def thickness(polygon):
    """Twice the area over the perimeter: about the width of a long thin part."""
    return 2 * polygon.area / polygon.length if polygon.length else 0.0


def solid_parts(clipped):
    """The pieces of a clipped outline that must be drawn: at least a pixel (+1 for rounding)
    along one side of their box and over 2 units thick, so that rounding cannot flatten them."""
    parts = []
    for part in getattr(clipped, "geoms", [clipped]):
        if part.geom_type == "Polygon":
            minx, miny, maxx, maxy = part.bounds
            if max(maxx - minx, maxy - miny) >= PIXEL + 1 and thickness(part) >= 2:
                parts.append(part)
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            parts += solid_parts(part)
    return parts


def on_widened_edge(x, y):
    return min(abs(x + BUFFER), abs(x - EXTENT - BUFFER), abs(y + BUFFER), abs(y - EXTENT - BUFFER)) < 0.5


CLIP_EDGE = ("on the widened tile's edge: after rounding, a ring meets itself at a point of the clip line "
             "(the outline's own point there and the walk along the edge)")
ROUNDING = "inside the tile: rounding to whole units makes a part a few units thin cross itself or another part"


def cause(reason):
    """Where GEOS found the fault, and what puts one there."""
    numbers = reason[reason.rfind("[") + 1:reason.rfind("]")].split() if "[" in reason else []
    if len(numbers) == 2 and on_widened_edge(float(numbers[0]), float(numbers[1])):
        return CLIP_EDGE
    return ROUNDING


def check_polygon(where, feature, geometry, tile, findings):
    """A polygon drawn alone against the source outline clipped to the widened tile: valid;
    every drawn vertex near the clipped outline; every vertex of the clipped outline near the
    drawing, but for those on a sliver a couple of units thin (such as the edge of a parcel
    dipping 0.6 units into the buffer), which cannot keep its shape when rounded."""
    clipped = geometry.intersection(WIDENED)
    minx, miny, maxx, maxy = clipped.bounds
    w, h = maxx - minx, maxy - miny
    if w < PIXEL - 1 and h < PIXEL - 1:
        findings.problems.append(f"{where}: present though its clipped box is {w:.1f} × {h:.1f} units, under a pixel")
    drawn = shape(feature["geometry"])
    if not drawn.is_valid:
        reason = shapely.is_valid_reason(drawn)
        findings.invalid.append(f"{where}: {reason}, {cause(reason)}")
    vertices = shapely.get_coordinates(drawn)
    distances = shapely.distance(shapely.points(vertices), clipped.boundary)
    out = float(distances.max())
    # Back from the source: its vertices on solid ground (within 3 units of the outline eroded
    # by 1, so not on a sliver under 2 units wide nor at the tip of a spike) near the drawing.
    corners = shapely.points(shapely.get_coordinates(clipped))
    eroded = clipped.buffer(-1)
    solid = shapely.distance(corners, eroded) <= 3 if not eroded.is_empty else np.zeros(len(corners), bool)
    back = float(shapely.distance(corners[solid], drawn.boundary).max()) if solid.any() else 0.0
    if not solid.all():
        count(findings, "source vertices on slivers (compared one way)", int((~solid).sum()))
    worst = max(out, back)
    findings.deviation[tile.z] = max(findings.deviation.get(tile.z, 0.0), worst)
    tolerance = 1.5 if tile.z >= 16 else PIXEL
    if worst > tolerance:
        far = tuple(float(v) for v in vertices[int(distances.argmax())])
        why = f"; the far drawn vertex {far} is {CLIP_EDGE}" if out > tolerance and on_widened_edge(*far) else ""
        findings.problems.append(f"{where}: outline {worst:.2f} units from the clipped source (tolerance {tolerance}): "
                                 f"drawn vertex {out:.2f}, source vertex {back:.2f}{why}")


def required(geometry):
    """Whether a polygon drawn alone must be in the tile: 'present' when a solid piece of it is
    in the widened tile, 'absent' when it misses the widened tile or its clipped box is under a
    pixel (15 units) both ways, None when either is right."""
    if geometry.distance(WIDENED) > 0.01:
        return "absent"
    clipped = geometry.intersection(WIDENED)
    if clipped.is_empty:
        return None
    if solid_parts(clipped):
        return "present"
    minx, miny, maxx, maxy = clipped.bounds
    if maxx - minx < PIXEL - 1 and maxy - miny < PIXEL - 1:
        return "absent"
    return None


def most(counter):
    """The most frequent value; ties to the first in alphabetical order (VectorTileQueries `most`)."""
    if not counter:
        return None
    top = max(counter.values())
    return min(k for k, v in counter.items() if v == top)


def check_cells(label, cells, small, unsure, source, findings):
    """The land-use cells of the parcels layer: each a 16-unit-high run of whole 16-unit cells
    along a row; together they cover exactly the cells holding the middle of a parcel too small
    to draw (`small`: cell -> [(use, conformity)]), each run carrying how many parcels, and the
    use and conformity most of them have in each of its cells; neighbouring cells of one use and
    conformity in a row are one run. Cells in `unsure` (a parcel there might be drawn alone, or
    its middle lies on a cell's edge) are left out of the exact comparison."""
    problems = findings.problems
    covered = {}
    runs = []
    for feature in cells:
        properties = feature["properties"]
        where = f"{label} parcels cell {properties}"
        if set(properties) - {"parcels", "current_use", "conformity"} or not isinstance(properties.get("parcels"), int) \
                or properties["parcels"] < 1:
            problems.append(f"{where}: attributes of a cell are parcels (≥ 1), current_use, conformity")
            continue
        ring = shapely.get_coordinates(shape(feature["geometry"]).exterior)[:-1].astype(int).tolist()
        xs, ys = sorted({x for x, _ in ring}), sorted({y for _, y in ring})
        if feature["geometry"]["type"] != "Polygon" or len(ring) != 4 or len(xs) != 2 or len(ys) != 2 \
                or ys[1] - ys[0] != PIXEL or any(v % PIXEL for v in xs + ys) or xs[0] < 0 or xs[1] > EXTENT \
                or ys[0] < 0 or ys[1] > EXTENT:
            problems.append(f"{where}: not a run of whole 16-unit cells inside the tile: {ring}")
            continue
        row = ys[0] // PIXEL
        run = [(column, row) for column in range(xs[0] // PIXEL, xs[1] // PIXEL)]
        for cell in run:
            if cell in covered:
                problems.append(f"{where}: cell {cell} drawn twice")
            covered[cell] = properties
        runs.append((row, xs[0] // PIXEL, xs[1] // PIXEL, properties))
        count(findings, "land-use cells", len(run))
        if any(cell in unsure for cell in run):
            continue
        missing = [cell for cell in run if cell not in small]
        if missing:
            problems.append(f"{where}: cells {missing[:3]} hold the middle of no parcel too small to draw")
            continue
        members = [m for cell in run for m in small[cell]]
        if properties["parcels"] != len(members):
            problems.append(f"{where}: {len(members)} parcels have their middle in cells {run[0]}…{run[-1]}")
        for cell in run if source.exact else []:
            use = most(Counter(u for u, _ in small[cell] if u))
            conform = most(Counter(c for _, c in small[cell] if c))
            if properties.get("current_use") != use or properties.get("conformity") != conform:
                problems.append(f"{where}: cell {cell} has most parcels {use}/{conform}: {Counter(small[cell])}")
    for cell in small:
        if cell not in covered and cell not in unsure:
            problems.append(f"{label} parcels: no cell at {cell} for {len(small[cell])} parcels too small to draw")
    runs.sort()
    for (row, _, end, p), (next_row, start, _, q) in zip(runs, runs[1:]):
        if row == next_row and end == start and p.get("current_use") == q.get("current_use") \
                and p.get("conformity") == q.get("conformity"):
            problems.append(f"{label} parcels: runs ending and starting at column {end} of row {row} have one use "
                            f"and conformity ({p}, {q}) but were not joined")


def check_facilities(label, features, candidates, source, findings):
    """Facilities in the widened tile, thinned: of each category, one per 64-unit cell (of the
    rounded position) stands for the others there, `facilities` saying how many when more than
    one; none outside the widened tile."""
    problems = findings.problems
    groups, unsure = {}, set()
    for fid, point, attributes, _ in candidates:
        u, v = point.x, point.y
        outside = max(-BUFFER - u, u - EXTENT - BUFFER, -BUFFER - v, v - EXTENT - BUFFER)
        if outside > 0.01:
            continue
        key = (attributes["category"], swift_round(u) >> FACILITY_CELL_SHIFT, swift_round(v) >> FACILITY_CELL_SHIFT)
        groups.setdefault(key, []).append((fid, u, v, attributes))
        if outside > -0.01 or near_half(u) or near_half(v):
            unsure.add(key)
    shown = {}
    for feature in features:
        shown.setdefault(feature["properties"].get("id"), feature)
    placed = set()
    for key, members in groups.items():
        present = [(fid, u, v, attributes) for fid, u, v, attributes in members if fid in shown]
        placed |= {fid for fid, *_ in present}
        if key in unsure:
            continue
        if len(present) != 1:
            problems.append(f"{label} facilities: {len(present)} of {[m[0] for m in members]} ({key[0]}, one 64-unit cell) drawn, not 1")
            continue
        fid, u, v, attributes = present[0]
        feature = shown[fid]
        expected = dict(attributes, **({"facilities": len(members)} if len(members) > 1 else {}))
        if not source.agrees(feature["properties"], expected):
            problems.append(f"{label} facilities {fid}: attributes {feature['properties']} ≠ {expected}")
        x, y = feature["geometry"]["coordinates"]
        if feature["geometry"]["type"] != "Point" or math.hypot(x - u, y - v) > 1.0:
            problems.append(f"{label} facilities {fid}: at {x}, {y}, projected source at {u:.2f}, {v:.2f}")
        count(findings, "facilities", 1)
        count(findings, "thinned facilities", len(members) - 1)
    for fid in shown:
        if fid not in placed:
            problems.append(f"{label} facilities: {fid} present but not in the widened tile")


def check_tile(tile, body, source, findings, layers=COLLECTIONS):
    label = f"{tile.z}/{tile.y}/{tile.x}"
    decoded = decode(body)
    problems = findings.problems
    assert set(decoded) <= set(layers), (label, set(decoded))
    raw = vector_tile_pb2.tile()
    raw.ParseFromString(body or b"")
    for layer in raw.layers:
        if layer.version != 2 or layer.extent != EXTENT:
            problems.append(f"{label} {layer.name}: version {layer.version}, extent {layer.extent}")
        for feature in layer.features:
            if feature.type == 3:
                where = f"{label} {layer.name} MVT id {feature.id}"
                check_rings(raw_rings(list(feature.geometry), problems, where), problems, where)
    for name in layers:
        features = decoded.get(name, {"features": []})["features"]
        candidates = source.candidates(name, tile)
        if name == "facilities":
            check_facilities(label, features, candidates, source, findings)
        alone = [f for f in features if "id" in f["properties"]]
        by_id = {}
        for feature in alone:
            fid = feature["properties"]["id"]
            if fid in by_id:
                problems.append(f"{label} {name}: {fid} twice")
            by_id[fid] = feature
            findings.mvt_ids.setdefault((name, fid), set()).add(feature.get("id"))
        mvt_ids = [f.get("id") for f in alone]
        if len(set(mvt_ids)) != len(mvt_ids) or any(not i for i in mvt_ids):
            problems.append(f"{label} {name}: MVT ids of features not unique and positive")
        if name == "facilities":
            continue
        known = {c[0] for c in candidates}
        for fid in by_id:
            if fid not in known:
                problems.append(f"{label} {name}: {fid} present but nowhere near the widened tile")
        small, unsure = {}, set()
        for fid, geometry, attributes, middle in candidates:
            feature = by_id.get(fid)
            where = f"{label} {name} {fid}"
            kind = classify(geometry, tile.z) if name == "parcels" else "alone"
            if kind != "alone" and middle is not None:
                u, v = middle
                cell = (swift_round(u) // PIXEL, swift_round(v) // PIXEL)
                if 0 <= swift_round(u) < EXTENT and 0 <= swift_round(v) < EXTENT:
                    if kind == "either" or near_half(u) or near_half(v):
                        unsure.add(cell)
                    else:
                        small.setdefault(cell, []).append((attributes.get("current_use"), attributes.get("conformity")))
            if kind == "cell":
                if feature is not None:
                    problems.append(f"{where}: drawn alone though under three pixels ({geometry.bounds})")
                continue
            expectation = required(geometry)
            if feature is None:
                if expectation == "present" and kind == "alone":
                    minx, miny, maxx, maxy = geometry.intersection(WIDENED).bounds
                    problems.append(f"{where}: missing, clipped box {maxx - minx:.1f} × {maxy - miny:.1f} units")
                continue
            if expectation == "absent":
                problems.append(f"{where}: present though it misses the widened tile or is under a pixel")
                continue
            count(findings, name, 1)
            if feature["geometry"]["type"] not in ("Polygon", "MultiPolygon"):
                problems.append(f"{where}: geometry type {feature['geometry']['type']}")
                continue
            check_polygon(where, feature, geometry, tile, findings)
            if not source.agrees(feature["properties"], attributes):
                problems.append(f"{where}: attributes {feature['properties']} ≠ source {attributes}")
        if name == "parcels":
            check_cells(label, [f for f in features if "id" not in f["properties"]], small, unsure, source, findings)
        elif len(alone) != len(features):
            problems.append(f"{label} {name}: {len(features) - len(alone)} features without an id")


def sample_tiles(source):
    """Every tile of the district (and 300 m around it) at zoom 11–17, its corners and seeded
    random points at zoom 18–20, the tiles holding its middle at zoom 0–10, and two over
    facilities outside it."""
    rng = random.Random(19)
    w, s, e, n = source.district
    tiles = list(TMS.tiles(w - 0.003, s - 0.003, e + 0.003, n + 0.003, list(range(11, 18))))
    for z in (18, 19, 20):
        points = [(w, s), (w, n), (e, s), (e, n)] if z == 18 else []
        points += [(rng.uniform(w, e), rng.uniform(s, n)) for _ in range(6 if z == 18 else 2)]
        tiles += [TMS.tile(lon, lat, z) for lon, lat in points]
    tiles += [TMS.tile((w + e) / 2, (s + n) / 2, z) for z in (0, 3, 6, 8, 10)]
    # Facilities elsewhere in Tehran: around the metro station Abdol Abad, outside the district.
    far = source.lonlat["facilities"]["metro-abdol-abad"]
    tiles += [TMS.tile(far.x, far.y, z) for z in (12, 16)]
    return list(dict.fromkeys(tiles))


def report(findings, limit=20):
    """Fails with every disagreement and every invalid polygon, the latter counted by cause."""
    sections = []
    if findings.problems:
        sections.append(f"{len(findings.problems)} disagreements with the oracle:\n  " + "\n  ".join(findings.problems[:limit]))
    if findings.invalid:
        by_cause = Counter(CLIP_EDGE if CLIP_EDGE in line else ROUNDING for line in findings.invalid)
        counts = "; ".join(f"{n} {why.split(':')[0]}" for why, n in by_cause.items())
        examples = [line for why in (ROUNDING, CLIP_EDGE) for line in [x for x in findings.invalid if why in x][:limit // 2]]
        shown = "\n  ".join(line.replace(", " + CLIP_EDGE, " [clip edge]").replace(", " + ROUNDING, " [rounding]")
                            for line in examples)
        sections.append(f"{len(findings.invalid)} drawn polygons invalid for shapely ({counts}):\n  {shown}\n"
                        f"  [clip edge] = {CLIP_EDGE}\n  [rounding] = {ROUNDING}")
    if sections:
        pytest.fail("\n".join(sections), pytrace=False)


def sweep(base, source, tiles, layers=COLLECTIONS, collection=None):
    """Every tile of `tiles` fetched and checked; the findings, and the statuses."""
    findings, statuses = Findings(), {}
    for tile in tiles:
        status, headers, body = fetch_tile(base, tile_path(tile, collection))
        statuses[tile] = status
        assert status in (200, 204), (tile, status)
        if status == 200:
            assert headers["Content-Type"].startswith(MVT)
        else:
            assert body == b""
        check_tile(tile, body, source, findings, layers)
    return findings, statuses


def same_ids_everywhere(findings):
    for (layer, fid), ids in findings.mvt_ids.items():
        if len(ids) != 1:
            findings.problems.append(f"{layer} {fid}: MVT ids {sorted(ids)} in different tiles")


# ---------- tests ----------

def test_tiles_match_the_source_clipped_by_shapely(tiles_server, source):
    tiles = sample_tiles(source)
    findings, statuses = sweep(tiles_server.base, source, tiles)
    # Each collection's own tileset: one layer, named as the collection, checked the same way.
    for tile in [t for t in tiles if t.z in (13, 16)][::3]:
        for collection in COLLECTIONS:
            status, _, body = fetch_tile(tiles_server.base, tile_path(tile, collection))
            assert status in (200, 204)
            assert set(decode(body)) <= {collection}
            check_tile(tile, body, source, findings, layers=(collection,))
    same_ids_everywhere(findings)
    print("compared:", findings.counts, "largest vertex distance per zoom:", {z: round(d, 2) for z, d in sorted(findings.deviation.items())})
    # The sample reached what it is meant to: thousands of parcels, cells and facilities; 200s mostly.
    assert findings.counts["parcels"] > 2000 and findings.counts["zones"] > 100 and findings.counts["facilities"] > 100, findings.counts
    assert findings.counts["land-use cells"] > 1000 and findings.counts["thinned facilities"] > 10, findings.counts
    assert sum(1 for s in statuses.values() if s == 200) >= 0.8 * len(tiles), statuses
    report(findings)
    assert all(d <= 1.5 for z, d in findings.deviation.items() if z >= 16), findings.deviation


@pytest.fixture(scope="module")
def helsinki_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiles-helsinki")
    db = folder / "zamin.db"
    result = import_dataset(db, GEODATA / "helsinki")
    assert result.returncode == 0, result.stderr
    yield from serving(Server(db, folder / "serve.log"))


def test_real_outlines_of_helsinki(helsinki_server):
    """Helsinki's OpenStreetMap buildings (parcels) and land-use areas (zones): real outlines,
    concave, with holes and multipolygons — what Tehran's near-convex synthetic blocks never
    exercise. Every tile of the extract at zoom 12–18 against the same oracle (attributes: the
    ids, the zone code and the facilities' category, as dataset.json maps them)."""
    source = Source("helsinki")
    tiles = list(TMS.tiles(*source.district, list(range(12, 19))))
    findings, _ = sweep(helsinki_server.base, source, tiles)
    same_ids_everywhere(findings)
    assert findings.counts["parcels"] > 1000 and findings.counts["zones"] > 500, findings.counts
    report(findings)


def test_city_scale_cells_account_for_every_parcel(tiles_server, source):
    """At zoom 11 and 12 every parcel of the district is under three pixels: the tiles over it
    hold no parcel drawn alone, and the `parcels` of their land-use cells add up to the number of
    parcels in parcels.geojson (each counted in the one tile holding its middle); every zone is
    drawn alone."""
    total = len(source.layers["parcels"][0])
    for zoom in (11, 12):
        counted, zones = 0, set()
        for tile in TMS.tiles(*source.district, [zoom]):
            status, _, body = fetch_tile(tiles_server.base, tile_path(tile))
            assert status == 200
            layers = decode(body)
            cells = layers["parcels"]["features"]
            assert all("id" not in f["properties"] for f in cells), tile
            counted += sum(f["properties"]["parcels"] for f in cells)
            zones |= {f["properties"]["id"] for f in layers["zones"]["features"]}
        assert counted == total, (zoom, counted, total)
        assert zones == set(source.layers["zones"][0]), zoom


def test_tile_matrix_set_is_morecantiles_web_mercator_quad(tiles_server):
    listing = get_json(tiles_server.base, "/tileMatrixSets")
    [entry] = [t for t in listing["tileMatrixSets"] if t["id"] == "WebMercatorQuad"]
    assert entry["uri"] == TMS_URI == TMS.uri
    href = next(link["href"] for link in entry["links"] if link["rel"] == "self")
    assert href.endswith("/tileMatrixSets/WebMercatorQuad")
    document = get_json(tiles_server.base, "/tileMatrixSets/WebMercatorQuad")
    assert document["id"] == "WebMercatorQuad" and document["uri"] == TMS_URI
    assert document["crs"] in (str(TMS.crs), "http://www.opengis.net/def/crs/EPSG/0/3857")
    matrices = document["tileMatrices"]
    assert [m["id"] for m in matrices] == [str(z) for z in range(21)]
    for served in matrices:
        reference = TMS.matrix(int(served["id"]))
        assert served["matrixWidth"] == reference.matrixWidth == 2 ** int(served["id"])
        assert served["matrixHeight"] == reference.matrixHeight
        assert served["tileWidth"] == reference.tileWidth == 256 and served["tileHeight"] == reference.tileHeight
        assert served.get("cornerOfOrigin", "topLeft") == reference.cornerOfOrigin
        assert served["pointOfOrigin"] == pytest.approx(list(reference.pointOfOrigin), abs=1e-3)
        assert served["cellSize"] == pytest.approx(reference.cellSize, rel=1e-9)
        assert served["scaleDenominator"] == pytest.approx(reference.scaleDenominator, rel=1e-6)


def test_tileset_templates_filled_with_morecantile_tiles(tiles_server, source):
    base = tiles_server.base
    parcel = source.lonlat["parcels"]["P-000010"].representative_point()
    for collection in (None, *COLLECTIONS):
        prefix = f"/collections/{collection}/tiles" if collection else "/tiles"
        listing = get_json(base, prefix)
        [tileset] = listing["tilesets"]
        assert tileset["tileMatrixSetURI"] == TMS_URI and tileset["dataType"] == "vector"
        assert any(link["rel"] == TILING_SCHEME for link in tileset["links"])
        metadata = get_json(base, prefix + "/WebMercatorQuad")
        assert metadata["tileMatrixSetURI"] == TMS_URI
        scheme = next(link["href"] for link in metadata["links"] if link["rel"] == TILING_SCHEME)
        assert scheme.endswith("/tileMatrixSets/WebMercatorQuad")
        [item] = [link for link in metadata["links"] if link["rel"] == "item"]
        assert item["type"] == MVT and item.get("templated") is True
        template = item["href"]
        assert template.endswith(prefix + "/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}"), template
        path = template[template.index(prefix):]
        for z in range(21):
            tile = TMS.tile(parcel.x, parcel.y, z)
            filled = path.replace("{tileMatrix}", str(tile.z)).replace("{tileRow}", str(tile.y)).replace("{tileCol}", str(tile.x))
            status, _, body = fetch_tile(base, filled)
            assert status in (200, 204), (filled, status)
            if collection in (None, "parcels") and z >= 14:
                assert status == 200, filled
                assert "P-000010" in {f["properties"]["id"] for f in decode(body)["parcels"]["features"]}, filled
            if collection in (None, "zones") and z >= 12:
                assert status == 200, filled  # the parcel's zone (hundreds of metres across) is in
            if z >= 12 and tile.x != tile.y and collection in (None, "parcels"):
                # Row is y from the north, column x: swapped, the tile lies far away and is empty.
                swapped = path.replace("{tileMatrix}", str(z)).replace("{tileRow}", str(tile.x)).replace("{tileCol}", str(tile.y))
                assert get(base, swapped)[0] == 204, swapped


def test_out_of_range_and_malformed_indices(tiles_server):
    base = tiles_server.base
    for prefix in ("/tiles/WebMercatorQuad", "/collections/parcels/tiles/WebMercatorQuad"):
        for z, row, col in [(21, 0, 0), (10, 1024, 0), (10, 0, 1024), (0, 1, 0), (0, 0, 1), (10, 10_000_000_000, 0)]:
            status, headers, body = get(base, f"{prefix}/{z}/{row}/{col}")
            assert status == 404, (z, row, col, status)
            assert headers["Content-Type"].startswith("application/json") and json.loads(body)["code"]
        # The largest indices that exist are tiles (Tehran is not there: 204).
        assert get(base, f"{prefix}/20/{2**20 - 1}/{2**20 - 1}")[0] == 204
        for name, path in [("tileMatrix", "abc/0/0"), ("tileRow", "10/abc/0"), ("tileCol", "10/0/abc"),
                           ("tileRow", "10/-1/0"), ("tileCol", "10/0/1.5"), ("tileMatrix", "-1/0/0")]:
            status, headers, body = get(base, f"{prefix}/{path}")
            assert status == 400, (path, status)
            assert headers["Content-Type"].startswith("application/json")
            assert json.loads(body)["parameter"] == name, (path, body)


def test_empty_tile_is_204_without_a_body(tiles_server, source):
    tile = TMS.tile(-25.0, 0.5, 10)  # the Atlantic, far from Tehran
    for layer in COLLECTIONS:
        assert source.candidates(layer, tile) == []  # the oracle: nothing there
    for path in (tile_path(tile), tile_path(tile, "parcels")):
        status, headers, body = get(tiles_server.base, path, {"Accept-Encoding": "gzip"})
        assert status == 204 and body == b"", (path, status)
        assert "Content-Encoding" not in headers


def test_etag_304_and_gzip(tiles_server, source):
    base = tiles_server.base
    point = source.lonlat["parcels"]["P-000100"].representative_point()
    path = tile_path(TMS.tile(point.x, point.y, 16))
    status, headers, identity = get(base, path, {"Accept-Encoding": "identity"})
    assert status == 200 and "Content-Encoding" not in headers
    etag = headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 2
    status, headers, compressed = get(base, path, {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed) == identity and len(compressed) < len(identity)
    assert "Accept-Encoding" in headers.get("Vary", "")
    status, headers, body = get(base, path, {"If-None-Match": etag})
    assert status == 304 and body == b""
    assert get(base, path, {"If-None-Match": '"0000000000000000"'})[0] == 200
    # The same tile asked again is the same bytes (no wobble in the encoding).
    assert get(base, path, {"Accept-Encoding": "identity"})[2] == identity


def test_collections_parameter_selects_layers(tiles_server, source):
    base = tiles_server.base
    point = source.lonlat["parcels"]["P-000100"].representative_point()
    tile = TMS.tile(point.x, point.y, 15)
    _, _, everything = fetch_tile(base, tile_path(tile))
    every = decode(everything)
    assert set(every) == set(COLLECTIONS), set(every)  # this tile holds all three
    _, _, body = fetch_tile(base, tile_path(tile) + "?collections=parcels")
    only = decode(body)
    assert set(only) == {"parcels"} and only["parcels"] == every["parcels"]
    _, _, body = fetch_tile(base, tile_path(tile) + "?collections=parcels,zones")
    assert set(decode(body)) == {"parcels", "zones"}
    for bad in ("roads", "parcels,roads"):
        status, headers, body = get(base, tile_path(tile) + "?collections=" + bad)
        assert status == 400, (bad, status)
        assert json.loads(body)["parameter"] == "collections"


def test_conformance_and_api_declare_tiles(tiles_server):
    conforms = get_json(tiles_server.base, "/conformance")["conformsTo"]
    for name in ("core", "tileset", "tilesets-list", "geodata-tilesets", "dataset-tilesets", "collections-selection", "mvt", "oas30"):
        assert TILES_CONF + name in conforms, name
    status, _, body = get(tiles_server.base, "/api")
    assert status == 200
    paths = json.loads(body)["paths"]
    expected = ["/tileMatrixSets", "/tileMatrixSets/WebMercatorQuad", "/tiles", "/tiles/WebMercatorQuad",
                "/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}"]
    for collection in COLLECTIONS:
        expected += [f"/collections/{collection}/tiles", f"/collections/{collection}/tiles/WebMercatorQuad",
                     f"/collections/{collection}/tiles/WebMercatorQuad/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"]
    assert [p for p in expected if p not in paths] == []


def patch(base, path, body, key, etag):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="PATCH", headers={
        "Content-Type": "application/merge-patch+json", "Authorization": "Bearer " + key, "If-Match": etag})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_an_edit_is_in_the_next_tile(new_city, tmp_path, source):
    """Part 4 PATCHes of P-000010's use (zone R121: residential is conforming, industrial
    non-conforming, office conditional): each is in the next tile, which has another ETag."""
    db = new_city(tmp_path)
    planner = create_key(db, "planner", "tiles")
    server = Server(db, tmp_path / "serve.log").start()
    base = server.base
    try:
        point = source.lonlat["parcels"]["P-000010"].representative_point()
        tile = TMS.tile(point.x, point.y, 17)
        paths = [tile_path(tile), tile_path(tile, "parcels")]

        def parcel_in(path):
            status, headers, body = fetch_tile(base, path)
            assert status == 200
            [found] = [f for f in decode(body)["parcels"]["features"] if f["properties"]["id"] == "P-000010"]
            return found["properties"], headers["ETag"]

        before = {path: parcel_in(path) for path in paths}
        for path in paths:
            assert before[path][0]["current_use"] == "residential" and before[path][0]["conformity"] == "conforming"
        seen = {path: {etag} for path, (_, etag) in before.items()}
        for use in ("industrial", "office"):
            status, headers, _ = get(base, "/collections/parcels/items/P-000010")
            assert status == 200
            status, answer = patch(base, "/collections/parcels/items/P-000010", {"properties": {"current_use": use}},
                                   planner, headers["ETag"])
            assert status == 200, answer
            expected = conformity(use, "R121", source.rules)
            for path in paths:
                properties, etag = parcel_in(path)
                assert properties["current_use"] == use and properties["conformity"] == expected, (path, properties)
                assert etag not in seen[path], path
                seen[path].add(etag)
                # The tile's old validator no longer matches: a full 200, not a 304.
                assert get(base, path, {"If-None-Match": before[path][1]})[0] == 200
    finally:
        server.stop()


def test_an_edit_is_in_the_next_city_scale_tile(new_city, tmp_path, source):
    """At city scale a parcel is one count in its pixel's land-use cell, and those cells come from
    an overview of the parcels made once per snapshot (ParcelTileOverview): an edit must reach
    it. A parcel alone in its zoom-13 cell (worked out here from the source, away from any cell
    edge) is PATCHed from its use to industrial: the next zoom-13 tile's cell over it says
    industrial and its conformity under the zone's rules, and the one before said the old use."""
    db = new_city(tmp_path)
    planner = create_key(db, "planner", "tiles")
    ids, projected, _, attributes = source.layers["parcels"]
    zoom = 13
    cells = {}
    for i, fid in enumerate(ids):
        lon, lat = source.lonlat["parcels"][fid].representative_point().coords[0]
        tile = TMS.tile(lon, lat, zoom)
        b = TMS.xy_bounds(tile)
        scale = EXTENT / (b.right - b.left)
        minx, miny, maxx, maxy = projected[i].bounds
        if classify(box(minx * scale, miny * scale, maxx * scale, maxy * scale), zoom) != "cell":
            continue
        u, v = (source.middles[i, 0] - b.left) * scale, (b.top - source.middles[i, 1]) * scale
        if near_half(u, 0.05) or near_half(v, 0.05) or not (0 <= swift_round(u) < EXTENT and 0 <= swift_round(v) < EXTENT):
            continue
        cells.setdefault((tile, swift_round(u) // PIXEL, swift_round(v) // PIXEL), []).append(i)
    alone = [(key, members[0]) for key, members in sorted(cells.items(), key=lambda item: str(item[0]))
             if len(members) == 1 and attributes[members[0]].get("current_use") not in (None, "industrial")
             and attributes[members[0]].get("zone_code")]
    assert alone, "no parcel alone in its zoom-13 cell"
    (tile, column, row), i = alone[0]
    fid, zone_code, old_use = ids[i], attributes[i]["zone_code"], attributes[i]["current_use"]
    server = Server(db, tmp_path / "serve.log").start()
    try:
        def cell_over(path):
            status, _, body = fetch_tile(server.base, path)
            assert status == 200
            x, y = column * PIXEL + PIXEL // 2, row * PIXEL + PIXEL // 2
            found = []
            for feature in decode(body)["parcels"]["features"]:
                if "id" in feature["properties"]:
                    continue
                [ring] = feature["geometry"]["coordinates"]
                xs, ys = [p[0] for p in ring], [p[1] for p in ring]
                if min(xs) <= x <= max(xs) and min(ys) <= y <= max(ys):
                    found.append(feature["properties"])
            assert len(found) == 1, (path, found)
            return found[0]

        path = tile_path(tile, "parcels")
        before = cell_over(path)
        assert before["current_use"] == old_use and before["parcels"] >= 1, before
        status, headers, _ = get(server.base, f"/collections/parcels/items/{fid}")
        assert status == 200
        status, answer = patch(server.base, f"/collections/parcels/items/{fid}", {"properties": {"current_use": "industrial"}},
                               planner, headers["ETag"])
        assert status == 200, answer
        after = cell_over(path)
        assert after["current_use"] == "industrial", (fid, after)
        assert after.get("conformity") == conformity("industrial", zone_code, source.rules), (fid, after)
    finally:
        server.stop()
