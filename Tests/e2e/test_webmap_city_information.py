"""The city's information on the web map (issue 21): the districts layer, the city projects layer
with its status filter and cards, "your district" in the plot panel and the search groups, in
headless Chromium against the shared read-only `server`, in Persian (the default) and English.
What the page should show is worked out here from GeoData/tehran/*.geojson, never from the server:

* districts and projects: the features of districts.geojson and projects.geojson read with
  `json`; a project status's set is counted by brute force over the file;
* the district of a clicked point: shapely's point-in-polygon over districts.geojson;
* dates: the Gregorian date turned into the Solar Hijri one by the arithmetic below (the
  33-year rule of ICU, which Chromium's `fa-IR-u-ca-persian` uses), written in Persian digits;
  the Gregorian date itself on the English page;
* the health group: the hospitals, clinics and pharmacies of facilities.geojson.

The assertions read data-* attributes, the names of the GeoJSON and a few UIText words where
the point is the word (the Persian «منطقه»)."""
import json
import math
import re
from collections import Counter
from datetime import date

import pytest
from shapely.geometry import Point, shape

from test_webmap import click_at, click_element, open_map, screen_points, text_of
from webmap_oracle import FACILITIES, PARCELS, bbox, feature_id, load

DISTRICTS = load("districts")
PROJECTS = load("projects")
# The page's palette for the projects (map.js), as test_webmap.py writes the land-use palette.
PROJECT_COLOURS = {"planned": "#2f6db5", "under_construction": "#d97a00", "done": "#2a8a4a"}
SEARCH_GROUPS = ["hotels_lodging", "restaurants", "historic_places", "recreation", "trade_guilds", "health_medical"]
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
PERSIAN_MONTHS = ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"]
ENGLISH_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                  "November", "December"]
LANGUAGES = [("fa", ""), ("en", "?lang=en")]


# ---------- oracles ----------
def solar_hijri(day):
    """(year, month, day) of the Solar Hijri calendar for a Gregorian `date`: days since 1
    Farvardin 1 AP (Julian day number 1948320, 21 March 622 in Python's proleptic Gregorian
    calendar), years of the 33-year
    arithmetic cycle (8 leap years each), months of 31 days (the first six), 30, then 29/30."""
    days = day.toordinal() - date(622, 3, 21).toordinal()
    year = (33 * days + 3) // 12053 + 1
    start_of_year = 365 * (year - 1) + (8 * year + 21) // 33
    day_of_year = days - start_of_year  # 0-based
    if day_of_year < 6 * 31:
        return year, day_of_year // 31 + 1, day_of_year % 31 + 1
    rest = day_of_year - 6 * 31
    return year, rest // 30 + 7, rest % 30 + 1


def persian(number):
    return str(number).translate(str.maketrans("0123456789", PERSIAN_DIGITS))


def latin(text):
    return text.translate(str.maketrans(PERSIAN_DIGITS, "0123456789"))


def assert_day(text, iso, language):
    """The page's text for a calendar day 'YYYY-MM-DD': in Persian the Solar Hijri day, month
    name and year in Persian digits (no Latin digit, no Gregorian month); in English the
    Gregorian ones in Latin digits."""
    gregorian = date.fromisoformat(iso)
    if language == "fa":
        year, month, day = solar_hijri(gregorian)
        assert PERSIAN_MONTHS[month - 1] in text, (text, iso)
        assert Counter(re.findall(f"[{PERSIAN_DIGITS}]+", text)) == Counter([persian(day), persian(year)]), (text, iso)
        assert not re.search(r"[0-9]", text) and not any(name in text for name in ENGLISH_MONTHS), text
    else:
        assert ENGLISH_MONTHS[gregorian.month - 1] in text, (text, iso)
        assert Counter(re.findall(r"[0-9]+", text)) == Counter([str(gregorian.day), str(gregorian.year)]), (text, iso)
        assert not re.search(f"[{PERSIAN_DIGITS}]", text), text


def digits_of(text, language):
    """The number a formatted text holds: its digits (Persian on the Persian page), separators dropped."""
    assert not re.search(r"[0-9]" if language == "fa" else f"[{PERSIAN_DIGITS}]", text), text
    return int(re.sub(r"[^0-9]", "", latin(text)))


def name_in(properties, language):
    return properties["name_fa"] if language == "fa" else properties["name_en"]


def district_shapes():
    return {feature_id(f): shape(f["geometry"]) for f in DISTRICTS}


