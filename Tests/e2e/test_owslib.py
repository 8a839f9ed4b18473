"""OWSLib (PyPI), as a Python client would use it, against a real `zamin serve`. OWSLib sends
`Accept: */*` and never `f=json`, so JSON must be the default."""
import json

import pytest

from conftest import GEODATA

owslib_features = pytest.importorskip("owslib.ogcapi.features")


def source(layer):
    with open(GEODATA / "tehran" / f"{layer}.geojson", encoding="utf-8") as f:
        return json.load(f)["features"]


def test_owslib_reads_landing_collections_queryables_items_and_a_feature(server):
    api = owslib_features.Features(server.base)
    rels = {link["rel"] for link in api.links}
    assert {"service-desc", "conformance", "data"} <= rels
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in api.conformance()["conformsTo"]
    # Issue 21: the information layers districts and projects follow the cadastre's three.
    assert [c["id"] for c in api.collections()["collections"]] == ["parcels", "zones", "facilities", "districts", "projects"]
    assert set(api.feature_collections()) == {"parcels", "zones", "facilities", "districts", "projects"}
    assert api.collection("parcels")["id"] == "parcels"
    queryables = api.collection_queryables("parcels")
    assert {"zone_code", "current_use", "floors"} <= set(queryables["properties"])

    bbox = [51.40, 35.69, 51.41, 35.70]
    items = api.collection_items("parcels", bbox=bbox, limit=100)
    assert items["numberReturned"] == len(items["features"]) <= 100
    assert items["numberMatched"] >= items["numberReturned"] > 0
    ids = [f["id"] for f in items["features"]]
    assert ids == sorted(ids)

    feature = api.collection_item("parcels", "P-000001")
    original = next(f for f in source("parcels") if f["id"] == "P-000001")
    assert feature["id"] == "P-000001"
    assert feature["properties"]["zone_code"] == original["properties"]["zone_code"]
    assert feature["geometry"]["coordinates"] == original["geometry"]["coordinates"]


def test_owslib_filters_facilities_by_category(server):
    api = owslib_features.Features(server.base)
    hospitals = api.collection_items("facilities", category="hospital", limit=1000)
    expected = sorted(f["id"] for f in source("facilities") if f["properties"]["category"] == "hospital")
    assert [f["id"] for f in hospitals["features"]] == expected


def test_owslib_cql2_text_filter_selects_what_the_source_does(server):
    """OWSLib's `filter=` (issue 18 point 6): a CQL2-text filter in the query, as OWSLib sends it,
    selects the parcels the GeoJSON file does by the same test."""
    api = owslib_features.Features(server.base)
    answer = api.collection_items("parcels", filter="floors > 3 AND current_use IN ('commercial', 'office')", limit=10000)
    expected = sorted(
        f["id"] for f in source("parcels")
        if (f["properties"].get("floors") or 0) > 3 and f["properties"].get("current_use") in ("commercial", "office"))
    assert expected and sorted(f["id"] for f in answer["features"]) == expected
    assert answer["numberMatched"] == len(expected)
