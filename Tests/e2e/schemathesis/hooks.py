"""What an OpenAPI 3.0 document cannot state, taught to schemathesis's generator.

OpenAPI describes each parameter alone, and a JSON Schema cannot compute a check digit or know
which parcel ids exist. For the rules below the server answers 400 by design, naming the
parameter, and a *positive* case (one schemathesis means to be valid) that breaks them is
repaired before it is sent, so that `positive_data_acceptance` keeps checking everything else:

- `bbox`: minLon ≤ maxLon and minLat ≤ maxLat, in WGS 84 ranges (OGC 17-069r4 §7.15.3);
- `/lookup`: a point (`lon` and `lat`) or a `parcel`, not both, not neither;
- `/search`: at least one of `q`, `category`, `use`, `zone`; `category` not with `use`/`zone`;
  `q` with something to search once folded;
- `datetime` on OGC items: RFC 3339 date-time or interval (the document says `string`, as the
  OGC's own does);
- `filter` on OGC items: a CQL2 expression in `filter-lang` over the collection's queryables (a
  grammar no JSON Schema states; test_cql2.py checks filters against an independent evaluator),
  and the same as a CQL2-JSON body of `POST …/items` (`application/query-cql-json`);
- `POST /requests`: a parcel that exists, a national id with its check digit, an Iranian mobile
  number, and a construction permit's floors (and no zone code);
- OGC API – Features Part 4 (`POST …/items`, `PUT`, `PATCH`, `DELETE …/items/{featureId}`): a
  geometry whose rings close and enclose an area, away from every parcel (no overlap), a zone
  code of the rules, a facility category; `If-Match` with the feature's current ETag (as a
  client that read it sends); a PUT body's id equal to the path's; a merge patch that keeps
  the feature valid;
- problem reports (`POST /reports`, Open311 `POST /open311/v2/requests.{json,xml}`): a service of
  the city's catalogue (GeoData/tehran/services.json) with an answer of the right kind to each of
  its attributes, a point inside the city, a phone number's digits, and no photo part (random bytes are not a JPEG: that
  415 is tested in test_reports.py);
- Open311 `GET …/requests.{json,xml}`: `end_date` at most 90 days after `start_date` (GeoReport v2);
- `POST /reports/{report}/status`: `duplicate_of` with `duplicate` and only with it;
- subdivisions and mergers (`POST /parcels/{parcel}/subdivide`, `POST /parcels/merge`): children
  that tile a parcel (its two halves, cut by shapely) each above its zone's minimum area, and
  parcels that share an edge (shapely), with values the rules know;
- `/search?group=`: a facility group takes no `use` or `zone`, and `business_opportunities` no
  `category` either;
- tenders (`/tenders…`, issue 21 point 3): a tender, bid and tracking code that exist (the ones
  test_schemathesis.py's fixture made, in ZAMIN_TENDERS); a notice opening in the future, over
  parcels that exist, with amounts as digits and a threshold no larger than the committee; a
  bid with a national id's check digit, a mobile number and an amount in the tender's range;
  the bid's own national id to withdraw it; the committee's shares to open the tender past its
  opening time (a second opening, or a second withdrawal, is a 409 — valid data meeting state).

Negative cases (schemathesis means them to be refused) are never touched."""
import json
import re
import os
import random
import urllib.error
import urllib.parse
import urllib.request

import schemathesis

RANDOM = random.Random(20261206)
_PARCELS = []


def parcel_ids():
    if not _PARCELS:
        base = os.environ["ZAMIN_BASE"]
        with urllib.request.urlopen(base + "/collections/parcels/items?limit=200", timeout=10) as response:
            _PARCELS.extend(feature["id"] for feature in json.load(response)["features"])
    return _PARCELS


_ZONE_CODES = []


def zone_codes():
    if not _ZONE_CODES:
        base = os.environ["ZAMIN_BASE"]
        with urllib.request.urlopen(base + "/collections/zones/items?limit=100", timeout=10) as response:
            _ZONE_CODES.extend(sorted({feature["properties"]["code"] for feature in json.load(response)["features"]}))
    return _ZONE_CODES