def points_inside_each_district():
    """For each district, a point well inside it (about 150 m from its outline), in no other
    district and over 150 m from every project, so that a click there hits only the map."""
    shapes = district_shapes()
    projects = [shape(f["geometry"]) for f in PROJECTS]
    found = {}
    for district_id, polygon in shapes.items():
        inner = polygon.buffer(-0.0015)
        west, south, east, north = inner.bounds
        candidates = [Point(west + (east - west) * i / 8, south + (north - south) * j / 8) for i in range(1, 8) for j in range(1, 8)]
        for point in sorted(candidates, key=lambda p: -inner.exterior.distance(p) if inner.contains(p) else 0):
            if (inner.contains(point) and [d for d, s in shapes.items() if s.contains(point)] == [district_id]
                    and all(p.distance(point) > 0.0015 for p in projects)):
                found[district_id] = (point.x, point.y)
                break
    assert set(found) == set(shapes), found
    return found


# ---------- helpers ----------

def open_page(browser, server, query="", view=None):
    open_map(browser, server, query=query, view=view)
    browser.wait_for("zamin.districts.loads() > 0 && zamin.projects.loads() > 0")


def project_elements(browser):
    """The projects drawn on the map: id, status, kind (a marker or a path), colour, screen box."""
    return browser.evaluate("""[...document.querySelectorAll('#map [data-project-id]')].map(e => { const r = e.getBoundingClientRect();
        return {id: e.dataset.projectId, status: e.dataset.status, tag: e.tagName.toLowerCase(),
                colour: e.tagName.toLowerCase() === 'path' ? e.getAttribute('stroke') : e.style.getPropertyValue('--project-colour').trim(),
                x: r.left + r.width / 2, y: r.top + r.height / 2, left: r.left, top: r.top, right: r.right, bottom: r.bottom}; })""")


def choose_status(browser, status):
    """Picks a status in the projects' filter as a keyboard user would (the select's value, then
    its change event), and waits for the layer to be loaded again."""
    loads = browser.evaluate("zamin.projects.loads()")
    browser.evaluate(f"(s => {{ s.focus(); s.value = {json.dumps(status)}; s.dispatchEvent(new Event('change')); }})"
                     "(document.getElementById('projects-status'))")
    browser.wait_for(f"zamin.projects.loads() > {loads}")


def popup_of(project_id):
    return f".project-popup-body[data-project-id='{project_id}']"


# ---------- tests ----------
@pytest.mark.parametrize("language,query", LANGUAGES)
def test_districts_layer_draws_each_district_with_its_name(browser, server, console, language, query):
    """One dashed outline per feature of districts.geojson, filling its feature's box on the
    screen, each named in the page's language by a label inside it; the switch takes them away
    and brings them back."""
    open_page(browser, server, query)
    drawn = browser.evaluate("[...document.querySelectorAll('#map path[data-district-id]')].map(p => { const r = p.getBoundingClientRect();"
                             " return [p.dataset.districtId, r.left, r.top, r.right, r.bottom, p.getAttribute('fill')]; })")
    assert sorted(d[0] for d in drawn) == sorted(feature_id(f) for f in DISTRICTS)
    assert browser.evaluate("zamin.districts.layerCount()") == len(DISTRICTS)
    by_id = {feature_id(f): f for f in DISTRICTS}
    for district_id, left, top, right, bottom, fill in drawn:
        assert fill == "none"  # an outline only: the zones and parcels below stay readable
        west, south, east, north = bbox(by_id[district_id]["geometry"])
        [[x1, y1], [x2, y2]] = screen_points(browser, [[west, north], [east, south]])
        assert max(abs(left - x1), abs(top - y1), abs(right - x2), abs(bottom - y2)) <= 3, (district_id, left, top, right, bottom, x1, y1, x2, y2)
    # The labels: each district's name in the page's language, inside its outline.
    labels = browser.evaluate("[...document.querySelectorAll('.district-label [data-district-id]')].map(s => { const r = s.getBoundingClientRect();"
                              " return [s.dataset.districtId, s.textContent, r.left + r.width / 2, r.top + r.height / 2]; })")
    assert sorted((i, text) for i, text, _, _ in labels) == sorted((i, name_in(f["properties"], language)) for i, f in by_id.items())
    shapes = district_shapes()
    boxes = [bbox(f["geometry"]) for f in DISTRICTS]
    west, south, east, north = min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)
    [[x1, y1], [x2, y2]] = screen_points(browser, [[west, north], [east, south]])
    for district_id, _, x, y in labels:
        # Linear between the corners is close enough at this scale to say which district holds it.
        lon, lat = west + (x - x1) / (x2 - x1) * (east - west), north + (y - y1) / (y2 - y1) * (south - north)
        assert shapes[district_id].contains(Point(lon, lat)), (district_id, lon, lat)
    assert browser.evaluate("getComputedStyle(document.querySelector('.district-label')).direction") == ("rtl" if language == "fa" else "ltr")
    # The switch.
    click_element(browser, "#show-districts")
    browser.wait_for("document.querySelectorAll('#map path[data-district-id], .district-label').length === 0")  # the labels fade out
    click_element(browser, "#show-districts")
    browser.wait_for(f"document.querySelectorAll('#map path[data-district-id]').length === {len(DISTRICTS)}"
                     f" && document.querySelectorAll('.district-label').length === {len(DISTRICTS)}")


