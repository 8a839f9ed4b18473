"""CQL2 filtering (OGC API – Features – Part 3 with OGC 21-065, "Common Query Language") of a real
`zamin serve`, compared with an independent evaluator.

What is compared with what:

* The server: `GET /collections/{c}/items?filter=…&filter-lang=cql2-text|cql2-json&limit=10000`
  on Tehran and on Helsinki (both imported from GeoData), every `next` page followed: the set of
  feature ids and `numberMatched`.
* The oracle: the same collection read unfiltered from the same server (every queryable is in
  each item's `properties`), each expression evaluated here:
  - the predicates (comparisons, LIKE, BETWEEN, IN, CASEI, ACCENTI, arithmetic, arrays) by the
    PyPI `cql2` package (cql2-rs) on `{"type": "Feature", "id", "geometry", "properties"}`;
  - the spatial functions by shapely (GEOS) on the items' GeoJSON geometries, with cql2's own
    S_INTERSECTS checked against shapely where it has one;
  - AND, OR, NOT and NULLs by the truth table of OGC 21-065 §6 "CQL2 filter expression"
    (a predicate on a NULL operand is NULL, NOT NULL is NULL, an item is selected only when the
    whole filter is TRUE). cql2 0.6.0 raises on a NULL operand instead of answering NULL, so the
    connectives are evaluated here and checked against cql2's wherever no operand is NULL.
* Per conformance class, 300 seeded random expressions built from values present in the data,
  each sent as cql2-text and as cql2-json (cql2's `to_json()` of the text). A class the server's
  `/conformance` does not declare is skipped; a declared class must agree on every expression.
* temporal-functions (OGC 21-065 §7.13) filters on the queryables `valid_from`/`valid_to`, the
  validity of the version answered, which an imported city lacks: two more servers, over copies
  of their own, first get a history (three rounds of OGC API – Features Part 4 PATCHes, 0.3 s
  apart, on 40 parcels, 40 zones — 30 of Tehran's 46 — and 8 facilities per city), then are read
  with `datetime` now and between the rounds (each feature in its version of then). 300
  expressions per city, each asked without `datetime` in both encodings, and as many as a time
  budget allows also with `datetime` (between two rounds mostly, else now), against cql2 on the
  versions so read: a NULL end of INTERVAL() is open (given to cql2 as '..'), a NULL anywhere
  else makes the predicate NULL. Where cql2 is no oracle (a date as an INTERVAL end, TIMESTAMP()
  or DATE() as one, an instant compared with a DATE) probes are checked against the standard's
  reading computed here.

Also: bad filters are 400 JSON naming `filter`, hostile ones (deep nesting, huge lists, patterns
made to backtrack) are refused or answered right, never 5xx; paging with `next` keeps the filter;
ACCENTI strips what Unicode canonical decomposition splits off (Persian as well as Finnish);
examples of the standard itself, rewritten for our properties, give the same ids in both encodings
and with `filter-lang` left to its default.

The generated expressions themselves are checked on any server: valid CQL2 (a sample against
cql2's JSON Schema), the JSON form round-trips, and at least 40% of each class match some but not
all features of their collection.

`python test_cql2.py [-v]` (with ZAMIN_BIN set) starts the two servers, prints per class how many
expressions match none, some or all features and how long generating and evaluating took, and
stops them.
"""
import contextlib
import functools
import http.client
import json
import math
import random
import re
import shutil
import sys
import tempfile
import threading
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import GEODATA, Server, import_dataset
from planner_support import copy_db, create_key

cql2 = pytest.importorskip("cql2")
shapely = pytest.importorskip("shapely")
import numpy as np  # noqa: E402  (shapely's own dependency)
from shapely.geometry import shape  # noqa: E402

SEED = 21065
EXPRESSIONS_PER_CLASS = 300
PAGE_LIMIT = 10_000
WORKERS = 4
REQUEST_TIMEOUT = 60
# Answers over this many bytes of GeoJSON are costly to fetch and parse (Tehran has 6,673 parcels,
# 2.9 MB): the generators keep only a few such expressions per class and collection.
HEAVY_ANSWER = 200_000
HEAVY_PER_LAYER = 3
# cql2's JSON Schema validation takes ~40 ms an expression: a sample of each class is validated.
VALIDATED_PER_CLASS = 25
# How many items of each expression the oracle's logic is checked on against cql2's own.
CROSS_CHECKS = 300
# A vertex closer than this (degrees, ~0.1 mm) to another geometry's edge without being one of
# its vertices makes the spatial answer hang on rounding: such features are not compared.
FRAGILE_DISTANCE = 1e-9

CQL2_CONF = "http://www.opengis.net/spec/cql2/1.0/conf/"
FILTER_CONF = ("http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
               "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter")
ENCODINGS = ("cql2-text", "cql2-json")
CLASSES = (
    "basic-cql2",
    "advanced-comparison-operators",
    "case-insensitive-comparison",
    "accent-insensitive-comparison",
    "property-property",
    "arithmetic",
    "basic-spatial-functions",
    "basic-spatial-functions-plus",
    "spatial-functions",
    "array-functions",
    "temporal-functions",
)
CITIES = ("tehran", "helsinki")
COLLECTIONS = ("parcels", "zones", "facilities")

SPATIAL_OPS = {  # cql2-json op → shapely predicate
    "s_intersects": "intersects", "s_disjoint": "disjoint", "s_within": "within", "s_contains": "contains",
    "s_touches": "touches", "s_overlaps": "overlaps", "s_crosses": "crosses", "s_equals": "equals",
}
# pred(a, b) == FLIPPED[pred](b, a): lets the literal, prepared once, be the first argument.
FLIPPED = {"within": "contains", "contains": "within"}
TRUE, FALSE, NULL = 1, 0, -1  # OGC 21-065 §6: a predicate is TRUE, FALSE or NULL (unknown)
# Why a class may have no generated expressions.
UNSUITED = {
    "array-functions": "no collection has a queryable of type array",
    "temporal-functions": "no collection has a date-time queryable with values (valid_from, valid_to)",
}

# temporal-functions: its own servers, whose features get a history (make_history) before.
TEMPORAL = "temporal-functions"
EXPRESSIONS = {TEMPORAL: len(CITIES) * EXPRESSIONS_PER_CLASS}  # 300 per city
TEMPORAL_FUNCTIONS = ("T_AFTER", "T_BEFORE", "T_CONTAINS", "T_DISJOINT", "T_DURING", "T_EQUALS", "T_FINISHEDBY",
                      "T_FINISHES", "T_INTERSECTS", "T_MEETS", "T_METBY", "T_OVERLAPPEDBY", "T_OVERLAPS",
                      "T_STARTEDBY", "T_STARTS")
# Features edited per collection, at most two thirds of it (Tehran has 46 zones). An edit of a
# facility costs ~0.4 s on Helsinki in a debug build (the city's search catalogue is rebuilt).
EDITED_PER_COLLECTION = {"parcels": 40, "zones": 40, "facilities": 8}
# A request with `datetime` on an edited collection costs up to ~0.4 s in a debug build (the
# server builds the city of then): each layer's cases are asked with it as long as this many
# seconds of such requests allow, but at least DATETIME_AT_LEAST of them.
DATETIME_SECONDS = 4.0
DATETIME_AT_LEAST = 12
EDIT_ROUNDS = 3
ROUND_GAP = 0.3  # seconds between two rounds of edits; the instants read as the past lie halfway
EDITED_PROPERTY = {"parcels": "floors", "zones": "name_en", "facilities": "name_en"}
PLANNER_KEY_NAME = "cql2-temporal"
# The cities' UTC offsets in minutes, for timestamps written in local time.
CITY_OFFSETS = {"tehran": 210, "helsinki": 120}
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
VALIDITY = ("valid_from", "valid_to")
DAY_MS = 86_400_000
FAR_INSTANTS = ("1969-07-20T20:17:40Z", "2000-01-01T00:00:00Z", "2019-09-09T12:00:00.250Z",
                "2100-01-01T00:00:00Z", "2999-12-31T23:59:59Z")


# ---------------------------------------------------------------------------------------------
# HTTP: one keep-alive connection per thread and server.

class HTTP:
    def __init__(self):
        self.local = threading.local()

    def connection(self, base, fresh=False):
        parts = urllib.parse.urlsplit(base)
        key = (parts.hostname, parts.port)
        pool = self.local.__dict__.setdefault("pool", {})
        if fresh or key not in pool:
            if key in pool:
                pool[key].close()
            pool[key] = http.client.HTTPConnection(parts.hostname, parts.port, timeout=REQUEST_TIMEOUT)
        return pool[key]

    def get(self, base, target, headers=None):
        """(status, lower-case headers, body) of `GET target`; a closed keep-alive is reopened once."""
        for attempt in (0, 1):
            connection = self.connection(base, fresh=attempt == 1)
            try:
                connection.request("GET", target, headers={"Accept": "application/geo+json, application/json",
                                                           **(headers or {})})
                response = connection.getresponse()
                body = response.read()
                if response.will_close:
                    connection.close()
                return response.status, {k.lower(): v for k, v in response.getheaders()}, body
            except http.client.LineTooLong as error:
                # Python's client (like nginx's 4–8 KB proxy buffers) refuses a header line over 64 KB.
                connection.close()
                return -1, {}, f"the response has a header line over 64 KB ({error})".encode()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.CannotSendRequest, http.client.ResponseNotReady):
                connection.close()
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def get_json(self, base, target):
        status, _, body = self.get(base, target)
        assert status == 200, f"GET {target}: {status} {body[:300]!r}"
        return json.loads(body)


def items_target(collection, params):
    # Parentheses may stay as they are in a query (RFC 3986 sub-delims); everything else that is
    # not unreserved is percent-encoded ('+' too, so it is never read as a space).
    return f"/collections/{collection}/items?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote, safe="()")


def link_target(href):
    parts = urllib.parse.urlsplit(href)
    return parts.path + ("?" + parts.query if parts.query else "")


@dataclass
class Answer:
    status: int
    ids: list = field(default_factory=list)
    number_matched: list = field(default_factory=list)  # of every page
    next_links: list = field(default_factory=list)
    body: bytes = b""


def fetch_all(client, base, collection, params, max_pages=2_000):
    """Every page of an items request, following `next` links (OGC 17-069r4 §7.15.6)."""
    answer = Answer(status=0)
    target = items_target(collection, params)
    for _ in range(max_pages):
        status, _, body = client.get(base, target)
        answer.status = status
        if status != 200:
            answer.body = body
            return answer
        page = json.loads(body)
        answer.ids += [feature["id"] for feature in page["features"]]
        answer.number_matched.append(page.get("numberMatched"))
        following = [link["href"] for link in page.get("links", []) if link.get("rel") == "next"]
        if not following:
            return answer
        answer.next_links.append(following[0])
        target = link_target(following[0])
    raise AssertionError(f"more than {max_pages} pages: {target}")


# ---------------------------------------------------------------------------------------------
# The data: each collection of each city, as the server serves it unfiltered.

def queryable_kind(schema):
    if schema.get("x-ogc-role") == "primary-geometry" or str(schema.get("format", "")).startswith("geometry"):
        return "geometry"
    kind = schema.get("type")
    if kind == "string" and schema.get("format") in ("date", "date-time"):
        return "temporal"
    return kind if kind in ("string", "integer", "number", "boolean", "array") else None


class Layer:
    """One collection of one city: its queryables, its items, and shapely geometries."""

    def __init__(self, city, collection, base, queryables, features):
        self.city, self.collection, self.base = city, collection, base
        self.name = f"{city}/{collection}"
        self.kinds = {name: queryable_kind(schema) for name, schema in queryables["properties"].items()}
        self.geometry_property = next((n for n, k in self.kinds.items() if k == "geometry"), "geometry")
        self.ids = [feature["id"] for feature in features]
        self.properties = [feature["properties"] for feature in features]
        self.geojson = [feature["geometry"] for feature in features]
        self.sizes = np.array([len(json.dumps(feature, ensure_ascii=False)) for feature in features])
        self.geometries = np.array([shape(g) for g in self.geojson], dtype=object)
        self.total = len(self.ids)
        self.tree = shapely.STRtree(self.geometries)
        self.is_points = all(g.geom_type in ("Point", "MultiPoint") for g in self.geometries)
        x0, y0, x1, y1 = shapely.total_bounds(self.geometries)
        self.bounds = (x0, y0, x1, y1)
        # Typical distance between neighbouring features, in degrees: the scale of literals.
        self.spacing = max(math.sqrt(max((x1 - x0) * (y1 - y0), 1e-12) / max(self.total, 1)), 2e-5)
        self.xscale = 1 / math.cos(math.radians((y0 + y1) / 2))

    def of_kind(self, *kinds):
        return [name for name, kind in self.kinds.items() if kind in kinds and self.values(name)]

    @functools.lru_cache(maxsize=None)
    def values(self, name):
        """The non-null values of a property, with repeats (so frequent ones are picked more)."""
        return [p[name] for p in self.properties if p.get(name) is not None]

    @functools.lru_cache(maxsize=None)
    def distinct(self, name):
        values = self.values(name)
        if values and isinstance(values[0], list):
            return sorted({json.dumps(v) for v in values})
        return sorted(set(values), key=lambda v: (str(type(v)), v))

    def nulls(self, name):
        return self.total - len(self.values(name))

    @functools.lru_cache(maxsize=None)
    def encoded(self, names):
        """The values of `names` (a tuple) as a code per feature and the distinct value tuples:
        a predicate on them need only be evaluated once per distinct tuple."""
        index, tuples = {}, []
        codes = np.empty(self.total, dtype=np.int64)
        for i, properties in enumerate(self.properties):
            values = tuple(properties.get(name) for name in names)
            key = json.dumps(values)
            if key not in index:
                index[key] = len(tuples)
                tuples.append(values)
            codes[i] = index[key]
        return codes, tuples

    @functools.cached_property
    def vertices(self):
        return shapely.get_coordinates(self.geometries)

    def anchor(self, rng):
        """A point on a random feature (inside it, for polygons)."""
        geometry = self.geometries[rng.randrange(self.total)]
        point = shapely.point_on_surface(geometry)
        return point.x, point.y

    def vertex(self, rng):
        x, y = self.vertices[rng.randrange(len(self.vertices))]
        return float(x), float(y)