def current_etag(path):
    """The ETag a GET of the feature answers, or None (no such feature)."""
    try:
        with urllib.request.urlopen(os.environ["ZAMIN_BASE"] + path, timeout=10) as response:
            return response.headers.get("ETag")
    except (urllib.error.HTTPError, ValueError):
        return None


def valid_feature(collection, body):
    """`body` with what JSON Schema cannot state made right: a closed square (or a point) in an
    empty area 1° east of the city, a zone code of the rules, a category."""
    lon, lat = 52.4 + RANDOM.random() * 0.5, 35.2 + RANDOM.random() * 0.5
    if collection == "facilities":
        body["geometry"] = {"type": "Point", "coordinates": [lon, lat]}
    else:
        d = 0.0002
        body["geometry"] = {"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]}
    properties = body.get("properties") if isinstance(body.get("properties"), dict) else {}
    body["properties"] = properties
    if collection == "parcels":
        if properties.get("zone_code") is not None:
            properties["zone_code"] = RANDOM.choice(zone_codes())
        if not isinstance(properties.get("floors"), int) or isinstance(properties.get("floors"), bool):
            properties["floors"] = None
    elif collection == "zones":
        properties["code"] = RANDOM.choice(zone_codes())
    else:
        if not str(properties.get("category") or "").strip():
            properties["category"] = "park"
    body["type"] = "Feature"
    return body


def national_id():
    """Ten digits with a valid check digit (the Iranian national id algorithm)."""
    while True:
        digits = [RANDOM.randrange(10) for _ in range(9)]
        remainder = sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        check = remainder if remainder < 2 else 11 - remainder
        if len(set(digits + [check])) > 1:
            return "".join(map(str, digits)) + str(check)


def is_positive(case, location):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return False
    component = meta.components.get(location)
    return component is None or component.mode.is_positive


def repaired_bbox(value):
    try:
        numbers = [float(part) for part in str(value).split(",")]
    except ValueError:
        return value
    if len(numbers) not in (4, 6):
        return value
    half = len(numbers) // 2
    lon = sorted(max(-180.0, min(180.0, n)) for n in (numbers[0], numbers[half]))
    lat = sorted(max(-90.0, min(90.0, n)) for n in (numbers[1], numbers[half + 1]))
    return ",".join(repr(n) for n in (lon[0], lat[0], lon[1], lat[1]))


def valid_datetime(value):
    text = str(value)
    from datetime import datetime
    parts = text.split("/")
    def instant(part):
        try:
            datetime.fromisoformat(part.replace("Z", "+00:00"))
            return "T" in part and len(part) >= 20
        except ValueError:
            return False
    if len(parts) == 1 and instant(parts[0]):
        return text
    if len(parts) == 2 and any(p not in ("", "..") for p in parts) and all(p in ("", "..") or instant(p) for p in parts):
        return text
    return "2026-01-01T00:00:00Z"


# Filters valid on every collection (each has `id` and `geometry`), in both encodings.
VALID_FILTERS = [
    ("id IS NOT NULL", {"op": "not", "args": [{"op": "isNull", "args": [{"property": "id"}]}]}),
    ("S_INTERSECTS(geometry, BBOX(51.3, 35.6, 51.5, 35.8))",
     {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [51.3, 35.6, 51.5, 35.8]}]}),
    ("id LIKE '%1%' OR id = 'x'",
     {"op": "or", "args": [{"op": "like", "args": [{"property": "id"}, "%1%"]}, {"op": "=", "args": [{"property": "id"}, "x"]}]}),
]


def valid_filter(language):
    text, json_form = RANDOM.choice(VALID_FILTERS)
    return json.dumps(json_form) if language == "cql2-json" else text


@schemathesis.serializer("application/query-cql-json")
def cql2_json_body(ctx, value):
    """A CQL2-JSON filter posted to `…/items` (OGC 21-065, the type pygeoapi takes): JSON on the wire."""
    return json.dumps(value).encode()