def test_projects_layer_shows_each_project_and_the_status_filter_keeps_those_of_the_status(browser, server, console):
    """One marker (a point) or outline (an area) per feature of projects.geojson, at its place
    and in its status's colour, with the legend's counts; each status of the filter leaves
    exactly the projects of that status, "all" every one again; the switch hides them."""
    open_page(browser, server)
    drawn = project_elements(browser)
    assert sorted(d["id"] for d in drawn) == sorted(feature_id(f) for f in PROJECTS)
    by_id = {feature_id(f): f for f in PROJECTS}
    for element in drawn:
        feature = by_id[element["id"]]
        status = feature["properties"]["status"]
        assert element["status"] == status and element["colour"] == PROJECT_COLOURS[status], element
        geometry = feature["geometry"]
        if geometry["type"] == "Point":
            assert element["tag"] == "div"  # a Leaflet marker: focusable, Enter opens it
            [[x, y]] = screen_points(browser, [geometry["coordinates"]])
            assert math.hypot(element["x"] - x, element["y"] - y) <= 1.5, (element, x, y)
        else:
            assert element["tag"] == "path"
            west, south, east, north = bbox(geometry)
            [[x1, y1], [x2, y2]] = screen_points(browser, [[west, north], [east, south]])
            # The path's box is the outline's plus half its stroke.
            assert max(abs(element["left"] - x1), abs(element["top"] - y1), abs(element["right"] - x2), abs(element["bottom"] - y2)) <= 3, element
    # Reachable from the keyboard, each with a name.
    assert browser.evaluate("[...document.querySelectorAll('#map [data-project-id]')].every(e => e.tabIndex === 0 && e.getAttribute('aria-label'))")
    counts = Counter(f["properties"]["status"] for f in PROJECTS)
    legend = browser.evaluate("[...document.querySelectorAll('#project-legend li')].map(li => [li.dataset.status, li.textContent.trim()])")
    assert sorted(status for status, _ in legend) == sorted(PROJECT_COLOURS)
    for status, text in legend:
        assert text.endswith(f"({persian(counts[status])})"), (status, text)
    # The filter: each status, then all again.
    for status in ["planned", "under_construction", "done", ""]:
        choose_status(browser, status)
        expected = sorted(feature_id(f) for f in PROJECTS if not status or f["properties"]["status"] == status)
        drawn = project_elements(browser)
        assert sorted(d["id"] for d in drawn) == expected, status
        assert browser.evaluate("zamin.projects.layerCount()") == len(expected)
        assert all(d["status"] == (status or by_id[d["id"]]["properties"]["status"]) for d in drawn)
    # The switch.
    click_element(browser, "#show-projects")
    assert project_elements(browser) == [] and browser.evaluate("zamin.projects.layerCount()") == 0
    click_element(browser, "#show-projects")
    browser.wait_for(f"document.querySelectorAll('#map [data-project-id]').length === {len(PROJECTS)}")