def load_layers(client, servers, params=None):
    """Every collection of every city, unfiltered; `params` (per city) adds query parameters."""
    layers = []
    for city in [city for city in CITIES if city in servers]:
        base = servers[city]
        for collection in COLLECTIONS:
            queryables = client.get_json(base, f"/collections/{collection}/queryables")
            features, matched = [], None
            target = items_target(collection, {"limit": PAGE_LIMIT, **(params or {}).get(city, {})})
            while target:
                page = client.get_json(base, target)
                features += page["features"]
                matched = page.get("numberMatched", matched)
                following = [link["href"] for link in page.get("links", []) if link.get("rel") == "next"]
                target = link_target(following[0]) if following else None
            assert len(features) == matched > 0, f"{city}/{collection}"
            layers.append(Layer(city, collection, base, queryables, features))
    return layers


# ---------------------------------------------------------------------------------------------
# The oracle.

def referenced_properties(node):
    found = set()

    def walk(value):
        if isinstance(value, dict):
            if set(value) == {"property"}:
                found.add(value["property"])
            for child in value.values():
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    walk(node)
    return found


def property_uses(node):
    """(the properties read as values, those read only as an end of an INTERVAL): a NULL end of an
    interval is open (OGC 21-065 §7.13: '..'), a NULL value anywhere else makes the predicate NULL."""
    bare, ends = set(), set()

    def walk(value, end=False):
        if isinstance(value, dict):
            if set(value) == {"property"}:
                (ends if end else bare).add(value["property"])
                return
            for key, child in value.items():
                if key == "interval" and isinstance(child, list):
                    for item in child:
                        walk(item, end=True)
                else:
                    walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    walk(node)
    return bare, ends - bare


def kleene_and(a, b):
    return np.where((a == FALSE) | (b == FALSE), FALSE, np.where((a == TRUE) & (b == TRUE), TRUE, NULL)).astype(np.int8)


def kleene_or(a, b):
    return np.where((a == TRUE) | (b == TRUE), TRUE, np.where((a == FALSE) & (b == FALSE), FALSE, NULL)).astype(np.int8)


def kleene_not(a):
    return np.where(a == NULL, NULL, 1 - a).astype(np.int8)


def literal_geometry(value):
    if isinstance(value, dict) and "bbox" in value:
        numbers = value["bbox"]
        x0, y0, x1, y1 = (numbers[0], numbers[1], numbers[3], numbers[4]) if len(numbers) == 6 else numbers
        if x0 > x1:  # OGC 21-065 §7.5.1: west edge east of the east edge, across the antimeridian
            return shapely.MultiPolygon([shapely.box(x0, y0, 180, y1), shapely.box(-180, y0, x1, y1)])
        return shapely.box(x0, y0, x1, y1)
    return shape(value)


class Oracle:
    """Expected answers on one layer. Results of leaves (predicates) are cached by their JSON."""

    def __init__(self, layer):
        self.layer = layer
        self.leaves = {}

    def evaluate(self, ast):
        """(truth per feature as TRUE/FALSE/NULL, features whose answer hangs on rounding)."""
        return self.node(ast)

    def node(self, node):
        n = self.layer.total
        if isinstance(node, bool):
            return np.full(n, TRUE if node else FALSE, dtype=np.int8), np.zeros(n, dtype=bool)
        op = node.get("op") if isinstance(node, dict) else None
        if op in ("and", "or"):
            truth, fragile = self.node(node["args"][0])
            for arg in node["args"][1:]:
                other, other_fragile = self.node(arg)
                truth = kleene_and(truth, other) if op == "and" else kleene_or(truth, other)
                fragile = fragile | other_fragile
            return truth, fragile
        if op == "not":
            truth, fragile = self.node(node["args"][0])
            return kleene_not(truth), fragile
        key = json.dumps(node, sort_keys=True)
        if key not in self.leaves:
            if op in SPATIAL_OPS:
                self.leaves[key] = self.spatial(node)
            else:
                self.leaves[key] = self.predicate(node), np.zeros(n, dtype=bool)
        return self.leaves[key]

    def predicate(self, node):
        """A non-spatial predicate, by cql2, once per distinct tuple of the values it reads."""
        names = tuple(sorted(referenced_properties(node)))
        bare, _ = property_uses(node)
        expression = cql2.parse_json(json.dumps(node))
        null_aware = node.get("op") == "isNull"
        codes, tuples = self.layer.encoded(names)
        results = np.empty(len(tuples), dtype=np.int8)
        for code, values in enumerate(tuples):
            if not null_aware and any(v is None and name in bare for name, v in zip(names, values)):
                results[code] = NULL  # OGC 21-065: a predicate with a NULL operand is NULL
                continue
            # A NULL end of an INTERVAL is open: '..' to cql2 (a bare NULL was answered above).
            properties = {name: ".." if v is None and name not in bare else v for name, v in zip(names, values)}
            # cql2 reads the property `id` from the item's own `id` member.
            item = {"type": "Feature", "id": properties.get("id", "item"), "geometry": None, "properties": properties}
            try:
                results[code] = TRUE if expression.matches(item) else FALSE
            except Exception as error:
                raise AssertionError(f"cql2 cannot evaluate {json.dumps(node)} on {item}: {error}") from None
        return results[codes]

    def spatial(self, node):
        """A spatial function by shapely; features whose answer hangs on rounding are marked."""
        layer, n = self.layer, self.layer.total
        predicate = SPATIAL_OPS[node["op"]]
        a, b = node["args"]
        is_property = lambda arg: isinstance(arg, dict) and set(arg) == {"property"}  # noqa: E731
        if not is_property(a) and not is_property(b):  # two literals: one answer for every item
            answer = getattr(shapely, predicate)(literal_geometry(a), literal_geometry(b))
            return np.full(n, TRUE if answer else FALSE, dtype=np.int8), np.zeros(n, dtype=bool)
        if is_property(a) and is_property(b):
            raise AssertionError("no generator compares two geometry properties")
        literal = literal_geometry(b if is_property(a) else a)
        if is_property(a):  # pred(geometry, literal) == flipped(literal, geometry)
            predicate = FLIPPED.get(predicate, predicate)
        shapely.prepare(literal)
        candidates = layer.tree.query(literal)  # envelopes meet: the only ones that can intersect
        truth = np.full(n, TRUE if predicate == "disjoint" else FALSE, dtype=np.int8)
        if len(candidates):
            answers = getattr(shapely, predicate)(literal, layer.geometries[candidates])
            truth[candidates] = np.where(answers, TRUE, FALSE)
        return truth, self.fragile(literal)

    def fragile(self, literal):
        """Features with a vertex within FRAGILE_DISTANCE of the literal's edges (or the other way
        round) that is not also a vertex of it: T-junctions and near misses whose answer hangs on
        how a library rounds, unlike shared vertices, which every exact test agrees on."""
        layer = self.layer
        fragile = np.zeros(layer.total, dtype=bool)
        literal_lines = literal.boundary if literal.geom_type in ("Polygon", "MultiPolygon") else literal
        near = layer.tree.query(literal_lines, predicate="dwithin", distance=FRAGILE_DISTANCE)
        if not len(near):
            return fragile
        literal_vertices = {tuple(c) for c in shapely.get_coordinates(literal)}
        literal_points = shapely.points(shapely.get_coordinates(literal))
        for i in near:
            geometry = layer.geometries[i]
            coordinates = shapely.get_coordinates(geometry)
            own_vertices = {tuple(c) for c in coordinates}
            close = shapely.distance(shapely.points(coordinates), literal_lines) < FRAGILE_DISTANCE
            if any(c and tuple(xy) not in literal_vertices for c, xy in zip(close, coordinates)):
                fragile[i] = True
                continue
            lines = geometry.boundary if geometry.geom_type in ("Polygon", "MultiPolygon") else geometry
            close = shapely.distance(literal_points, lines) < FRAGILE_DISTANCE
            if any(c and tuple(p.coords[0]) not in own_vertices for c, p in zip(close, literal_points)):
                fragile[i] = True
        return fragile


@dataclass
class Case:
    conformance: str
    layer: Layer
    text: str

    @functools.cached_property
    def expression(self):
        return cql2.parse_text(self.text)

    @functools.cached_property
    def ast(self):
        return self.expression.to_json()

    @functools.cached_property
    def json(self):
        return json.dumps(self.ast, ensure_ascii=False, separators=(",", ":"))

    def filter(self, encoding):
        return self.text if encoding == "cql2-text" else self.json

    def label(self, encoding):
        shown = self.filter(encoding)
        shown = shown if len(shown) <= 240 else shown[:200] + f"… ({len(shown)} characters)"
        return f"[{self.layer.name}, {encoding}] {shown}"


@dataclass
class Expected:
    ids: frozenset
    dont_care: frozenset  # fragile: either answer is accepted
    size: int = 0  # bytes of the features to expect


# ---------------------------------------------------------------------------------------------
# Writing CQL2 text.

def number(value):
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, int) or float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = repr(float(value))
    return text if "e" not in text else f"{value:.12f}".rstrip("0")