@schemathesis.hook
def before_call(context, case, **kwargs):
    from schemathesis.core.parameters import ParameterLocation
    path = case.operation.path
    if is_positive(case, ParameterLocation.QUERY) and isinstance(case.query, dict):
        query = case.query
        if "bbox" in query and path not in ():
            if isinstance(query["bbox"], list):
                query["bbox"] = ",".join(str(n) for n in query["bbox"])
            query["bbox"] = repaired_bbox(query["bbox"])
        if "datetime" in query and path.startswith("/collections/"):
            query["datetime"] = valid_datetime(query["datetime"])
        if "filter" in query and path.startswith("/collections/"):
            query["filter"] = valid_filter(query.get("filter-lang", "cql2-text"))
        if path.startswith("/open311/v2/requests.") and "start_date" in query and "end_date" in query:
            from datetime import datetime, timedelta
            try:
                start = datetime.fromisoformat(str(query["start_date"]).replace("Z", "+00:00"))
                end = datetime.fromisoformat(str(query["end_date"]).replace("Z", "+00:00"))
                if not timedelta(0) <= end - start <= timedelta(days=90):
                    query["end_date"] = (start + timedelta(days=30)).isoformat()
            except (ValueError, OverflowError):
                pass
        if path == "/lookup":
            if "parcel" in query:
                query.pop("lon", None)
                query.pop("lat", None)
            else:
                query.setdefault("lon", 51.41)
                query.setdefault("lat", 35.70)
        if path == "/search":
            if "q" in query and not str(query["q"]).strip(" \u200c\u200d"):
                query["q"] = "park"
            if "category" in query or "group" in query:
                query.pop("use", None)
                query.pop("zone", None)
            if query.get("group") == "business_opportunities":
                query.pop("category", None)
            elif not any(name in query for name in ("q", "category", "use", "zone", "group")):
                query["q"] = "park"
    if (path.startswith("/collections/") and path.endswith("/items") and case.method.upper() == "POST"
            and case.media_type == "application/query-cql-json" and is_positive(case, ParameterLocation.BODY)):
        case.body = json.loads(valid_filter("cql2-json"))
    if path == "/requests" and case.method.upper() == "POST" and is_positive(case, ParameterLocation.BODY) and isinstance(case.body, dict):
        body = case.body
        body["parcel_id"] = RANDOM.choice(parcel_ids())
        applicant = body.get("applicant")
        if isinstance(applicant, dict):
            applicant["national_id"] = national_id()
            applicant["phone"] = "0912" + "".join(str(RANDOM.randrange(10)) for _ in range(7))
            if not str(applicant.get("name", "")).strip():
                applicant["name"] = "Citizen"
        if body.get("kind") == "construction_permit":
            body.setdefault("requested_floors", 3)
            if body.get("requested_floors") is None:
                body["requested_floors"] = 3
            body.pop("requested_zone_code", None)
        if body.get("kind") in ("subdivision", "merger"):
            # What the planners' endpoints take, proposed by a citizen: no use, floors or code.
            for name in ("requested_use", "requested_floors", "requested_zone_code"):
                body.pop(name, None)
            proposal, where = {}, {}
            repair_cadastral_body(proposal, "/parcels/merge" if body["kind"] == "merger" else "/parcels/{parcel}/subdivide", where)
            body.pop("children", None)
            body.pop("parcels", None)
            body.pop("properties", None)
            if "parcels" in proposal:
                body["parcels"] = proposal["parcels"]
                body["parcel_id"] = proposal["parcels"][0]
            elif "children" in proposal:
                body["children"] = proposal["children"]
                body["parcel_id"] = where["parcel"]
        else:
            for name in ("children", "parcels", "properties"):
                body.pop(name, None)
            if not body.get("requested_use"):
                body["requested_use"] = "residential"
    if path.startswith("/collections/") and "/items" in path and case.method.upper() in ("POST", "PUT", "PATCH", "DELETE"):
        repair_edit(case, path)
    if path == "/reports/{report}/status" and is_positive(case, ParameterLocation.BODY) and isinstance(case.body, dict):
        if case.body.get("status") == "duplicate":
            case.body["duplicate_of"] = 1
        else:
            case.body.pop("duplicate_of", None)
    if (path == "/reports" or path.startswith("/open311/v2/requests.")) and case.method.upper() == "POST" \
            and is_positive(case, ParameterLocation.BODY) and isinstance(case.body, dict):
        repair_report(case, path)
    if path in ("/parcels/{parcel}/subdivide", "/parcels/merge") and is_positive(case, ParameterLocation.BODY) and isinstance(case.body, dict):
        repair_cadastral(case, path)
    if path.startswith("/tenders"):
        repair_tender(case, path)