@pytest.mark.parametrize("language,query", LANGUAGES)
def test_a_projects_card_names_it_and_dates_it_in_the_pages_calendar(browser, server, console, language, query):
    """Each project's card, opened by a real click on its marker or with Enter on it reached by
    keyboard: its name in the page's language, its status, budget (rials), progress, contractor,
    and its start and end days — Solar Hijri in Persian digits on the Persian page, Gregorian on
    the English one; a missing value is a dash."""
    # Oracle self-check: Nowruz 1405, the end of the leap year 1403, and 2025-04-01 → 1404/1/12.
    assert solar_hijri(date(2026, 3, 21)) == (1405, 1, 1) and solar_hijri(date(2025, 3, 20)) == (1403, 12, 30)
    assert solar_hijri(date(2025, 4, 1)) == (1404, 1, 12) and solar_hijri(date(2026, 12, 7)) == (1405, 9, 16)
    open_page(browser, server, query)
    point_project = next(f for f in PROJECTS if f["geometry"]["type"] == "Point" and f["properties"]["start_date"])
    for feature in PROJECTS:
        properties, project_id = feature["properties"], feature_id(feature)
        selector = f"#map [data-project-id='{project_id}']"
        if feature is point_project:
            [[x, y]] = screen_points(browser, [feature["geometry"]["coordinates"]])
            browser.click(x, y)
        else:
            browser.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
            browser.press("Enter", text="\r")
        popup = popup_of(project_id)
        browser.wait_for(f"document.querySelector({json.dumps(popup)})")
        if feature is not point_project:  # opened from the keyboard: the card has the focus
            assert browser.evaluate(f"document.activeElement === document.querySelector({json.dumps(popup)})")
        assert text_of(browser, f"{popup} [data-field=name]") == name_in(properties, language)
        assert browser.evaluate(f"document.querySelector({json.dumps(popup + ' [data-field=status] [data-status]')}).dataset.status") == properties["status"]
        fields = {field: text_of(browser, f"{popup} [data-field={field}]") for field in ("budget", "progress", "contractor", "start-date", "end-date")}
        if properties["budget"] is None:
            assert fields["budget"] == "—"
        else:
            assert digits_of(fields["budget"], language) == properties["budget"]
            assert fields["budget"].endswith("ریال" if language == "fa" else "rials")
        if properties["progress_pct"] is None:
            assert fields["progress"] == "—"
        else:
            assert digits_of(fields["progress"], language) == properties["progress_pct"]
            assert "٪" in fields["progress"] if language == "fa" else fields["progress"].endswith("%")
        assert fields["contractor"] == (properties["contractor"] or "—")
        for field, key in (("start-date", "start_date"), ("end-date", "end_date")):
            if properties[key] is None:
                assert fields[field] == "—"
                continue
            attribute = browser.evaluate(f"document.querySelector({json.dumps(popup + f' [data-field={field}] time')}).getAttribute('datetime')")
            assert attribute == properties[key]
            assert_day(fields[field], properties[key], language)
        # Escape closes the card; opened from the keyboard, the focus goes back to the project.
        browser.press("Escape")
        browser.wait_for(f"!document.querySelector({json.dumps(popup)})")
        if feature is not point_project:
            assert browser.evaluate(f"document.activeElement === document.querySelector({json.dumps(selector)})")
    # The worked example of the brief, spelt out: 2025-04-01 is 12 Farvardin 1404.
    if language == "fa":
        open_project = next(f for f in PROJECTS if f["properties"]["start_date"] == "2025-04-01")
        browser.evaluate(f"document.querySelector(\"#map [data-project-id='{feature_id(open_project)}']\").focus()")
        browser.press("Enter", text="\r")
        text = browser.wait_for(f"(e => e && e.textContent)(document.querySelector(\"{popup_of(feature_id(open_project))} [data-field=start-date]\"))")
        assert "۱۲" in text and "فروردین" in text and "۱۴۰۴" in text, text


@pytest.mark.parametrize("language,query", LANGUAGES)
def test_clicking_a_point_names_its_district(browser, server, console, language, query):
    """A real click inside each district shows "District: <its name>" in the plot panel (the
    district by shapely over districts.geojson); a click outside every district shows none."""
    inside = points_inside_each_district()
    names = {feature_id(f): name_in(f["properties"], language) for f in DISTRICTS}
    open_page(browser, server, query)
    for district_id, (lon, lat) in sorted(inside.items()):
        browser.evaluate("document.getElementById('lookup-result').replaceChildren()")
        # The point in the middle of the map, away from the map's buttons, then a real click on it.
        browser.evaluate(f"void zamin.map.setView([{lat}, {lon}], 15, {{animate: false}})")
        click_at(browser, lon, lat)
        line = "#lookup-result [data-field=district]"
        browser.wait_for(f"document.querySelector('{line}')")
        assert browser.evaluate(f"document.querySelector('{line}').dataset.districtId") == district_id
        assert text_of(browser, f"{line} bdi") == names[district_id]
        assert text_of(browser, line) == f"{'منطقه' if language == 'fa' else 'District'}: {names[district_id]}"
    # West of the parcels, outside every district: the panel answers without a district.
    west = min(bbox(f["geometry"])[0] for f in PARCELS)
    south, north = min(bbox(f["geometry"])[1] for f in PARCELS), max(bbox(f["geometry"])[3] for f in PARCELS)
    lon, lat = west - 0.0015, (south + north) / 2
    assert not any(s.contains(Point(lon, lat)) for s in district_shapes().values())
    open_page(browser, server, query, view=(lon, lat, 17))
    click_at(browser, lon, lat)
    browser.wait_for("document.querySelector('#lookup-result [data-field=\"no-parcel\"]')")
    assert browser.evaluate("document.querySelector('#lookup-result [data-field=district]')") is None