def literal(value):
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return number(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(value)


def coordinate(x, y):
    return f"{number(x)} {number(y)}"


def wkt_ring(points):
    return "(" + ", ".join(coordinate(x, y) for x, y in points) + ")"


def wkt(geometry):
    """WKT of a shapely geometry, with exact (shortest round-trip) coordinates."""
    kind = geometry.geom_type
    if kind == "Point":
        return f"POINT({coordinate(geometry.x, geometry.y)})"
    if kind == "LineString":
        return "LINESTRING" + wkt_ring(geometry.coords)
    if kind == "Polygon":
        return "POLYGON(" + ", ".join(wkt_ring(r.coords) for r in [geometry.exterior, *geometry.interiors]) + ")"
    if kind == "MultiPoint":
        return "MULTIPOINT(" + ", ".join(f"({coordinate(p.x, p.y)})" for p in geometry.geoms) + ")"
    if kind == "MultiLineString":
        return "MULTILINESTRING(" + ", ".join(wkt_ring(g.coords) for g in geometry.geoms) + ")"
    if kind == "MultiPolygon":
        return "MULTIPOLYGON(" + ", ".join(wkt(g)[len("POLYGON"):] for g in geometry.geoms) + ")"
    raise TypeError(kind)


def instant_ms(text):
    """An RFC 3339 date-time as milliseconds since 1970 UTC (the server's resolution)."""
    return (datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00")) - EPOCH) // timedelta(milliseconds=1)


def rfc3339(ms, offset=0, digits=3):
    """`ms` written with a UTC offset of `offset` minutes and `digits` fraction digits (0: none)."""
    local = EPOCH + timedelta(milliseconds=ms + offset * 60_000)
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        text += "." + f"{ms % 1000:03d}".ljust(digits, "0")
    if not offset:
        return text + "Z"
    hours, minutes = divmod(abs(offset), 60)
    return f"{text}{'+' if offset > 0 else '-'}{hours:02d}:{minutes:02d}"


def day_of(ms):
    """The UTC day of an instant, as a full-date."""
    return (EPOCH + timedelta(milliseconds=ms)).date().isoformat()


def day_bounds(day):
    """A DATE as OGC 21-065 §7.13 and cql2 read it, its whole day: [first, last] millisecond (UTC)."""
    start = instant_ms(day + "T00:00:00Z")
    return start, start + DAY_MS - 1


def shifted_day(day, days):
    return day_of(instant_ms(day + "T00:00:00Z") + days * DAY_MS)


def escape_like(text):
    """A LIKE pattern matching `text` literally (OGC 21-065 /req/advanced-comparison-operators/
    like-predicate K: the escape character is the back slash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def strip_accents(text):
    return unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", text)
                                                if not unicodedata.combining(c)))


ACCENTED = {"a": "áäàâ", "e": "éèëê", "i": "íï", "o": "öóô", "u": "üú", "c": "ç", "n": "ñ", "y": "ý",
            "A": "ÁÄÅ", "E": "ÉÈ", "O": "ÖÓ", "U": "ÜÚ"}


class Writer:
    """Keywords in the case and spacing variants the text encoding allows (keywords are
    case-insensitive: OGC 21-065's own tests write `is not null`, `and`, `or not`)."""

    def __init__(self, rng):
        self.rng = rng

    def kw(self, word):
        r = self.rng.random()
        return word.lower() if r < 0.15 else word.capitalize() if r < 0.2 else word

    def fn(self, name):
        return name.lower() if self.rng.random() < 0.1 else name

    def op(self, symbol):
        return symbol if self.rng.random() < 0.2 else f" {symbol} "

    def combine(self, parts):
        """Parts joined by AND/OR into a random tree, parenthesised or left to precedence."""
        rng = self.rng
        if len(parts) == 1:
            return f"{self.kw('NOT')} ({parts[0]})" if rng.random() < 0.15 else parts[0]
        k = rng.randint(1, len(parts) - 1)
        left, right = self.combine(parts[:k]), self.combine(parts[k:])
        joiner = self.kw(rng.choice(["AND", "OR"]))
        wrap = lambda t: f"({t})" if rng.random() < 0.6 else t  # noqa: E731
        text = f"{wrap(left)} {joiner} {wrap(right)}"
        return f"{self.kw('NOT')} ({text})" if rng.random() < 0.1 else text


# ---------------------------------------------------------------------------------------------
# Generators: one function per conformance class, making one expression for a layer.

class Generators:
    def __init__(self, layers):
        self.layers = layers
        self.city_points = {}
        # temporal-functions: per layer, the instants of its history (ms, sorted) and the
        # validities (ms or None, ms or None) of its versions; per city, the days about them.
        self.moments, self.validities, self.days = {}, {}, {}
        for layer in layers:
            if layer.is_points:
                self.city_points.setdefault(layer.city, []).extend(
                    tuple(map(float, c)) for c in shapely.get_coordinates(layer.geometries))

    # Which layers a class can be exercised on.
    def applies(self, conformance, layer):
        if conformance in ("advanced-comparison-operators", "case-insensitive-comparison",
                           "accent-insensitive-comparison"):
            return bool(layer.of_kind("string"))
        if conformance == "property-property":
            return bool(layer.of_kind("string", "integer", "number"))
        if conformance == "arithmetic":
            return bool(layer.of_kind("integer", "number"))
        if conformance == "array-functions":
            return bool(layer.of_kind("array"))
        if conformance == TEMPORAL:
            return bool(layer.of_kind("temporal")) and bool(self.moments.get(layer.name))
        return True

    def cases(self, conformance, light_enough=lambda case, rng: True, count=EXPRESSIONS_PER_CLASS):
        rng = random.Random(f"{SEED}/{conformance}")  # per class: the same set whatever runs first
        layers = [layer for layer in self.layers if self.applies(conformance, layer)]
        if not layers:
            return []
        make = getattr(self, conformance.replace("-", "_"))
        cases, seen = [], set()
        attempts = 0
        while len(cases) < count:
            attempts += 1
            assert attempts < count * 20, f"{conformance}: too many duplicate or heavy expressions"
            layer = layers[len(cases) % len(layers)]
            text = make(rng, Writer(rng), layer)
            if (layer.name, text) in seen:
                continue
            seen.add((layer.name, text))
            case = Case(conformance, layer, text)
            if light_enough(case, rng):
                cases.append(case)
        return cases

    # -- values present in the data ---------------------------------------------------------

    def value(self, rng, layer, name):
        """Mostly a value the data has (by frequency or among distinct ones), else a near or
        absent one, so comparisons split the collection."""
        kind = layer.kinds[name]
        values, distinct = layer.values(name), layer.distinct(name)
        r = rng.random()
        if r < 0.5:
            return rng.choice(values)
        if r < 0.8:
            return rng.choice(distinct)
        base = rng.choice(distinct)
        if kind == "integer":
            return rng.choice([base - 1, base + 1, base + 0.5, -1, 1000])
        if kind == "number":
            return round(base * rng.uniform(0.7, 1.3), 2)
        if kind == "boolean":
            return rng.choice([True, False])
        return rng.choice([base[:max(1, len(base) // 2)], base + "a", base.upper(), base.lower(), "zzz", "A", "", " "])

    @staticmethod
    def pick_property(rng, layer, *kinds):
        """A property of those kinds; the id (unique per feature, costly to evaluate) less often."""
        names = layer.of_kind(*kinds)
        weights = [1 if name == "id" else 4 for name in names]
        return rng.choices(names, weights)[0]

    def nullable_property(self, rng, layer):
        # Not the validity (`temporal`): NULL for every feature but those edited, it is the
        # temporal generator's to test.
        names = [name for name in layer.kinds if layer.kinds[name] not in ("geometry", "temporal", None)]
        with_nulls = [name for name in names if layer.nulls(name)]
        return rng.choice(with_nulls) if with_nulls and rng.random() < 0.7 else rng.choice(names)

    # -- basic-cql2 ---------------------------------------------------------------------------

    def basic_leaf(self, rng, w, layer):
        """/req/basic-cql2/binary-comparison-predicate and /req/basic-cql2/null-predicate: a
        property on the left, a literal on the right (the permission basic CQL2 gives)."""
        r = rng.random()
        if r < 0.12:
            negated = f"{w.kw('NOT')} " if rng.random() < 0.5 else ""
            return f"{self.nullable_property(rng, layer)} {w.kw('IS')} {negated}{w.kw('NULL')}"
        if r < 0.16:
            return w.kw(rng.choice(["TRUE", "FALSE"]))
        name = self.pick_property(rng, layer, "string", "integer", "number", "boolean")
        if layer.kinds[name] == "boolean":
            op = rng.choice(["=", "<>"])
        else:
            op = rng.choice(["=", "=", "<>", "<", "<=", ">", ">="])
        return f"{name}{w.op(op)}{literal(self.value(rng, layer, name))}"

    def basic_cql2(self, rng, w, layer):
        if rng.random() < 0.1:
            # The shape of OGC 21-065's logical conformance test (Annex A, basic-cql2 "logical").
            p1, p2, p3, p4 = (self.basic_leaf(rng, w, layer) for _ in range(4))
            return (f"({w.kw('NOT')} ({p2}) {w.kw('AND')} {p1}) {w.kw('OR')} ({p3} {w.kw('and')} {p4}) "
                    f"{w.kw('or')} {w.kw('not')} ({p1} {w.kw('OR')} {p4})")
        count = rng.choice([1, 1, 2, 2, 2, 3, 3, 4, 5])
        return w.combine([self.basic_leaf(rng, w, layer) for _ in range(count)])

    # -- advanced-comparison-operators ------------------------------------------------------------

    def like_pattern(self, rng, value):
        shape_ = rng.choice(["prefix", "prefix", "suffix", "infix", "single", "single", "exact", "mixed", "any", "none"])
        n = len(value)
        if shape_ == "any" or n == 0:
            return rng.choice(["%", "_%", "%_", "__%", "%%"])
        if shape_ == "prefix":
            return escape_like(value[:rng.randint(1, min(n, 6))]) + "%"
        if shape_ == "suffix":
            return "%" + escape_like(value[-rng.randint(1, min(n, 5)):])
        if shape_ == "infix":
            i = rng.randrange(n)
            return "%" + escape_like(value[i:i + rng.randint(1, 4)]) + "%"
        if shape_ == "exact":
            return escape_like(value)
        if shape_ == "none":
            return escape_like(value) + "q%"
        chars = [escape_like(c) for c in value]
        for i in rng.sample(range(n), min(n, rng.randint(1, 2))):
            chars[i] = "_"
        if shape_ == "mixed" and n > 3:
            cut = rng.randint(2, n - 1)
            chars = chars[:cut] + ["%"]
        return "".join(chars)

    def string_value(self, rng, layer, name):
        value = rng.choice(layer.values(name))
        return value if "\\" not in value else value.replace("\\", "")

    def advanced_leaf(self, rng, w, layer):
        """LIKE, BETWEEN and IN, each also negated (/req/advanced-comparison-operators/*)."""
        strings, numbers = layer.of_kind("string"), layer.of_kind("integer", "number")
        kinds = ["like", "like", "in"] + (["between", "between", "in_number"] if numbers else [])
        kind = rng.choice(kinds)
        negated = f"{w.kw('NOT')} " if rng.random() < 0.25 else ""
        if kind == "like":
            name = self.pick_property(rng, layer, "string")
            return f"{name} {negated}{w.kw('LIKE')} {literal(self.like_pattern(rng, self.string_value(rng, layer, name)))}"
        if kind == "between":
            name = rng.choice(numbers)
            low, high = sorted(self.value(rng, layer, name) for _ in range(2))
            if rng.random() < 0.1:
                low, high = high, low  # an empty range
            return f"{name} {negated}{w.kw('BETWEEN')} {number(low)} {w.kw('AND')} {number(high)}"
        name = rng.choice(numbers if kind == "in_number" else strings)
        items = [self.value(rng, layer, name) for _ in range(rng.randint(1, 6))]
        return f"{name} {negated}{w.kw('IN')} ({', '.join(literal(v) for v in items)})"

    def advanced_comparison_operators(self, rng, w, layer):
        parts = [self.advanced_leaf(rng, w, layer)]
        if rng.random() < 0.35:
            parts.append(rng.choice([self.advanced_leaf, self.basic_leaf])(rng, w, layer))
        return w.combine(parts)

    # -- case-insensitive-comparison ----------------------------------------------------------------

    @staticmethod
    def random_case(rng, text):
        out = []
        for c in text:
            swap = c.upper() if rng.random() < 0.5 else c.lower()
            # Only where case mapping is one to one (not ß → SS, not İ).
            out.append(swap if len(swap) == 1 and swap.lower() == c.lower() and swap.upper() == c.upper() else c)
        return "".join(out)

    def latin_property(self, rng, layer):
        strings = layer.of_kind("string")
        latin = [n for n in strings if any(c.isascii() and c.isalpha() for v in layer.distinct(n)[:50] for c in v)]
        if latin and rng.random() < 0.85:
            return rng.choices(latin, [1 if name == "id" else 4 for name in latin])[0]
        return self.pick_property(rng, layer, "string")

    def casei_leaf(self, rng, w, layer):
        """/req/case-insensitive-comparison/casei-function: CASEI on both sides, = and LIKE."""
        name = self.latin_property(rng, layer)
        value = self.random_case(rng, self.string_value(rng, layer, name))
        casei = w.fn("CASEI")
        r = rng.random()
        if r < 0.45:
            return f"{casei}({name}){w.op('=')}{casei}({literal(value)})"
        if r < 0.6:
            return f"{casei}({name}){w.op('<>')}{casei}({literal(value)})"
        negated = f"{w.kw('NOT')} " if r > 0.9 else ""
        return f"{casei}({name}) {negated}{w.kw('LIKE')} {casei}({literal(self.like_pattern(rng, value))})"

    def case_insensitive_comparison(self, rng, w, layer):
        parts = [self.casei_leaf(rng, w, layer)]
        if rng.random() < 0.3:
            parts.append(rng.choice([self.casei_leaf, self.basic_leaf])(rng, w, layer))
        return w.combine(parts)

    # -- accent-insensitive-comparison ----------------------------------------------------------------

    def accent_variant(self, rng, text):
        r = rng.random()
        if r < 0.1:
            return unicodedata.normalize("NFD", text)  # the same letters, decomposed
        stripped = strip_accents(text)
        if stripped != text and r < 0.6:
            return stripped
        out = []
        for c in stripped:
            out.append(rng.choice(ACCENTED[c]) if c in ACCENTED and rng.random() < 0.3 else c)
        return "".join(out)

    def accenti_leaf(self, rng, w, layer):
        """/req/accent-insensitive-comparison/accenti-function: ACCENTI on both sides, = and LIKE."""
        name = self.latin_property(rng, layer)
        values = layer.values(name)
        accented = [v for v in layer.distinct(name) if strip_accents(v) != v]
        original = rng.choice(accented) if accented and rng.random() < 0.6 else rng.choice(values)
        value = self.accent_variant(rng, original.replace("\\", ""))
        accenti = w.fn("ACCENTI")
        r = rng.random()
        if r < 0.5:
            return f"{accenti}({name}){w.op('=')}{accenti}({literal(value)})"
        if r < 0.65:
            return f"{accenti}({name}){w.op('<>')}{accenti}({literal(value)})"
        negated = f"{w.kw('NOT')} " if r > 0.92 else ""
        return f"{accenti}({name}) {negated}{w.kw('LIKE')} {accenti}({literal(self.like_pattern(rng, value))})"

    def accent_insensitive_comparison(self, rng, w, layer):
        parts = [self.accenti_leaf(rng, w, layer)]
        if rng.random() < 0.3:
            parts.append(rng.choice([self.accenti_leaf, self.basic_leaf])(rng, w, layer))
        return w.combine(parts)

    # -- property-property ----------------------------------------------------------------------

    def property_pairs(self, layer):
        pairs = []
        for family in (("string",), ("integer", "number")):
            names = layer.of_kind(*family)
            pairs += [(a, b) for a in names for b in names if a != b]
        return pairs

    def property_property_leaf(self, rng, w, layer):
        """/req/property-property/withdraw-permissions: properties on the right, literals on the left."""
        op = rng.choice(["=", "<>", "<", "<=", ">", ">="])
        pairs = self.property_pairs(layer)
        r = rng.random()
        if pairs and r < 0.55:
            a, b = rng.choice(pairs)
            return f"{a}{w.op(op)}{b}"
        if r < 0.62:
            name = self.pick_property(rng, layer, "string", "integer", "number")
            return f"{name}{w.op(rng.choice(['=', '<>', '<=']))}{name}"  # NULL where the value is missing
        name = self.pick_property(rng, layer, "string", "integer", "number")
        return f"{literal(self.value(rng, layer, name))}{w.op(op)}{name}"

    def property_property(self, rng, w, layer):
        parts = [self.property_property_leaf(rng, w, layer)]
        if rng.random() < 0.35:
            parts.append(rng.choice([self.property_property_leaf, self.basic_leaf])(rng, w, layer))
        return w.combine(parts)

    # -- arithmetic -----------------------------------------------------------------------------

    def arithmetic_leaf(self, rng, w, layer):
        """/req/arithmetic/arithmetic: + - * / % div ^ on numeric properties, compared with a
        threshold taken from what the expression gives on the data, so the answer splits it."""
        name = rng.choice(layer.of_kind("integer", "number"))
        k, m = rng.randint(1, 9), rng.randint(2, 5)
        div, mod = w.kw("div"), "%"
        forms = [
            (f"{name} + {k}", lambda v: v + k), (f"{name} - {k}", lambda v: v - k),
            (f"{name} * {k}", lambda v: v * k), (f"{k} * {name}", lambda v: k * v),
            (f"{name} / {m}", lambda v: v / m), (f"{name} {mod} {m}", lambda v: math.fmod(v, m)),
            (f"{name} {div} {m}", lambda v: float(int(v / m))), (f"({name} + {k}) * {m}", lambda v: (v + k) * m),
            (f"{name} * {name}", lambda v: v * v), (f"{name} ^ 2", lambda v: v ** 2),
            (f"{k} - {name}", lambda v: k - v), (f"({name} - {k}) / {m}", lambda v: (v - k) / m),
            (f"{name} - {k} * 2", lambda v: v - k * 2), (f"{name} * 2 + {name} {mod} 3", lambda v: v * 2 + math.fmod(v, 3)),
        ]
        if layer.kinds[name] == "number":
            forms = [f for f in forms if mod not in f[0] and div not in f[0]]
        text, function = rng.choice(forms)
        results = sorted({function(v) for v in layer.distinct(name)})
        exact = [r for r in results if float(r * 4).is_integer()]  # safe for '=' whatever the rounding
        op = rng.choice(["=", "<>", "<", "<=", ">", ">="])
        if op in ("=", "<>"):
            threshold = rng.choice(exact or [0])
        else:
            threshold = rng.choice(results)
            threshold = threshold + rng.choice([0, 0, 0.5, -0.5]) if float(threshold * 2).is_integer() else threshold
        right = number(threshold)
        if rng.random() < 0.15 and float(threshold).is_integer():
            right = f"{number(threshold + 3)} - 3"  # arithmetic on the right as well
        return f"{text}{w.op(op)}{right}"

    def arithmetic(self, rng, w, layer):
        parts = [self.arithmetic_leaf(rng, w, layer)]
        if rng.random() < 0.3:
            parts.append(rng.choice([self.arithmetic_leaf, self.basic_leaf])(rng, w, layer))
        return w.combine(parts)

    # -- array-functions --------------------------------------------------------------------------

    def array_functions(self, rng, w, layer):
        """/req/array-functions/array-predicates: arrays as sets."""
        name = rng.choice(layer.of_kind("array"))
        present = rng.choice(layer.values(name))
        every = sorted({json.dumps(x) for v in layer.values(name) for x in v})
        items = [json.loads(x) for x in every]
        function = rng.choice(["A_EQUALS", "A_CONTAINS", "A_CONTAINEDBY", "A_OVERLAPS"])
        if function == "A_EQUALS":
            chosen = rng.sample(present, len(present)) if present else []
        elif function == "A_CONTAINS":
            chosen = rng.sample(present, rng.randint(1, len(present))) if present else [rng.choice(items)]
        elif function == "A_CONTAINEDBY":
            chosen = present + rng.sample(items, min(len(items), rng.randint(0, 3)))
        else:
            chosen = rng.sample(items, min(len(items), rng.randint(1, 3)))
        chosen = chosen or [rng.choice(items)]
        array = "(" + ", ".join(literal(x) for x in dict.fromkeys(chosen)) + ")"
        text = f"{w.fn(function)}({name}, {array})"
        return w.combine([text, self.basic_leaf(rng, w, layer)]) if rng.random() < 0.25 else text

    # -- temporal-functions -----------------------------------------------------------------------

    def moment(self, rng, layer):
        """An instant (ms) about the layer's history: an edit instant itself (so that T_EQUALS,
        T_MEETS, T_STARTS … can hold), one a millisecond or a few hundred away, one halfway
        between two, or one far off."""
        pool = self.moments[layer.name]
        r = rng.random()
        if r < 0.45:
            ms = rng.choice(pool)
        elif r < 0.7:
            ms = rng.choice(pool) + rng.choice([-1, 1, -2, 2, rng.randint(-400, 400)])
        elif r < 0.88 and len(pool) > 1:
            i = rng.randrange(len(pool) - 1)
            ms = (pool[i] + pool[i + 1]) // 2
        else:
            ms = instant_ms(rng.choice(FAR_INSTANTS))
        return self.not_a_day_end(ms)

    @staticmethod
    def not_a_day_end(ms):
        """Never a day's last millisecond: cql2 ends a DATE a nanosecond before midnight, the server
        (whose times are milliseconds) at .999, so T_MEETS(DATE(d), that instant) would differ."""
        return ms - 1 if ms % DAY_MS == DAY_MS - 1 else ms

    def timestamp(self, rng, layer, ms=None):
        """A timestamp literal's text: UTC with milliseconds mostly, or in the city's local time,
        with six fraction digits, or with none when there are no milliseconds."""
        ms = self.moment(rng, layer) if ms is None else ms
        r = rng.random()
        if r < 0.12:
            return rfc3339(ms, CITY_OFFSETS[layer.city])
        if r < 0.18:
            return rfc3339(ms, digits=6)
        if ms % 1000 == 0 and r < 0.6:
            return rfc3339(ms, digits=0)
        return rfc3339(ms)

    def instant_literal(self, rng, w, layer):
        if self.days[layer.city] and rng.random() < 0.25:
            return f"{w.fn('DATE')}('{rng.choice(self.days[layer.city])}')"
        return f"{w.fn('TIMESTAMP')}('{self.timestamp(rng, layer)}')"

    def interval_literal(self, rng, w, layer):
        """INTERVAL of two timestamps in order (perhaps equal), or with one or both ends open;
        often one made from a version's validity, its ends kept or moved a little, so that the
        relations needing equal ends (T_EQUALS, T_MEETS, T_STARTS, T_FINISHES …) hold for some.
        Dates as ends are probes of their own (test_temporal_literals_cql2_cannot_judge): cql2
        reads INTERVAL('2026-12-07', '2026-12-07') as that midnight, not as the day."""
        r = rng.random()
        if r < 0.55 and self.validities[layer.name]:
            ends = []
            for ms in rng.choice(self.validities[layer.name]):
                if ms is None:  # an open end, kept open mostly
                    ms = None if rng.random() < 0.8 else self.moment(rng, layer)
                elif rng.random() < 0.3:
                    ms = self.not_a_day_end(ms + rng.choice([-1, 1, rng.randint(-500, 500)]))
                ends.append(ms)
            if None not in ends:
                ends.sort()
            ends = ["'..'" if ms is None else f"'{self.timestamp(rng, layer, ms)}'" for ms in ends]
        elif r < 0.75:
            start, end = sorted((self.moment(rng, layer), self.moment(rng, layer)))
            ends = [f"'{self.timestamp(rng, layer, start)}'", f"'{self.timestamp(rng, layer, end)}'"]
        elif r < 0.85:
            ends = ["'..'", f"'{self.timestamp(rng, layer)}'"]
        elif r < 0.97:
            ends = [f"'{self.timestamp(rng, layer)}'", "'..'"]
        else:
            ends = ["'..'", "'..'"]
        return f"{w.fn('INTERVAL')}({ends[0]}, {ends[1]})"

    def validity_operand(self, rng, w, layer, intervals=False):
        """The validity of the feature's version or an end of it: an instant (NULL where unknown)
        or an INTERVAL (open where unknown)."""
        interval = w.fn("INTERVAL")
        r = rng.uniform(0.37 if intervals else 0, 1)
        if r < 0.25:
            return "valid_from"
        if r < 0.37:
            return "valid_to"
        if r < 0.8:
            return f"{interval}(valid_from, valid_to)"
        if r < 0.88:
            return f"{interval}(valid_from, '..')"
        if r < 0.94:
            return f"{interval}('..', valid_to)"
        t = self.timestamp(rng, layer)
        return rng.choice([f"{interval}(valid_from, '{t}')", f"{interval}('{t}', valid_to)"])

    def temporal_leaf(self, rng, w, layer):
        """/req/temporal-functions/temporal-predicates: the 15 functions on the validity and a
        literal (instant, date or interval; either first), or on the validity twice; and the
        validity's instants compared with a timestamp or tested for NULL."""
        r = rng.random()
        if r < 0.08:
            negated = f"{w.kw('NOT')} " if rng.random() < 0.5 else ""
            return f"{rng.choice(['valid_from', 'valid_to'])} {w.kw('IS')} {negated}{w.kw('NULL')}"
        if r < 0.28:
            # /per/basic-cql2/time-instant-comparison, with a TIMESTAMP (not a DATE: cql2 then
            # widens the property's instant to a day of its own; see the probes).
            op = rng.choice(["=", "=", "<>", "<", "<=", ">", ">="])
            name = rng.choice(["valid_from", "valid_from", "valid_to"])
            ms = rng.choice(self.moments[layer.name]) if op in ("=", "<>") and rng.random() < 0.6 else None
            return f"{name}{w.op(op)}{w.fn('TIMESTAMP')}('{self.timestamp(rng, layer, ms)}')"
        function = rng.choice(TEMPORAL_FUNCTIONS)
        # OGC 21-065 Table 7's functions are defined between intervals (the server, like cql2,
        # reads an instant as an interval whose ends are equal; with one most are always FALSE).
        intervals = function not in ("T_AFTER", "T_BEFORE", "T_DISJOINT", "T_EQUALS", "T_INTERSECTS") and rng.random() < 0.8
        first = self.validity_operand(rng, w, layer, intervals)
        r = rng.random()
        if r < 0.1:
            second = self.validity_operand(rng, w, layer, intervals)
        elif r < 0.5 and not intervals:
            second = self.instant_literal(rng, w, layer)
        else:
            second = self.interval_literal(rng, w, layer)
        if rng.random() < 0.3:
            first, second = second, first
        return f"{w.fn(function)}({first}, {second})"

    def temporal_functions(self, rng, w, layer):
        parts = [self.temporal_leaf(rng, w, layer)]
        r = rng.random()
        if r < 0.18:
            parts.append(self.temporal_leaf(rng, w, layer))
        elif r < 0.33:
            parts.append(self.basic_leaf(rng, w, layer))
        return w.combine(parts)

    # -- geometry literals ------------------------------------------------------------------------

    @staticmethod
    def rounded(x, y):
        return round(x, 7), round(y, 7)

    def star(self, rng, layer, cx, cy, radius, vertices):
        """A simple (star-shaped) ring around (cx, cy), counter-clockwise."""
        angles = sorted(rng.uniform(0, 2 * math.pi) for _ in range(vertices))
        radii = [radius * rng.uniform(0.4, 1) for _ in angles]
        ring = [self.rounded(cx + r * math.cos(a) * layer.xscale, cy + r * math.sin(a)) for a, r in zip(angles, radii)]
        ring = list(dict.fromkeys(ring))
        return ring + ring[:1]

    def radius(self, rng, layer, low=0.3, high=8.0):
        return layer.spacing * math.exp(rng.uniform(math.log(low), math.log(high)))

    def polygon(self, rng, layer, centre=None, radius=None, many=None, hole=None):
        for _ in range(50):
            cx, cy = centre or layer.anchor(rng)
            r = radius or self.radius(rng, layer)
            n = many or (rng.randint(190, 210) if rng.random() < 0.15 else rng.randint(3, 24))
            outer = self.star(rng, layer, cx, cy, r, n)
            rings = [outer]
            if (hole if hole is not None else rng.random() < 0.12) and n >= 6:
                rings.append(self.star(rng, layer, cx, cy, r * 0.3, rng.randint(3, 8))[::-1])
            if len(outer) >= 4:
                candidate = shapely.Polygon(rings[0], rings[1:])
                if candidate.is_valid:
                    return candidate
        raise AssertionError("could not make a valid polygon")

    def linestring(self, rng, layer, start=None, steps=None):
        x, y = start or layer.anchor(rng)
        heading = rng.uniform(0, 2 * math.pi)
        points = [self.rounded(x, y)]
        for _ in range(steps or rng.randint(1, 12)):
            heading += rng.uniform(-1, 1)
            length = self.radius(rng, layer, 0.3, 4)
            x, y = x + length * math.cos(heading) * layer.xscale, y + length * math.sin(heading)
            points.append(self.rounded(x, y))
        return shapely.LineString(list(dict.fromkeys(points)) if len(set(points)) > 1 else points + [(x + 1e-4, y)])

    def data_point(self, rng, layer):
        """A point the data has exactly: a facility, or a vertex of this layer's geometries."""
        points = self.city_points.get(layer.city, [])
        if points and (layer.is_points or rng.random() < 0.4):
            return rng.choice(points)
        return layer.vertex(rng)

    def point(self, rng, layer):
        r = rng.random()
        if layer.is_points:
            if r < 0.7:
                return shapely.Point(self.data_point(rng, layer))
        elif r < 0.3:
            return shapely.Point(self.data_point(rng, layer))
        elif r < 0.6:
            return shapely.Point(*layer.anchor(rng))
        x, y = layer.anchor(rng)
        d = self.radius(rng, layer, 0.1, 3)
        return shapely.Point(self.rounded(x + rng.uniform(-d, d) * layer.xscale, y + rng.uniform(-d, d)))

    def multipoint(self, rng, layer):
        return shapely.MultiPoint([self.point(rng, layer) for _ in range(rng.randint(2, 8))])

    def multilinestring(self, rng, layer):
        return shapely.MultiLineString([self.linestring(rng, layer) for _ in range(rng.randint(2, 4))])

    def multipolygon(self, rng, layer):
        for _ in range(50):
            parts = [self.polygon(rng, layer, many=rng.randint(3, 30)) for _ in range(rng.randint(2, 3))]
            candidate = shapely.MultiPolygon(parts)
            if candidate.is_valid:
                return candidate
        raise AssertionError("could not make a valid multipolygon")

    def bbox(self, rng, layer):
        x, y = layer.anchor(rng)
        dx, dy = self.radius(rng, layer, 0.3, 10) * layer.xscale, self.radius(rng, layer, 0.3, 10)
        x0, y0, x1, y1 = x - dx * rng.random(), y - dy * rng.random(), x + dx * rng.random(), y + dy * rng.random()
        if rng.random() < 0.2:  # a corner exactly on a point of the data
            x0, y0 = self.data_point(rng, layer)
            x1, y1 = x0 + dx, y0 + dy
        return tuple(round(v, 7) for v in (x0, y0, x1, y1))

    def own_geometry(self, rng, layer):
        """A feature's own geometry, its rings rotated and perhaps reversed: the same point set."""
        index = rng.randrange(layer.total)
        geometry = layer.geometries[index]
        if geometry.geom_type == "Polygon" and rng.random() < 0.7:
            ring = list(geometry.exterior.coords)[:-1]
            k = rng.randrange(len(ring))
            ring = ring[k:] + ring[:k]
            if rng.random() < 0.3:
                ring = ring[::-1]
            geometry = shapely.Polygon(ring + ring[:1], [list(r.coords) for r in geometry.interiors])
        return geometry

    def boundary_piece(self, rng, layer):
        """A run of consecutive vertices of some feature's boundary, as a LINESTRING."""
        geometry = layer.geometries[rng.randrange(layer.total)]
        if geometry.geom_type == "MultiPolygon":
            geometry = geometry.geoms[0]
        ring = list(geometry.exterior.coords)
        start = rng.randrange(len(ring) - 1)
        return shapely.LineString(ring[start:start + rng.randint(2, 4)])

    def through_points(self, rng, layer, closed):
        """A ring (or line) whose vertices are facilities of the city: they touch its boundary."""
        points = self.city_points.get(layer.city)
        if not points:
            return self.polygon(rng, layer) if closed else self.linestring(rng, layer)
        cx, cy = rng.choice(points)
        nearest = sorted(range(len(points)), key=lambda i: (points[i][0] - cx) ** 2 + (points[i][1] - cy) ** 2)
        chosen = list(dict.fromkeys(points[i] for i in nearest[:rng.randint(3, 7)]))
        if closed:
            mx, my = sum(p[0] for p in chosen) / len(chosen), sum(p[1] for p in chosen) / len(chosen)
            chosen.sort(key=lambda p: math.atan2(p[1] - my, p[0] - mx))
            if len(chosen) >= 3:
                candidate = shapely.Polygon(chosen + chosen[:1])
                if candidate.is_valid and candidate.area > 0:
                    return candidate
            return self.polygon(rng, layer)
        return shapely.LineString(chosen) if len(chosen) >= 2 else self.linestring(rng, layer)

    # -- basic-spatial-functions ------------------------------------------------------------------

    def basic_spatial_leaf(self, rng, w, layer):
        """/req/basic-spatial-functions/spatial-predicate: S_INTERSECTS with a POINT or a BBOX."""
        geometry = w.fn("S_INTERSECTS")
        if rng.random() < 0.5:
            return f"{geometry}({layer.geometry_property}, {wkt(self.point(rng, layer))})"
        x0, y0, x1, y1 = self.bbox(rng, layer)
        return f"{geometry}({layer.geometry_property}, {w.fn('BBOX')}({number(x0)}, {number(y0)}, {number(x1)}, {number(y1)}))"

    def basic_spatial_functions(self, rng, w, layer):
        parts = [self.basic_spatial_leaf(rng, w, layer)]
        if rng.random() < 0.35:
            parts.append(rng.choice([self.basic_spatial_leaf, self.basic_leaf])(rng, w, layer))
        return w.combine(parts)

    # -- basic-spatial-functions-plus -----------------------------------------------------------------

    def plus_literal(self, rng, layer):
        kind = rng.choice(["LineString", "Polygon", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"])
        return {"LineString": self.linestring, "Polygon": self.polygon, "MultiPoint": self.multipoint,
                "MultiLineString": self.multilinestring, "MultiPolygon": self.multipolygon}[kind](rng, layer)

    def basic_spatial_functions_plus(self, rng, w, layer):
        """/req/basic-spatial-functions-plus/spatial-data-types: S_INTERSECTS with every literal type."""
        text = f"{w.fn('S_INTERSECTS')}({layer.geometry_property}, {wkt(self.plus_literal(rng, layer))})"
        return w.combine([text, self.basic_leaf(rng, w, layer)]) if rng.random() < 0.25 else w.combine([text])

    # -- spatial-functions ----------------------------------------------------------------------------

    def spatial_literal(self, rng, layer, function):
        if layer.is_points:
            choices = {
                "S_EQUALS": [lambda: shapely.Point(self.data_point(rng, layer))] * 4 + [lambda: self.point(rng, layer)],
                "S_TOUCHES": [lambda: self.through_points(rng, layer, True), lambda: self.through_points(rng, layer, False),
                              lambda: self.polygon(rng, layer)],
                "S_WITHIN": [lambda: self.polygon(rng, layer), lambda: self.through_points(rng, layer, True),
                             lambda: self.multipolygon(rng, layer)],
                "S_CONTAINS": [lambda: shapely.Point(self.data_point(rng, layer)), lambda: self.multipoint(rng, layer)],
                "S_DISJOINT": [lambda: self.polygon(rng, layer), lambda: self.multipoint(rng, layer)],
                "S_OVERLAPS": [lambda: self.multipoint(rng, layer)],
                "S_CROSSES": [lambda: self.linestring(rng, layer), lambda: self.through_points(rng, layer, False)],
                "S_INTERSECTS": [lambda: self.through_points(rng, layer, False), lambda: self.polygon(rng, layer),
                                 lambda: self.multipoint(rng, layer)],
            }
        else:
            small = lambda: self.polygon(rng, layer, radius=self.radius(rng, layer, 0.05, 0.5))  # noqa: E731
            choices = {
                "S_EQUALS": [lambda: self.own_geometry(rng, layer)] * 5 + [lambda: self.polygon(rng, layer)],
                "S_TOUCHES": [lambda: self.own_geometry(rng, layer)] * 2 + [
                    lambda: shapely.Point(layer.vertex(rng)), lambda: self.boundary_piece(rng, layer)],
                "S_WITHIN": [lambda: self.polygon(rng, layer, radius=self.radius(rng, layer, 1, 12)),
                             lambda: self.own_geometry(rng, layer), lambda: self.multipolygon(rng, layer)],
                "S_CONTAINS": [lambda: self.point(rng, layer), small, lambda: self.own_geometry(rng, layer),
                               lambda: self.linestring(rng, layer, steps=1), lambda: self.multipoint(rng, layer)],
                "S_DISJOINT": [lambda: self.polygon(rng, layer), lambda: self.linestring(rng, layer),
                               lambda: self.own_geometry(rng, layer)],
                "S_OVERLAPS": [lambda: self.polygon(rng, layer, centre=layer.vertex(rng)),
                               lambda: self.polygon(rng, layer), lambda: self.own_geometry(rng, layer)],
                "S_CROSSES": [lambda: self.linestring(rng, layer), lambda: self.multilinestring(rng, layer),
                              lambda: self.boundary_piece(rng, layer)],
                "S_INTERSECTS": [lambda: self.own_geometry(rng, layer), lambda: self.boundary_piece(rng, layer),
                                 lambda: self.plus_literal(rng, layer)],
            }
        return rng.choice(choices[function])()

    def spatial_functions(self, rng, w, layer):
        """/req/spatial-functions/spatial-functions: the DE-9IM functions, with literals made from
        the data itself where a relation needs exact contact (touching, equal, within)."""
        function = rng.choice(["S_EQUALS", "S_TOUCHES", "S_TOUCHES", "S_WITHIN", "S_WITHIN", "S_CONTAINS",
                               "S_DISJOINT", "S_OVERLAPS", "S_OVERLAPS", "S_CROSSES", "S_CROSSES", "S_INTERSECTS"])
        text = f"{w.fn(function)}({layer.geometry_property}, {wkt(self.spatial_literal(rng, layer, function))})"
        if rng.random() < 0.2:
            return w.combine([text, self.basic_leaf(rng, w, layer)])
        return text


# ---------------------------------------------------------------------------------------------
# The catalogue: servers, layers, generated cases and their expected answers, built once.

class Catalogue:
    def __init__(self, servers):
        self.client = HTTP()
        self.servers = servers
        self.layers = self.load()
        self.by_name = {layer.name: layer for layer in self.layers}
        self.generators = Generators(self.layers)
        self.oracles = {layer.name: Oracle(layer) for layer in self.layers}
        self.case_sets = {}
        self.expected_answers = {}
        self.heavy = {}
        declared = [set(self.client.get_json(base, "/conformance")["conformsTo"]) for base in servers.values()]
        self.conformance = set.intersection(*declared)

    def load(self):
        return load_layers(self.client, self.servers)

    def declares(self, name):
        return (CQL2_CONF + name) in self.conformance

    def filtering(self):
        return any(uri in self.conformance for uri in FILTER_CONF)

    def cases(self, conformance):
        if conformance not in self.case_sets:
            self.case_sets[conformance] = self.generators.cases(
                conformance, self.light_enough, EXPRESSIONS.get(conformance, EXPRESSIONS_PER_CLASS))
        return self.case_sets[conformance]

    def light_enough(self, case, rng):
        if self.expected(case).size <= HEAVY_ANSWER:
            return True
        key = (case.conformance, case.layer.name)
        self.heavy[key] = self.heavy.get(key, 0) + 1
        return self.heavy[key] <= HEAVY_PER_LAYER

    def expected(self, case):
        key = (case.layer.name, case.text)
        if key not in self.expected_answers:
            self.expected_answers[key] = evaluated(self.oracles[case.layer.name], case.ast)
        return self.expected_answers[key]

    def expected_for(self, layer, text):
        return self.expected(Case("example", layer, text))

    def views_of(self, case):
        """(name, layer, expected answer) of each state of the data a case is checked on."""
        return [("", case.layer, self.expected(case))]

    def checks(self, case, encoding):
        """(extra query parameters, expected answer, name) of each request a case is asked in."""
        return [({}, self.expected(case), "")]

    def splits(self, case):
        return any(0 < len(expected.ids) < layer.total for _, layer, expected in self.views_of(case))

    def ask(self, layer, filter_text, encoding, extra=()):
        params = {"filter": filter_text, "limit": PAGE_LIMIT}
        if encoding:
            params["filter-lang"] = encoding
        params.update(extra)
        return fetch_all(self.client, layer.base, layer.collection, params)


def evaluated(oracle, ast):
    truth, fragile = oracle.evaluate(ast)
    ids = oracle.layer.ids
    return Expected(frozenset(ids[i] for i in np.flatnonzero(truth == TRUE)),
                    frozenset(ids[i] for i in np.flatnonzero(fragile)),
                    int(oracle.layer.sizes[truth == TRUE].sum()))


# ---------------------------------------------------------------------------------------------
# temporal-functions: a history made through OGC API – Features Part 4, and its catalogue.

@dataclass
class Edit:
    sent: int  # ms since 1970 on this machine's clock (the server's), before the request
    answered: int  # and after its answer
    value: object  # what it set the collection's EDITED_PROPERTY to


@dataclass
class History:
    edits: dict  # (collection, id) → [Edit], in order
    instants: dict  # view → ms: "now" (after the last edit), "past 1", … (halfway between rounds)
    refused: list  # (collection, id, answer) of the edits refused (409), replaced by others


def clock_ms():
    return time.time_ns() // 1_000_000


def send(base, method, target, body=None, key=None, headers=None):
    """(status, headers, parsed body) of a request; a body is sent as a JSON Merge Patch (RFC 7396)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + target, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/merge-patch+json")
    if key:
        request.add_header("Authorization", "Bearer " + key)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
            raw = response.read()
            return response.status, response.headers, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()[:300]


def make_history(base, key, city):
    """EDIT_ROUNDS rounds of PATCHes (If-Match, a planner key) on EDITED_PER_COLLECTION features
    of each collection, each feature in a random nonempty set of the rounds, ROUND_GAP seconds
    between rounds: every edit sets EDITED_PROPERTY to a new value, making a version valid from
    its instant to the feature's next edit."""
    rng = random.Random(f"{SEED}/history/{city}")
    client = HTTP()
    plan, spares = [], {}
    for collection in COLLECTIONS:
        page = client.get_json(base, items_target(collection, {"limit": PAGE_LIMIT}))
        features = page["features"]
        assert len(features) == page["numberMatched"], f"{city}/{collection}: more than one page"
        chosen = rng.sample(features, len(features))
        count = min(EDITED_PER_COLLECTION[collection], len(features) * 2 // 3)
        spares[collection] = chosen[count:]
        for feature in chosen[:count]:
            rounds = {r for r in range(EDIT_ROUNDS) if rng.random() < 0.55} or {rng.randrange(EDIT_ROUNDS)}
            plan.append((collection, feature, rounds))
    edits, tags, instants, refused = {}, {}, {}, []
    for round_ in range(EDIT_ROUNDS):
        if round_:
            time.sleep(ROUND_GAP / 2)
            instants[f"past {round_}"] = clock_ms()
            time.sleep(ROUND_GAP / 2)
        batch = [entry for entry in plan if round_ in entry[2]]
        rng.shuffle(batch)
        while batch:
            collection, feature, rounds = entry = batch.pop()
            id_ = feature["id"]
            target = f"/collections/{collection}/items/{urllib.parse.quote(id_, safe='')}"
            if (collection, id_) not in tags:
                status, headers, body = send(base, "GET", target)
                assert status == 200, f"{city}: GET {target}: {status} {body}"
                tags[collection, id_] = headers["ETag"]
            done = edits.get((collection, id_), [])
            previous = done[-1].value if done else feature["properties"].get(EDITED_PROPERTY[collection])
            if collection == "parcels":
                value = (previous or 0) + 1 if (previous or 0) < 999 else 0
            else:
                value = f"{feature['properties'].get(EDITED_PROPERTY[collection]) or id_} · {round_ + 1}"
            sent = clock_ms()
            status, headers, body = send(base, "PATCH", target, {"properties": {EDITED_PROPERTY[collection]: value}},
                                         key, {"If-Match": tags[collection, id_]})
            answered = clock_ms()
            if status == 409 and not done:
                # Helsinki's parcels come from OpenStreetMap and some overlap their neighbours:
                # the writer refuses any edit of those (even of `floors` alone). Another instead.
                refused.append((collection, id_, body))
                plan[plan.index(entry)] = spare = (collection, spares[collection].pop(), rounds)
                batch.append(spare)
                continue
            assert status == 200, f"{city}: PATCH {target}: {status} {body}"
            tags[collection, id_] = headers["ETag"]
            edits.setdefault((collection, id_), []).append(Edit(sent, answered, value))
    time.sleep(ROUND_GAP / 2)
    return History(edits, {"now": clock_ms(), **instants}, refused)


@contextlib.contextmanager
def edited_cities(folder, sources):
    """Servers over copies of `sources` (city → an imported database file) whose features then
    get a history (make_history): yields (bases, histories); stopped by PID at the end."""
    started = []
    try:
        bases, keys = {}, {}
        for city in CITIES:
            (folder / city).mkdir(parents=True)
            db = copy_db(sources[city], folder / city)
            keys[city] = create_key(db, "planner", PLANNER_KEY_NAME)
            server = Server(db, folder / f"{city}.log")
            started.append(server)
            bases[city] = server.start().base
        if not all(CQL2_CONF + TEMPORAL in HTTP().get_json(base, "/conformance")["conformsTo"] for base in bases.values()):
            yield bases, None  # no history is made for a server that would not filter on it
            return
        with ThreadPoolExecutor(len(CITIES)) as pool:
            histories = dict(zip(CITIES, pool.map(lambda city: make_history(bases[city], keys[city], city), CITIES)))
        yield bases, histories
    finally:
        for server in started:
            if server.process is not None:
                server.stop()


class TemporalCatalogue(Catalogue):
    """temporal-functions' catalogue: the features of edited_cities read with `datetime` now and
    at each instant between two rounds of edits (the views: each feature in its version of then,
    with that version's valid_from/valid_to). A case is asked without `datetime` and with it now
    (both today's versions) and at one of the past instants, each against its view."""

    def __init__(self, servers, histories):
        self.histories = histories
        super().__init__(servers)
        self.view_oracles = {view: {name: Oracle(layer) for name, layer in layers.items()}
                             for view, layers in self.views.items()}
        self.view_oracles["now"] = self.oracles
        generators = self.generators
        for name in self.views["now"]:
            validities = {tuple(None if properties.get(end) is None else instant_ms(properties[end]) for end in VALIDITY)
                          for view in self.views.values() for properties in view[name].properties} - {(None, None)}
            generators.validities[name] = sorted(validities, key=lambda pair: [-1 if ms is None else ms for ms in pair])
            generators.moments[name] = sorted({ms for pair in validities for ms in pair if ms is not None}
                                              | set(histories[name.split("/")[0]].instants.values()))
        for city in histories:
            moments = sorted(ms for name, pool in generators.moments.items() if name.startswith(city + "/") for ms in pool)
            first, last = day_of(moments[0]), day_of(moments[-1])
            ends_a_day = any(ms % DAY_MS == DAY_MS - 1 for ms in moments)  # see Generators.not_a_day_end
            generators.days[city] = [] if ends_a_day else sorted({shifted_day(first, -1), first, last, shifted_day(last, 1)})

    def load(self):
        views = list(next(iter(self.histories.values())).instants)

        def read(view, city):
            at = {city: {"datetime": rfc3339(self.histories[city].instants[view])}}
            return view, load_layers(self.client, {city: self.servers[city]}, at)

        def cost(layer):
            """What a request with `datetime` costs (the server builds the city of then), the
            least of two asked alone."""
            at = {"datetime": rfc3339(self.histories[layer.city].instants["past 1"])}
            costs = []
            for _ in range(2):
                began = time.monotonic()
                answer = self.ask(layer, "valid_from IS NULL AND valid_to IS NOT NULL AND valid_to IS NULL", "cql2-text", at)
                costs.append(time.monotonic() - began)
                assert answer.status == 200 and not answer.ids, (layer.name, answer.status, answer.body[:300])
            return layer.name, min(costs)

        self.views = {view: {} for view in views}
        with ThreadPoolExecutor(len(CITIES)) as pool:  # a server each
            for view, layers in pool.map(lambda task: read(*task), [(view, city) for city in CITIES for view in views]):
                self.views[view].update((layer.name, layer) for layer in layers)
        self.datetime_cost = dict(map(cost, self.views["now"].values()))
        return list(self.views["now"].values())  # in the order of CITIES and COLLECTIONS, as load_layers

    @staticmethod
    def bits(case):
        return zlib.crc32(f"{case.layer.name}/{case.text}".encode())

    def past(self, case):
        """The past view a case is asked in with `datetime`: one where it matches some features
        but not all if there is one, in an order set by its text."""
        pasts = sorted((view for view in self.views if view != "now"),
                       key=lambda view: zlib.crc32(f"{view}/{case.text}".encode()))
        splitting = [view for view in pasts if 0 < len(self.expected_in(case, view).ids) < case.layer.total]
        return (splitting or pasts)[0]

    @functools.cached_property
    def dated(self):
        """The cases also asked with `datetime` (once, in one encoding): all of a layer's where
        that is cheap, else as many as DATETIME_SECONDS of requests allow (DATETIME_AT_LEAST at
        least), in an order set by their text."""
        chosen = set()
        for name, cost in self.datetime_cost.items():
            cases = sorted((case for case in self.cases(TEMPORAL) if case.layer.name == name), key=self.bits)
            chosen |= {id(case) for case in cases[:max(DATETIME_AT_LEAST, int(DATETIME_SECONDS / max(cost, 1e-3)))]}
        return chosen

    def expected_in(self, case, view):
        if view == "now":
            return self.expected(case)
        key = (view, case.layer.name, case.text)
        if key not in self.expected_answers:
            self.expected_answers[key] = evaluated(self.view_oracles[view][case.layer.name], case.ast)
        return self.expected_answers[key]

    def views_of(self, case):
        return [(f" ({view})", layers[case.layer.name], self.expected_in(case, view)) for view, layers in self.views.items()]

    def checks(self, case, encoding):
        """Without `datetime` in either encoding; with it (the past mostly, else now) in one."""
        checks = [({}, self.expected(case), "")]
        bits = self.bits(case)
        if id(case) in self.dated and ENCODINGS[(bits >> 1) % 2] == encoding:
            view = "now" if (bits >> 2) % 10 < 3 else self.past(case)
            at = rfc3339(self.histories[case.layer.city].instants[view])
            checks.append(({"datetime": at}, self.expected_in(case, view), f" with datetime={at} ({view})"))
        return checks

    def light_enough(self, case, rng):
        if max(expected.size for _, _, expected in self.views_of(case)) <= HEAVY_ANSWER:
            return True
        key = (case.conformance, case.layer.name)
        self.heavy[key] = self.heavy.get(key, 0) + 1
        return self.heavy[key] <= HEAVY_PER_LAYER


def disagreement(label, answer, expected):
    """What is wrong with the server's answer, or None."""
    if answer.status != 200:
        return f"{label}: HTTP {answer.status} {answer.body[:300]!r}"
    got = set(answer.ids)
    problems = []
    if len(got) != len(answer.ids):
        problems.append(f"{len(answer.ids) - len(got)} ids repeated across pages")
    missing = sorted((expected.ids - got) - expected.dont_care)
    extra = sorted((got - expected.ids) - expected.dont_care)
    if missing or extra:
        problems.append(f"expected {len(expected.ids)} ids, got {len(got)}; "
                        f"missing {len(missing)} {missing[:5]}, unexpected {len(extra)} {extra[:5]}")
    if any(n != len(answer.ids) for n in answer.number_matched):
        problems.append(f"numberMatched {answer.number_matched[:3]} but {len(answer.ids)} features returned")
    return f"{label}: " + "; ".join(problems) if problems else None


def report(problems, total, what):
    if problems:
        shown = "\n  ".join(problems[:12])
        pytest.fail(f"{len(problems)} of {total} {what} disagree with the oracle:\n  {shown}", pytrace=False)


@pytest.fixture(scope="module")
def cities(tehran_db, tmp_path_factory):
    """Two servers of our own: Tehran (a copy of the imported `tehran_db`) and Helsinki (imported
    here from GeoData), each over its own file — conftest's pattern; stopped by PID at the end."""
    folder = tmp_path_factory.mktemp("cql2")
    tehran = folder / "tehran.db"
    shutil.copy(tehran_db, tehran)
    helsinki = folder / "helsinki.db"
    result = import_dataset(helsinki, GEODATA / "helsinki")
    assert result.returncode == 0, result.stderr
    started = []
    try:
        for city, db in (("tehran", tehran), ("helsinki", helsinki)):
            server = Server(db, folder / f"{city}.log")
            started.append(server)
            server.start()
        yield {"tehran": started[0].base, "helsinki": started[1].base}
    finally:
        for server in started:
            if server.process is not None:
                server.stop()


@pytest.fixture(scope="module")
def catalogue(cities):
    return Catalogue(cities)


@pytest.fixture(scope="module")
def temporal_cities(tehran_db, tmp_path_factory):
    """Two more servers, edited (edited_cities): the servers of `cities` stay as imported."""
    folder = tmp_path_factory.mktemp("cql2-temporal")
    helsinki = folder / "imported" / "zamin.db"
    helsinki.parent.mkdir()
    result = import_dataset(helsinki, GEODATA / "helsinki")
    assert result.returncode == 0, result.stderr
    with edited_cities(folder, {"tehran": tehran_db, "helsinki": helsinki}) as (bases, histories):
        if histories is None:
            pytest.skip(f"the server's /conformance does not declare {CQL2_CONF}{TEMPORAL}")
        yield bases, histories


@pytest.fixture(scope="module")
def temporal_catalogue(temporal_cities):
    return TemporalCatalogue(*temporal_cities)


def catalogue_of(request, conformance):
    """temporal-functions is checked on servers of its own (temporal_catalogue), the rest on `catalogue`."""
    return request.getfixturevalue("temporal_catalogue" if conformance == TEMPORAL else "catalogue")


def require(catalogue, *classes, encoding=None):
    if not catalogue.filtering():
        pytest.skip("the server does not declare OGC API – Features – Part 3 filtering (conf/filter)")
    for name in classes + ((encoding,) if encoding else ()):
        if not catalogue.declares(name):
            pytest.skip(f"the server's /conformance does not declare {CQL2_CONF}{name}")


# ---------------------------------------------------------------------------------------------
# The generated expressions themselves: valid CQL2, evaluable, not trivial (runs on any server).

NON_TRIVIAL_SHARE = 0.4


@pytest.mark.parametrize("conformance", CLASSES)
def test_generated_expressions_are_valid_and_split_the_data(request, conformance):
    catalogue = catalogue_of(request, conformance)
    applicable = [layer.name for layer in catalogue.layers if catalogue.generators.applies(conformance, layer)]
    if not applicable:
        pytest.skip(f"{conformance}: {UNSUITED.get(conformance, 'no queryable suits it')}")
    cases = catalogue.cases(conformance)
    assert len(cases) >= EXPRESSIONS.get(conformance, EXPRESSIONS_PER_CLASS)
    some = 0
    for case in random.Random(SEED).sample(cases, VALIDATED_PER_CLASS):
        case.expression.validate()  # the JSON form is valid against cql2's JSON Schema
    for case in cases:
        assert cql2.parse_json(case.json).to_json() == case.ast, case.text
        some += catalogue.splits(case)  # in some state of the data it is checked on
    assert some >= NON_TRIVIAL_SHARE * len(cases), \
        f"{conformance}: only {some} of {len(cases)} expressions match some but not all features"
    check_connectives_against_cql2(catalogue, cases)


def check_connectives_against_cql2(catalogue, cases):
    """Where no operand is NULL, the oracle's AND/OR/NOT (and shapely's S_INTERSECTS, on layers
    small enough) must agree with cql2 evaluating the whole expression itself (a NULL end of an
    INTERVAL, being open, is given to cql2 as '..')."""
    disagreements = []
    for case in cases:
        operators = json.dumps(case.ast)
        spatial = [op for op in SPATIAL_OPS if f'"{op}"' in operators]
        if spatial and spatial != ["s_intersects"]:
            continue  # cql2's other spatial functions are not the reference
        bare, _ = property_uses(case.ast)
        expression = case.expression
        for view, layer, expected in catalogue.views_of(case):
            names = tuple(sorted(referenced_properties(case.ast) - {layer.geometry_property}))
            codes, tuples = layer.encoded(names)
            sample = random.Random(f"{SEED}/{case.text}")
            if spatial:  # every feature differs; those matched, and as many others
                matched = [i for i, id_ in enumerate(layer.ids) if id_ in expected.ids]
                firsts = sample.sample(matched, min(len(matched), CROSS_CHECKS // 2))
                firsts += sample.sample(range(layer.total), min(layer.total, CROSS_CHECKS // 2))
            else:  # one feature per distinct tuple of the values the expression reads
                firsts = list(np.unique(codes, return_index=True)[1])
                firsts = sample.sample(firsts, min(len(firsts), CROSS_CHECKS))
            for i in firsts:
                values = tuples[codes[i]]
                if any(v is None and name in bare for name, v in zip(names, values)) or layer.ids[i] in expected.dont_care:
                    continue
                properties = {name: ".." if v is None else v for name, v in zip(names, values)}
                item = {"type": "Feature", "id": layer.properties[i].get("id", layer.ids[i]),
                        "geometry": layer.geojson[i] if spatial else None, "properties": properties}
                try:
                    theirs = expression.matches(item)
                except Exception as error:  # noqa: BLE001 — reported below
                    disagreements.append(f"{case.label('cql2-text')}{view} on {layer.ids[i]}: cql2 raises {error}")
                    break
                if theirs != (layer.ids[i] in expected.ids):
                    disagreements.append(f"{case.label('cql2-text')}{view} on {layer.ids[i]}: cql2 says {theirs}")
                    break
    assert not disagreements, "the oracle disagrees with cql2:\n  " + "\n  ".join(disagreements[:10])


# ---------------------------------------------------------------------------------------------
# The server against the oracle, per conformance class and encoding.

@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("conformance", CLASSES)
def test_server_agrees_with_the_oracle(request, conformance, encoding):
    """OGC 19-079r2 (Features Part 3) /req/filter/filter-param and /req/filter/filter-lang-param
    with the requirements of each OGC 21-065 class: the server's answer is the oracle's, in
    either encoding (the JSON is cql2's translation of the text, so both forms must agree).
    temporal-functions: also with `datetime` (OGC 17-069r4 §7.15.4), now and in the past, the
    filter applying to the versions `datetime` chose."""
    catalogue = catalogue_of(request, conformance)
    require(catalogue, conformance, encoding=encoding)
    if not any(catalogue.generators.applies(conformance, layer) for layer in catalogue.layers):
        pytest.skip(f"{conformance} is declared, but {UNSUITED.get(conformance, 'no queryable suits it')}")
    cases = catalogue.cases(conformance)
    checks = {id(case): catalogue.checks(case, encoding) for case in cases}  # the oracle first, on this thread

    def check(case):
        problems = []
        for extra, expected, where in checks[id(case)]:
            answer = catalogue.ask(case.layer, case.filter(encoding), encoding, extra)
            problems.append(disagreement(case.label(encoding) + where, answer, expected))
        return [p for p in problems if p]

    with ThreadPoolExecutor(WORKERS) as pool:
        problems = [p for found in pool.map(check, cases) for p in found]
    asked = sum(len(found) for found in checks.values())
    report(problems, asked, f"{conformance} {'expressions' if asked == len(cases) else 'requests'} in {encoding}")


# ---------------------------------------------------------------------------------------------
# temporal-functions: the data it is checked on, and the literals cql2 cannot judge.

def test_temporal_history_is_what_the_edits_made(temporal_catalogue):
    """With `datetime`, every item carries the validity [valid_from, valid_to) of the version
    answered, as RFC 3339 UTC with milliseconds, null where open: a feature never edited is valid
    at every instant; an edited one's version begins at its edit (between sending the PATCH and
    its answer) and ends at the feature's next edit. The queryables declare both date-time."""
    catalogue = temporal_catalogue
    require(catalogue, TEMPORAL)
    utc_milliseconds = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")

    def within(text, edit):  # the server's clock is this machine's; a millisecond either way
        return text is not None and edit.sent - 1 <= instant_ms(text) <= edit.answered + 1

    def window(edit):
        return f"[{rfc3339(edit.sent)}, {rfc3339(edit.answered)}]"

    problems, edited = [], 0
    for view, layers in catalogue.views.items():
        for layer in layers.values():
            assert layer.kinds.get("valid_from") == layer.kinds.get("valid_to") == "temporal", (layer.name, layer.kinds)
            history = catalogue.histories[layer.city]
            at = history.instants[view]
            for id_, properties in zip(layer.ids, layer.properties):
                where = f"{layer.name} {id_} at {rfc3339(at)} ({view})"
                if "valid_from" not in properties or "valid_to" not in properties:
                    problems.append(f"{where}: no valid_from/valid_to among {sorted(properties)}")
                    continue
                edits = history.edits.get((layer.collection, id_), [])
                before, after = [e for e in edits if e.answered < at], [e for e in edits if e.sent > at]
                assert len(before) + len(after) == len(edits), f"{where}: an edit was under way at {view}"
                got = properties["valid_from"], properties["valid_to"]
                if any(text is not None and not utc_milliseconds.match(text) for text in got):
                    problems.append(f"{where}: {got} are not RFC 3339 UTC instants with milliseconds")
                    continue
                fine = (within(got[0], before[-1]) if before else got[0] is None) and \
                    (within(got[1], after[0]) if after else got[1] is None)
                value = properties.get(EDITED_PROPERTY[layer.collection])
                if not fine or (before and value != before[-1].value):
                    problems.append(f"{where}: valid_from/valid_to {got}, {EDITED_PROPERTY[layer.collection]} {value!r}; "
                                    f"the edits before were answered in {[window(e) for e in before]}, "
                                    f"those after sent in {[window(e) for e in after]}")
                edited += bool(edits)
    assert not problems, f"{len(problems)} features:\n  " + "\n  ".join(problems[:12])
    assert edited == len(catalogue.views) * sum(len(history.edits) for history in catalogue.histories.values())


def temporal_probes(day, instant):
    """(filter, which (valid_from, valid_to) it selects — ms, None when NULL —, whether it is
    asked with `datetime` too), per OGC 21-065 §7.13 as read here, where cql2 0.6.0 is no oracle:
    it reads a date as an INTERVAL end as its midnight (the standard: an interval includes its
    bounding instants, a date being its whole day — the `t_equals("date",interval('2022-04-16',
    '2022-04-16'))` of Annex A), cannot evaluate TIMESTAMP() or DATE() as an INTERVAL end, and
    compares a property's instant with a DATE by widening the instant to a day of its own. `day`
    is a full-date, `instant` ms."""
    first, last = day_bounds(day)
    before, after = shifted_day(day, -1), shifted_day(day, 1)
    t, t0 = rfc3339(instant), rfc3339(instant - 1000)
    return [
        (f"T_INTERSECTS(valid_from, INTERVAL('{day}', '{day}'))", lambda f, to: f is not None and first <= f <= last, True),
        (f"T_DURING(valid_from, INTERVAL('{before}', '{after}'))",
         lambda f, to: f is not None and day_bounds(before)[0] < f < day_bounds(after)[1], False),
        (f"T_INTERSECTS(INTERVAL(DATE('{day}'), '..'), valid_from)", lambda f, to: f is not None and f >= first, False),
        (f"T_AFTER(valid_from, INTERVAL(TIMESTAMP('{t0}'), TIMESTAMP('{t}')))",
         lambda f, to: f is not None and f > instant, False),
        (f"T_OVERLAPS(INTERVAL(valid_from, valid_to), INTERVAL(TIMESTAMP('{t}'), '..'))",
         lambda f, to: (f is None or f < instant) and to is not None and to > instant, True),
        (f"T_BEFORE(INTERVAL(valid_from, valid_to), INTERVAL(DATE('{after}'), DATE('{after}')))",
         lambda f, to: to is not None and to < day_bounds(after)[0], True),
        (f"valid_from < DATE('{after}')", lambda f, to: f is not None and f < day_bounds(after)[0], False),
        (f"valid_from > DATE('{before}')", lambda f, to: f is not None and f > day_bounds(before)[1], False),
    ]


def test_temporal_literals_cql2_cannot_judge(temporal_catalogue):
    """temporal_probes on every collection: without `datetime` in cql2-text, and in cql2-json
    where cql2's JSON of the text is valid against its schema; some with `datetime` in the past
    as well, in cql2-text."""
    catalogue = temporal_catalogue
    require(catalogue, TEMPORAL, encoding="cql2-text")
    asked = []
    for name, layer in catalogue.views["now"].items():
        instants = catalogue.histories[layer.city].instants
        for text, selects, dated in temporal_probes(day_of(instants["now"]), instants["past 1"]):
            try:
                cql2.parse_text(text).validate()
                encodings = ENCODINGS
            except Exception:  # noqa: BLE001 — TIMESTAMP() in an INTERVAL has no cql2-json form
                encodings = ("cql2-text",)
            past = ("past 1", {"datetime": rfc3339(instants["past 1"])}, ENCODINGS[:1])
            for view, extra, sent_in in (("now", {}, encodings),) + ((past,) if dated else ()):
                seen = catalogue.views[view][name]
                ids = frozenset(id_ for id_, p in zip(seen.ids, seen.properties)
                                if selects(*(None if p.get(end) is None else instant_ms(p[end]) for end in VALIDITY)))
                for encoding in sent_in:
                    if catalogue.declares(encoding):
                        asked.append((layer, text, encoding, extra, Expected(ids, frozenset())))

    def check(entry):
        layer, text, encoding, extra, expected = entry
        sent = text if encoding == "cql2-text" else json.dumps(cql2.parse_text(text).to_json())
        where = "".join(f" with datetime={value}" for value in extra.values())
        answer = catalogue.ask(layer, sent, encoding, extra)
        return disagreement(f"[{layer.name}, {encoding}] {sent}{where}", answer, expected)

    with ThreadPoolExecutor(WORKERS) as pool:
        problems = [p for p in pool.map(check, asked) if p]
    assert any(entry[-1].ids for entry in asked)
    report(problems, len(asked), "probes of temporal literals")


# ---------------------------------------------------------------------------------------------
# ACCENTI is Unicode normalisation (/req/accent-insensitive-comparison/accenti-function E: "SHALL
# implement unicode normalization"; /rec/core/string-normalization B: NFD): marks that canonical
# decomposition splits off go, in Persian as in Finnish, and decomposed input means the same.

ACCENT_PROBES = [
    ("tehran/facilities", "ACCENTI(category_fa) = ACCENTI('تياتر')"),  # ئ = ي + U+0654 HAMZA ABOVE
    ("tehran/facilities", "ACCENTI(name_fa) LIKE ACCENTI('%ازادی%')"),  # آ = ا + U+0653 MADDAH ABOVE
    ("tehran/facilities", "ACCENTI(name_fa) LIKE ACCENTI('%آزادی%')"),
    ("helsinki/facilities", "ACCENTI(name_en) = ACCENTI('Cafe Koket')"),
    ("helsinki/facilities", "ACCENTI(name_en) LIKE ACCENTI('Cafe\u0301%')"),
    ("helsinki/facilities", "ACCENTI(name_en) LIKE ACCENTI('%o\u0308%')"),
    ("helsinki/facilities", "ACCENTI(name_en) LIKE ACCENTI('Ete%')"),
]


@pytest.mark.parametrize("index", range(len(ACCENT_PROBES)), ids=[text for _, text in ACCENT_PROBES])
def test_accenti_is_unicode_decomposition(catalogue, index):
    layer_name, text = ACCENT_PROBES[index]
    require(catalogue, "accent-insensitive-comparison", "advanced-comparison-operators", encoding="cql2-text")
    layer = catalogue.by_name[layer_name]
    expected = catalogue.expected_for(layer, text)
    assert expected.ids, f"{text} should match something in {layer_name}"
    problem = disagreement(text, catalogue.ask(layer, text, "cql2-text"), expected)
    assert problem is None, problem


# ---------------------------------------------------------------------------------------------
# Paging: `next` links keep the filter (OGC 17-069r4 /rec/core/fc-next-2; Part 3 §8.1).

@pytest.mark.parametrize("encoding", ENCODINGS)
def test_next_links_keep_the_filter_and_pages_add_up(catalogue, encoding):
    require(catalogue, "basic-cql2", encoding=encoding)
    layer = catalogue.by_name["tehran/facilities"]
    chosen = None
    for value in layer.distinct("category"):
        text = f"category = {literal(value)} OR category IS NULL"
        expected = catalogue.expected_for(layer, text)
        if 21 <= len(expected.ids) <= 80:
            chosen = (text, expected)
            break
    assert chosen, "no category of Tehran's facilities has between 21 and 80 features"
    text, expected = chosen
    sent = text if encoding == "cql2-text" else json.dumps(cql2.parse_text(text).to_json())
    answer = catalogue.ask(layer, sent, encoding, extra={"limit": 7})
    assert answer.status == 200, answer.body[:300]
    assert len(answer.ids) == len(set(answer.ids)), "a feature came twice"
    assert set(answer.ids) == expected.ids
    assert answer.number_matched == [len(expected.ids)] * len(answer.number_matched)
    pages = math.ceil(len(expected.ids) / 7)
    assert len(answer.number_matched) in (pages, pages + 1), "pages of 7 (and perhaps a last empty one)"
    for href in answer.next_links:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)
        assert query.get("filter") == [sent], href
        assert query.get("filter-lang") == [encoding], href
        assert query.get("limit") == ["7"], href


# ---------------------------------------------------------------------------------------------
# Bad filters: 4xx JSON, never 5xx (Part 3 /req/filter/filter-param: an invalid filter is 400).

SYNTAX_ERRORS = [
    "floors >",
    "floors = 'a' AND",
    "(floors = 1",
    "floors = 1)",
    "((floors = 1) OR (floors = 2)",
    "floors = 'unterminated",
    "floors === 1",
    "AND floors = 1",
    "floors = 1 OR",
    "floors = 1 floors = 2",
    "floors IN ()",
    "floors BETWEEN 1",
    "floors NOT 3",
    "current_use LIKE",
    "S_INTERSECTS(geometry, POINT(51.4))",
    "S_INTERSECTS(geometry, POLYGON((51.40 35.69, 51.41 35.69",
    "S_INTERSECTS(geometry BBOX(1,2,3,4))",
    "floors = 1 AND AND floors = 2",
    "NOT",
    "()",
    "'just a string'",
]
OTHER_ERRORS = [  # well-formed, but not a valid filter on parcels
    "nosuch = 1",
    "nosuchfunction(floors) = 1",
    "floors = 'high'",
    "floors LIKE 'a%'",
    "current_use BETWEEN 1 AND 2",
    "S_INTERSECTS(floors, POINT(51.4 35.69))",
    "S_FROBNICATES(geometry, POINT(51.4 35.69))",
    "floors",
    "current_use",
    "3",
]
JSON_ERRORS = [
    '{"op": "=", "args": [',
    '{"op": "nosuch", "args": [{"property": "floors"}, 1]}',
    '{"op": "=", "args": [{"property": "nosuch"}, 1]}',
    '{"op": "=", "args": [{"property": "floors"}]}',
    '[1, 2]',
    '"floors = 1"',
    'floors = 1',
    '{"property": "floors"}',
]


def assert_client_error(answer, label, statuses=(400,), mentions_filter=True):
    assert answer.status < 500, f"{label}: HTTP {answer.status} {answer.body[:300]!r}"
    assert answer.status in statuses, f"{label}: HTTP {answer.status}, wanted one of {statuses}: {answer.body[:300]!r}"
    body = json.loads(answer.body)
    if answer.status == 400:
        assert body.get("code") == "InvalidParameterValue", f"{label}: {body}"
    if mentions_filter:
        assert "filter" in json.dumps(body, ensure_ascii=False), f"{label}: the error does not name `filter`: {body}"


@pytest.mark.parametrize("text", SYNTAX_ERRORS + OTHER_ERRORS)
def test_invalid_cql2_text_is_a_400_naming_filter(catalogue, text):
    require(catalogue, encoding="cql2-text")
    answer = catalogue.ask(catalogue.by_name["tehran/parcels"], text, "cql2-text")
    assert_client_error(answer, repr(text))


@pytest.mark.parametrize("text", JSON_ERRORS)
def test_invalid_cql2_json_is_a_400_naming_filter(catalogue, text):
    require(catalogue, encoding="cql2-json")
    answer = catalogue.ask(catalogue.by_name["tehran/parcels"], text, "cql2-json")
    assert_client_error(answer, repr(text))


def test_unknown_filter_lang_is_a_400(catalogue):
    require(catalogue)
    answer = catalogue.ask(catalogue.by_name["tehran/parcels"], "floors = 1", "nonsense")
    assert_client_error(answer, "filter-lang=nonsense", mentions_filter=True)


def pathological_cases():
    """(name, layer, encoding, filter, an equivalent small filter or None): valid but hostile
    filters. The server may refuse them (400, or 413 for size) or answer them right; it may not
    answer 5xx, hang, or die."""
    core = "floors = 1"
    ring = [(round(51.405 + 0.004 * math.cos(2 * math.pi * i / 1500), 7),
             round(35.695 + 0.003 * math.sin(2 * math.pi * i / 1500), 7)) for i in range(1500)]
    big_polygon = "POLYGON((" + ", ".join(coordinate(x, y) for x, y in ring + ring[:1]) + "))"
    nested_json = '{"op":"not","args":[' * 800 + '{"op":"=","args":[{"property":"floors"},1]}' + "]}" * 800
    # Against a backtracking matcher, 25 '%_' on a 50-character name try ~10^14 splits.
    backtracking = "name_en LIKE '" + "%_" * 25 + "%q'"
    letters = "name_en LIKE '" + "%e" * 30 + "%x'"
    return [
        ("10,000 nested parentheses", "tehran/parcels", "cql2-text", "(" * 10_000 + core + ")" * 10_000, core),
        ("NOT repeated 5,000 times", "tehran/parcels", "cql2-text", "NOT " * 5_000 + core, core),
        ("NOT repeated 5,001 times", "tehran/parcels", "cql2-text", "NOT " * 5_001 + core, f"NOT {core}"),
        ("a LIKE pattern of 5,000 %", "tehran/parcels", "cql2-text", "current_use LIKE '" + "%" * 5_000 + "'",
         "current_use LIKE '%'"),
        ("a backtracking LIKE pattern", "tehran/zones", "cql2-text", backtracking, backtracking),
        ("a backtracking LIKE pattern of letters", "helsinki/facilities", "cql2-text", letters, letters),
        ("IN with 5,000 items", "tehran/parcels", "cql2-text",
         "floors IN (" + ", ".join(str(i) for i in range(5_000)) + ")", "floors >= 0 AND floors < 5000"),
        ("5,000 chained additions", "tehran/parcels", "cql2-text", "floors" + " + 0" * 5_000 + " = 1", core),
        ("a 1,500-vertex polygon", "tehran/parcels", "cql2-text", f"S_INTERSECTS(geometry, {big_polygon})",
         f"S_INTERSECTS(geometry, {big_polygon})"),
        ("800 nested NOTs in JSON", "tehran/parcels", "cql2-json", nested_json, core),
    ]


@pytest.mark.parametrize("name", [case[0] for case in pathological_cases()])
def test_hostile_filters_are_refused_or_answered_never_5xx(catalogue, name):
    _, layer_name, encoding, text, equivalent = next(case for case in pathological_cases() if case[0] == name)
    require(catalogue, encoding=encoding)
    layer = catalogue.by_name[layer_name]
    started = time.monotonic()
    answer = catalogue.ask(layer, text, encoding)
    elapsed = time.monotonic() - started
    assert elapsed < 30, f"{name}: took {elapsed:.1f} s"
    if answer.status == 200 and equivalent is not None:
        problem = disagreement(name, answer, catalogue.expected_for(layer, equivalent))
        assert problem is None, problem
    elif answer.status != 200:
        assert answer.status != -1, f"{name}: {answer.body.decode()}"
        assert_client_error(answer, name, statuses=(400, 413), mentions_filter=False)
    status, _, _ = catalogue.client.get(layer.base, "/health")
    assert status == 200, "the server no longer answers /health"


def test_a_one_megabyte_filter_is_refused(catalogue):
    """Larger than any request line the server takes: refused before CQL2 sees it (the HTTP
    layer may answer a bare 400, 413 or 414 with no JSON body), and the server lives on."""
    require(catalogue, encoding="cql2-text")
    layer = catalogue.by_name["tehran/parcels"]
    text = " OR ".join(["floors = 1"] * 80_000)[:1_000_000]
    try:
        status, _, body = catalogue.client.get(layer.base, items_target(layer.collection, {"filter": text}))
    except (ConnectionError, http.client.HTTPException):
        status, body = None, b""  # closing the connection on an oversized request is acceptable
    assert status is None or 400 <= status < 500, f"HTTP {status} {body[:200]!r}"
    if status == 400 and body:
        assert json.loads(body).get("code") == "InvalidParameterValue"
    health, _, _ = catalogue.client.get(layer.base, "/health")
    assert health == 200


# ---------------------------------------------------------------------------------------------
# Examples of OGC 21-065 itself (clauses 6 and 7, Annex A), rewritten for our collections:
# the text form and cql2's JSON of it give the same ids, and the oracle's where it has one.

STANDARD_EXAMPLES = [
    # (layer, text, classes, expected: None = the oracle, "all" = every feature)
    ("tehran/parcels", "current_use='residential'", ("basic-cql2",), None),  # city='Toronto'
    ("tehran/parcels", "floors-2.0 > 0", ("basic-cql2", "arithmetic"), None),  # balance-150.0 > 0
    ("tehran/parcels", "geometry IS NOT NULL", ("basic-cql2",), "all"),
    ("tehran/parcels", "zone_code>='R121'", ("basic-cql2",), None),  # NAME>='Luxembourg'
    ("tehran/parcels", "floors<>3", ("basic-cql2",), None),  # POP_EST<>37589262
    ("tehran/parcels", "floors = 3.14", ("basic-cql2",), None),  # Annex A: Number compared with 3.14
    ("helsinki/facilities", "name_en IS NULL", ("basic-cql2",), None),
    ("helsinki/parcels", "(NOT (floors<=3) AND current_use<>'yes') OR (floors IS NOT NULL and floors=6) "
                         "or not (current_use<>'yes' OR floors=6)", ("basic-cql2",), None),  # logical test
    ("tehran/facilities", "true", ("basic-cql2",), "all"),
    ("tehran/facilities", "false", ("basic-cql2",), None),
    ("tehran/parcels", '"floors" > 3', ("basic-cql2",), None),  # "date" IS NULL: a quoted identifier
    ("helsinki/facilities", "name_en LIKE 'Hel%'", ("advanced-comparison-operators",), None),  # name LIKE 'Smith%'
    ("tehran/parcels", "floors BETWEEN 3.0 and 5.0", ("advanced-comparison-operators",), None),  # depth BETWEEN
    ("tehran/facilities", "category IN ('hospital','park','cinema','museum')", ("advanced-comparison-operators",), None),
    ("tehran/parcels", "floors NOT IN (1,2,3,4)", ("advanced-comparison-operators",), None),  # category NOT IN (1,2,3,4)
    ("tehran/parcels", "CASEI(current_use) IN (CASEI('Residential'),CASEI('GREEN'))",  # CASEI(road_class) IN (…)
     ("case-insensitive-comparison", "advanced-comparison-operators"), "skip-oracle"),
    ("helsinki/facilities", "ACCENTI(name_en) = ACCENTI('Cafe Koket')", ("accent-insensitive-comparison",), None),
    ("tehran/parcels", "S_INTERSECTS(geometry,POINT(51.4003809 35.6928703))", ("basic-spatial-functions",), None),
    ("tehran/parcels", "S_INTERSECTS(geometry,BBOX(51.40,35.69,51.405,35.695))", ("basic-spatial-functions",), None),
    # BBOX(160.6,-55.95,-170,-25.89) of the standard crosses the antimeridian; one from 170°E
    # eastwards to 60°E covers both cities.
    ("tehran/facilities", "S_INTERSECTS(geometry,BBOX(170,30,60,70))", ("basic-spatial-functions",), "all"),
    ("tehran/parcels", "S_INTERSECTS(geometry,POLYGON((51.400 35.692, 51.404 35.692, 51.404 35.695, "
                       "51.402 35.696, 51.400 35.695, 51.400 35.692)))", ("basic-spatial-functions-plus",), None),
    ("tehran/parcels", "S_CROSSES(geometry,LINESTRING(51.4000 35.6925, 51.4030 35.6950, 51.4060 35.6940))",
     ("spatial-functions",), None),  # S_CROSSES(road,POLYGON(…))
    ("helsinki/zones", "S_WITHIN(geometry,POLYGON((24.935 60.164, 24.954 60.164, 24.954 60.172, 24.935 60.172, "
                       "24.935 60.164)))", ("spatial-functions",), None),
    ("tehran/parcels", "S_CROSSES(LINESTRING(51.400 35.690, 51.410 35.700),POLYGON((51.404 35.694, 51.406 35.694, "
                       "51.406 35.696, 51.404 35.696, 51.404 35.694))) AND floors > 8",
     ("spatial-functions", "property-property"), None),  # two literals
    ("tehran/parcels", "T_DURING(INTERVAL('1969-07-20T20:17:40Z','1969-07-21T17:54:00Z'),"
                       "INTERVAL('1969-07-16T13:32:00Z','1969-07-24T16:50:35Z'))",
     ("temporal-functions", "property-property"), "all"),
]


@pytest.mark.parametrize("index", range(len(STANDARD_EXAMPLES)),
                         ids=[example[1][:40] for example in STANDARD_EXAMPLES])
def test_examples_of_the_standard_agree_in_both_encodings(catalogue, index):
    layer_name, text, classes, expectation = STANDARD_EXAMPLES[index]
    require(catalogue, *classes, encoding="cql2-text")
    require(catalogue, encoding="cql2-json")
    layer = catalogue.by_name[layer_name]
    as_text = catalogue.ask(layer, text, "cql2-text")
    as_json = catalogue.ask(layer, json.dumps(cql2.parse_text(text).to_json()), "cql2-json")
    by_default = catalogue.ask(layer, text, None)  # Part 3: filter-lang defaults to cql2-text
    assert as_text.status == as_json.status == by_default.status == 200, \
        (as_text.status, as_json.status, by_default.status, as_text.body[:200], as_json.body[:200])
    assert set(as_text.ids) == set(as_json.ids) == set(by_default.ids), text
    if expectation == "all":
        expected = Expected(frozenset(layer.ids), frozenset())
    elif expectation == "skip-oracle":  # cql2 0.6.0 cannot evaluate CASEI inside IN
        expected = catalogue.expected_for(layer, "CASEI(current_use) = CASEI('Residential') OR "
                                                 "CASEI(current_use) = CASEI('GREEN')")
    else:
        expected = catalogue.expected_for(layer, text)
    problem = disagreement(text, as_text, expected)
    assert problem is None, problem


# ---------------------------------------------------------------------------------------------
# Standalone: print what the generators make of the data.

def summarise(catalogue, conformance):
    began = time.monotonic()
    cases = catalogue.cases(conformance)
    if not cases:
        print(f"{conformance:32} {UNSUITED.get(conformance, 'no queryable suits it')}")
        return
    generated = time.monotonic() - began
    none = some = every = fragile = splits = 0
    per_layer = {}
    for case in cases:
        expected = catalogue.expected(case)
        matched = len(expected.ids)
        none += matched == 0
        every += matched == case.layer.total
        some += 0 < matched < case.layer.total
        fragile += bool(expected.dont_care)
        splits += catalogue.splits(case)
        per_layer.setdefault(case.layer.name, []).append(matched)
    megabytes = sum(catalogue.expected(case).size for case in cases) / 1e6
    print(f"{conformance:32} {len(cases)} expressions: none {none}, some {some}, all {every}, "
          f"with fragile features {fragile}, some but not all in a state checked {splits}; "
          f"{megabytes:.0f} MB of answers; generated and evaluated in {generated:.1f} s")
    for name, counts in per_layer.items():
        print(f"    {name:22} {len(counts):3} expressions, median match {sorted(counts)[len(counts) // 2]}, "
              f"max {max(counts)}")
    if "-v" in sys.argv:
        for case in cases[:6]:
            print("      ", case.layer.name, len(catalogue.expected(case).ids), case.text[:160])


def main():
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        started, bases, sources = [], {}, {}
        try:
            for city in CITIES:
                db = folder / city / "zamin.db"
                db.parent.mkdir()
                result = import_dataset(db, GEODATA / city)
                assert result.returncode == 0, result.stderr
                (folder / f"{city}-imported").mkdir()
                sources[city] = copy_db(db, folder / f"{city}-imported")  # as imported, for temporal-functions
            for city in CITIES:
                server = Server(folder / city / "zamin.db", folder / f"{city}.log")
                started.append(server)
                bases[city] = server.start().base
            catalogue = Catalogue(bases)
            print("declared:", sorted(c.rsplit("/", 1)[1] for c in catalogue.conformance if "cql2" in c or "features-3" in c))
            for conformance in CLASSES:
                if conformance != TEMPORAL:
                    summarise(catalogue, conformance)
                    continue
                began = time.monotonic()
                with edited_cities(folder / "temporal", sources) as (edited, histories):
                    if histories is None:
                        print(f"{conformance:32} not declared")
                        continue
                    refused = [entry[:2] for history in histories.values() for entry in history.refused]
                    print(f"{conformance:32} {sum(len(e) for h in histories.values() for e in h.edits.values())} "
                          f"edits made in {time.monotonic() - began:.1f} s; refused (409): {refused}")
                    summarise(TemporalCatalogue(edited, histories), conformance)
        finally:
            for server in started:
                if server.process is not None:
                    server.stop()


if __name__ == "__main__":
    main()