def tenders():
    """What test_schemathesis.py's fixture published: ids, the due tender's shares, a bid."""
    return json.loads(os.environ["ZAMIN_TENDERS"])


def repair_tender(case, path):
    from datetime import datetime, timedelta, timezone
    from schemathesis.core.parameters import ParameterLocation
    made = tenders()
    if "{tender}" in path and is_positive(case, ParameterLocation.PATH) and isinstance(case.path_parameters, dict):
        if path.endswith("/opening"):
            case.path_parameters["tender"] = made["due"]
        elif "{bid}" in path:
            case.path_parameters["tender"] = made["bid"]["tender"]
            case.path_parameters["bid"] = made["bid"]["code"]
        else:
            case.path_parameters["tender"] = RANDOM.choice([made["auction"], made["procurement"]])
    if case.method.upper() != "POST" or not is_positive(case, ParameterLocation.BODY) or not isinstance(case.body, dict):
        return
    body = case.body
    if path == "/tenders":
        body["opens_at"] = (datetime.now(timezone.utc) + timedelta(days=1 + RANDOM.randrange(300))).strftime("%Y-%m-%dT%H:%M:%SZ")
        for name in ("reserve_price", "deposit"):
            body[name] = str(RANDOM.randrange(1, 10**15))
        if isinstance(body.get("parcels"), list):
            body["parcels"] = RANDOM.sample(parcel_ids(), min(len(body["parcels"]), 5))
        if isinstance(body.get("facilities"), list):
            body["facilities"] = []
        committee = body.get("committee")
        if isinstance(committee, dict) and isinstance(committee.get("threshold"), int) and isinstance(committee.get("members"), int):
            committee["threshold"], committee["members"] = sorted((committee["threshold"], committee["members"]))
    elif path == "/tenders/{tender}/bids":
        body["national_id"] = national_id()
        body["phone"] = "0912" + "".join(str(RANDOM.randrange(10)) for _ in range(7))
        # In both tenders' ranges: at least the auction's minimum 1000, at most the procurement's 10^15.
        body["amount"] = str(RANDOM.randrange(1000, 10**15))
    elif path == "/tenders/{tender}/bids/{bid}/withdrawal":
        body["national_id"] = made["bid"]["national_id"]
    elif path == "/tenders/{tender}/opening":
        body["shares"] = list(made["due_shares"])


_SERVICES = []


def services():
    if not _SERVICES:
        catalogue = os.path.join(os.path.dirname(__file__), "..", "..", "..", "GeoData", "tehran", "services.json")
        with open(catalogue, encoding="utf-8") as file:
            _SERVICES.extend(json.load(file)["services"])
    return _SERVICES


def answer(attribute):
    kind = attribute["datatype"]
    if kind == "number":
        return "2"
    if kind == "datetime":
        return "2026-01-01T00:00:00Z"
    if kind in ("singlevaluelist", "multivaluelist"):
        return attribute["values"][0]["key"]
    return "x"


def repair_report(case, path):
    """A service of the catalogue, its attributes answered, a point in the city."""
    body = case.body
    service = RANDOM.choice(services())
    lon, lat = 51.38 + RANDOM.random() * 0.05, 35.69 + RANDOM.random() * 0.05
    # Other fields are attribute[code] answers (the form's additionalProperties): only the service's.
    declared = {"service_code", "lon", "lat", "description", "name", "email", "phone", "photo"}
    for name in [name for name in body if name.startswith("attribute") or (path == "/reports" and name not in declared)]:
        body.pop(name)
    body["service_code"] = service["service_code"]
    if "phone" in body:
        body["phone"] = "+98 912 123 4567"
    if path == "/reports":
        body["lon"], body["lat"] = lon, lat
        body.pop("photo", None)
        if case.media_type == "application/json":
            body["attributes"] = {a["code"]: answer(a) for a in service["attributes"]}
        else:
            for attribute in service["attributes"]:
                body[f"attribute[{attribute['code']}]"] = answer(attribute)
    else:
        body["lat"], body["long"] = lat, lon
        for name in ("address_string", "address_id"):
            body.pop(name, None)
        for attribute in service["attributes"]:
            body[f"attribute[{attribute['code']}]"] = answer(attribute)