@pytest.mark.parametrize("language,query", LANGUAGES)
def test_search_group_chips_search_a_group_and_show_its_count(browser, server, console, language, query):
    """The search panel's row of groups: one button per search group, in the page's language; a
    real click on "health" lists health facilities only and shows the group's count — the
    hospitals, clinics and pharmacies of facilities.geojson — in the page's digits; the button
    is pressed until clicked again, which takes the filter away; Enter works on a chip too."""
    health = {feature_id(f) for f in FACILITIES if f["properties"]["category"] in ("hospital", "clinic", "pharmacy")}
    assert len(health) > 20
    open_page(browser, server, query)
    click_element(browser, "#tab-search")
    browser.wait_for("!document.getElementById('section-search').hidden")
    chips = browser.evaluate("[...document.querySelectorAll('#search-group-chips button')].map(b => [b.dataset.group, b.querySelector('.chip-name').textContent,"
                             " b.getAttribute('aria-pressed'), b.type])")
    assert sorted(code for code, *_ in chips) == sorted(SEARCH_GROUPS)
    assert all(pressed == "false" and kind == "button" for _, _, pressed, kind in chips)
    names = {code: name for code, name, *_ in chips}
    if language == "en":
        assert names["health_medical"] == "Health and medical services"
    else:
        assert all(re.search("[\u0600-\u06ff]", name) and not re.search("[A-Za-z]", name) for name in names.values()), names
    assert browser.evaluate("document.getElementById('search-group-chips').getAttribute('role')") == "group"
    assert browser.evaluate("!!document.getElementById('search-group-chips').getAttribute('aria-labelledby')")
    chip = "#search-group-chips [data-group=health_medical]"
    click_element(browser, chip)
    browser.wait_for(f"document.querySelector('{chip}').getAttribute('aria-pressed') === 'true'"
                     " && document.querySelector('#search-result li') && document.querySelector('#search-result [data-field=search-shown]')")
    count = browser.wait_for(f"(b => b.dataset.count === '{len(health)}' && b.querySelector('[data-field=count]').textContent.trim())(document.querySelector('{chip}'))")
    assert count == (f"({persian(len(health))})" if language == "fa" else f"({len(health)})")
    label = text_of(browser, chip)
    assert label == f"{names['health_medical']} {count}"
    listed = browser.evaluate("[...document.querySelectorAll('#search-result li')].map(li => [li.dataset.kind, li.dataset.id])")
    assert listed and all(kind == "facility" and i in health for kind, i in listed), listed
    shown = text_of(browser, "#search-result [data-field=search-shown]")
    assert not re.search(r"[0-9]" if language == "fa" else f"[{PERSIAN_DIGITS}]", shown), shown
    assert [int(n) for n in re.findall(r"[0-9]+", latin(shown))] == [len(listed), len(health)], shown
    # The same chip again: no filter, no text, no results.
    click_element(browser, chip)
    browser.wait_for(f"document.querySelector('{chip}').getAttribute('aria-pressed') === 'false' && !document.querySelector('#search-result li')")
    # From the keyboard: Enter on a chip presses it (and keeps the focus on it).
    other = "#search-group-chips [data-group=historic_places]"
    browser.evaluate(f"document.querySelector('{other}').focus()")
    browser.press("Enter", text="\r")
    browser.wait_for(f"document.querySelector('{other}').getAttribute('aria-pressed') === 'true' && document.querySelector('#search-result li')")
    assert browser.evaluate(f"document.activeElement === document.querySelector('{other}')")
    listed = browser.evaluate("[...document.querySelectorAll('#search-result li')].map(li => [li.dataset.kind, li.dataset.id])")
    assert listed and all(kind == "facility" and i not in health for kind, i in listed), listed