def repair_edit(case, path):
    from schemathesis.core.parameters import ParameterLocation
    collection = path.split("/")[2]
    method = case.method.upper()
    feature_path = None
    if method != "POST" and isinstance(case.path_parameters, dict) and "featureId" in case.path_parameters:
        # schemathesis keeps path parameters percent-encoded; the server decodes them.
        feature_id = urllib.parse.unquote(str(case.path_parameters["featureId"]))
        feature_path = f"/collections/{collection}/items/" + urllib.parse.quote(feature_id, safe="")
    if is_positive(case, ParameterLocation.BODY) and isinstance(case.body, dict):
        if method in ("POST", "PUT"):
            valid_feature(collection, case.body)
            if method == "PUT":
                case.body["id"] = urllib.parse.unquote(str(case.path_parameters.get("featureId")))
            elif not re.fullmatch(r"[A-Za-z0-9_-]{1,50}", str(case.body.get("id"))):
                case.body.pop("id", None)
        elif method == "PATCH":
            key = "floors" if collection == "parcels" else "name_en"
            case.body.clear()
            case.body["properties"] = {key: 3 if key == "floors" else "patched"}
    # A client sends the ETag it read: a syntactically valid tag of another version is a 412
    # (schemathesis.toml), but the answers to a current one are worth testing too.
    if feature_path and is_positive(case, ParameterLocation.HEADER) and isinstance(case.headers, dict) and "If-Match" in case.headers:
        etag = current_etag(feature_path)
        if etag:
            case.headers["If-Match"] = etag


def parcel_features():
    """Parcels past the first 200 (which `POST /requests` names: a subdivision here would take
    its parcel away) that exist now."""
    base = os.environ["ZAMIN_BASE"]
    with urllib.request.urlopen(base + "/collections/parcels/items?offset=200&limit=1000", timeout=10) as response:
        return json.load(response)["features"]


def minimum_areas():
    """Each zone code's minimum parcel area, from the dataset the server imported."""
    rules = os.path.join(os.path.dirname(__file__), "..", "..", "..", "GeoData", "tehran", "zoning_rules.json")
    with open(rules, encoding="utf-8") as file:
        return {code: zone.get("min_parcel_area_m2") or 0 for code, zone in json.load(file)["zones"].items()}


def repair_cadastral(case, path):
    path_parameters = case.path_parameters if isinstance(case.path_parameters, dict) else {}
    repair_cadastral_body(case.body, path, path_parameters)


def repair_cadastral_body(body, path, path_parameters):
    """A parcel cut in two halves through its centroid (each above its zone's minimum area), or two
    parcels that share an edge; values from the parcel itself. The subdivided parcel's id goes
    into `path_parameters["parcel"]`."""
    import pyproj
    from shapely.geometry import LineString, mapping, shape
    from shapely.ops import split
    geod = pyproj.Geod(ellps="WGS84")
    features = parcel_features()
    RANDOM.shuffle(features)
    if path == "/parcels/merge":
        for first in features:
            a = shape(first["geometry"])
            for second in features:
                if second["id"] != first["id"] and a.intersection(shape(second["geometry"])).length > 1e-6:
                    body["parcels"] = [first["id"], second["id"]]
                    body.pop("properties", None)
                    return
        return
    for feature in features:
        outline = shape(feature["geometry"])
        if outline.geom_type != "Polygon":
            continue
        minx, miny, maxx, maxy = outline.bounds
        cx = outline.centroid.x
        parts = list(split(outline, LineString([(cx, miny - 1e-3), (cx, maxy + 1e-3)])).geoms)
        minimum = minimum_areas().get(feature["properties"].get("zone_code"))
        if minimum is None:
            continue
        if len(parts) == 2 and all(abs(geod.geometry_area_perimeter(p)[0]) > minimum * 1.1 for p in parts):
            path_parameters["parcel"] = feature["id"]
            body["children"] = [{"geometry": mapping(p)} for p in parts]
            return
