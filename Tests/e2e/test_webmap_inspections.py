"""Restaurant inspections on the web map (issue 21 point 1), in headless Chromium, in Persian (the
default) and English: the grade badge beside each inspected facility's marker, in the plot
panel's nearest amenities and in the nearest tool's results; the facility's card with its
latest inspection and an "Inspections" button listing the visits, newest first, with their
violations and their days in the page's calendar.

The city is Tehran with the demo feed of GeoData/tehran/lives, plus two businesses of our own
(a hospital's café inspected long ago, so stale; a park's kiosk never scored), so that the plot
panel's amenities (hospital, school, metro station, park) have inspections to show.
What the page should show is worked out here from the CSV files: businesses linked to
facilities by `facility_id` or by name within 30 m (test_inspections' oracle, pyproj), grades
by the feed's scheme (NYC letters: 0–13 A, 14–27 B, 28+ C; or legend.csv), staleness by the
default 365 days; Solar Hijri days by the arithmetic below, written in Persian digits."""
import csv
import io
import json
import math
import re
import shutil
from datetime import date, datetime, timezone

import pytest

from conftest import GEODATA, Server, import_dataset
from test_inspections import GEOD, distance, facilities, facility_by_id, link_oracle
from test_webmap import click_at, click_element, open_map, screen_points, text_of

TEHRAN = GEODATA / "tehran"
TODAY = datetime.now(timezone.utc).date()
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
PERSIAN_MONTHS = ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"]
ENGLISH_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                  "November", "December"]
LANGUAGES = [("fa", ""), ("en", "?lang=en")]
LABELS = {
    "fa": {"grade": "درجهٔ بازرسی بهداشتی: {grade}", "ungraded": "بازرسی‌شده، هنوز بی‌درجه", "stale": "آخرین بازرسی قدیمی است",
           "button": "بازرسی‌ها"},
    "en": {"grade": "Inspection grade {grade}", "ungraded": "Inspected, not graded yet", "stale": "last inspection out of date",
           "button": "Inspections"},
}
HOSPITAL = "place-0170"   # the children's hospital: our café, inspected 500 days ago
PARK = "place-0569"       # Ebn-e Sina park: our kiosk, one unscored visit


# ---------- oracles ----------
def gregorian_to_jalali(gy, gm, gd):
    """The Solar Hijri (year, month, day) of a Gregorian day: days counted from a fixed epoch,
    then 33-year cycles of 12053 days, 4-year runs of 1461 days, the first six months of 31 days
    and the next of 30 (the arithmetic of the classic jdf/jalaali converters)."""
    before_month = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
    gy2 = gy + 1 if gm > 2 else gy
    days = 355666 + 365 * gy + (gy2 + 3) // 4 - (gy2 + 99) // 100 + (gy2 + 399) // 400 + gd + before_month[gm - 1]
    jy = -1595 + 33 * (days // 12053)
    days %= 12053
    jy += 4 * (days // 1461)
    days %= 1461
    if days > 365:
        jy += (days - 1) // 365
        days = (days - 1) % 365
    if days < 186:
        return jy, 1 + days // 31, 1 + days % 31
    return jy, 7 + (days - 186) // 30, 1 + (days - 186) % 30


def persian(number):
    return str(number).translate(str.maketrans("0123456789", PERSIAN_DIGITS))


def latin(text):
    return text.translate(str.maketrans(PERSIAN_DIGITS, "0123456789"))


def assert_day(text, iso, language):
    """'YYYY-MM-DD' as the page writes it: in Persian the Solar Hijri day, month name and year in
    Persian digits; in English the Gregorian ones."""
    y, m, d = (int(part) for part in iso.split("-"))
    if language == "fa":
        jy, jm, jd = gregorian_to_jalali(y, m, d)
        assert PERSIAN_MONTHS[jm - 1] in text, (text, iso)
        assert sorted(re.findall(f"[{PERSIAN_DIGITS}]+", text)) == sorted([persian(jd), persian(jy)]), (text, iso)
        assert not re.search(r"[0-9]", text) and not any(name in text for name in ENGLISH_MONTHS), text
    else:
        assert ENGLISH_MONTHS[m - 1] in text, (text, iso)
        assert sorted(re.findall(r"[0-9]+", text)) == sorted([str(d), str(y)]), (text, iso)
        assert not re.search(f"[{PERSIAN_DIGITS}]", text), text


def rows(path):
    if not path.exists():
        return []
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


class Feed:
    """The folder's feed read with `csv`: each inspected facility's visits and latest inspection."""

    def __init__(self, lives):
        info = rows(lives / "feed_info.csv")
        scheme = (info[0].get("grade_scheme") or "").strip().lower() if info else ""
        legend = [(float(r["minimum_score"]), float(r["maximum_score"]), r["description"].strip()) for r in rows(lives / "legend.csv")]
        if scheme == "nyc_letters":
            self.grade_of = lambda s: "A" if s < 14 else "B" if s < 28 else "C"
        else:
            self.grade_of = lambda s: next((g for lo, hi, g in legend if lo <= s <= hi), None)
        businesses = [{k.strip().lower(): (v or "").strip() for k, v in r.items()} for r in rows(lives / "businesses.csv")]
        self.facility_of = {b: f for b, f, _, _ in link_oracle(businesses)}
        # The facilities a business became (`lives-<id>`, category restaurant), as the import makes them.
        self.new = {"lives-" + b["business_id"]: {"coordinates": (float(b["longitude"]), float(b["latitude"])),
                                                  "name_fa": b["name"], "name_en": None, "category": "restaurant"}
                    for b in businesses if self.facility_of[b["business_id"]] == "lives-" + b["business_id"]}
        violations = {}
        for r in rows(lives / "violations.csv"):
            violations.setdefault((r["business_id"].strip(), r["date"].strip()), []).append(
                ((r.get("code") or "").strip() or None, (r.get("description") or "").strip() or None))
        self.visits = {}
        for r in rows(lives / "inspections.csv"):
            business, day = r["business_id"].strip(), r["date"].strip()
            score = float(r["score"]) if (r.get("score") or "").strip() else None
            self.visits.setdefault(self.facility_of[business], []).append({
                "date": f"{day[:4]}-{day[4:6]}-{day[6:]}", "score": score, "grade": None if score is None else self.grade_of(score),
                "violations": violations.get((business, day), [])})
        for listed in self.visits.values():
            listed.sort(key=lambda v: v["date"], reverse=True)

    def latest(self, facility_id):
        listed = self.visits.get(facility_id)
        if not listed:
            return None
        scored = next((v for v in listed if v["score"] is not None), None)
        stale = (TODAY - date.fromisoformat(listed[0]["date"])).days > 365
        return {"date": listed[0]["date"], "grade": scored and scored["grade"], "stale": stale}

    def inspected(self):
        return sorted(self.visits)


def label(latest, language):
    words = LABELS[language]
    text = words["grade"].replace("{grade}", latest["grade"]) if latest["grade"] is not None else words["ungraded"]
    return f"{text} ({words['stale']})" if latest["stale"] else text


def colour_family(rgb):
    r, g, b = rgb
    if max(rgb) - min(rgb) < 30:
        return "grey"
    if g > r and g > b:
        return "green"
    if r > g > b and g >= 0.4 * r:
        return "amber"
    if r > 2 * g and r > 2 * b:
        return "red"
    return "other"


EXPECTED_COLOUR = {"A": "green", "B": "amber", "C": "red"}


# ---------- the city ----------
class City:
    pass


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """Tehran with the demo feed and two businesses of ours appended to it."""
    work = tmp_path_factory.mktemp("webmap_inspections")
    folder = work / "city"
    shutil.copytree(TEHRAN, folder)
    lives = folder / "lives"
    demo_scores = [r["score"].strip() for r in rows(lives / "inspections.csv") if (r.get("score") or "").strip()]
    assert demo_scores, "the demo feed has scored inspections"
    header = next(csv.reader(io.StringIO((lives / "businesses.csv").read_text(encoding="utf-8-sig"))))
    ours = [{"business_id": "E2E-CAFE", "name": "کافه بیمارستان (آزمون)", "facility_id": HOSPITAL},
            {"business_id": "E2E-KIOSK", "name": "دکهٔ پارک (آزمون)", "facility_id": PARK}]
    with open(lives / "businesses.csv", "a", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=[h.strip().lower() for h in header], lineterminator="\n")
        for row in ours:
            writer.writerow({k: row.get(k, "") for k in writer.fieldnames})
    old = (TODAY.toordinal() - 500)
    recent = (TODAY.toordinal() - 3)
    inspections_header = next(csv.reader(io.StringIO((lives / "inspections.csv").read_text(encoding="utf-8-sig"))))
    with open(lives / "inspections.csv", "a", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=[h.strip().lower() for h in inspections_header], lineterminator="\n")
        writer.writerow({k: "" for k in writer.fieldnames} | {
            "business_id": "E2E-CAFE", "score": demo_scores[0], "date": date.fromordinal(old).strftime("%Y%m%d"), "type": "routine"})
        writer.writerow({k: "" for k in writer.fieldnames} | {
            "business_id": "E2E-KIOSK", "score": "", "date": date.fromordinal(recent).strftime("%Y%m%d"), "type": "complaint"})
    db = work / "zamin.db"
    imported = import_dataset(db, folder)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    server = Server(db, work / "serve.log").start()
    c = City()
    c.server, c.base, c.feed = server, server.base, Feed(lives)
    # The demo feed itself, read from GeoData, is what most of the badges show.
    demo = Feed(TEHRAN / "lives")
    assert demo.inspected() and set(demo.inspected()) < set(c.feed.inspected())
    c.demo = demo
    yield c
    server.stop()



def facility(city, facility_id):
    """(lon, lat) and properties of a facility of the file or one a business became."""
    if facility_id in facility_by_id():
        f = facility_by_id()[facility_id]
        return tuple(f["geometry"]["coordinates"]), f["properties"]
    made = city.feed.new[facility_id]
    return made["coordinates"], made


def where(city, facility_id):
    return facility(city, facility_id)[0]


def name_of(city, facility_id, language):
    properties = facility(city, facility_id)[1]
    return (properties["name_fa"] or properties["name_en"]) if language == "fa" else (properties["name_en"] or properties["name_fa"])


def go_to(browser, lon, lat, zoom=17):
    """Moves the map and waits for the badges of the new view."""
    loads = browser.evaluate("zamin.inspections.loads()")
    browser.evaluate(f"void zamin.map.setView([{lat}, {lon}], {zoom}, {{animate: false}})")
    browser.wait_for(f"zamin.inspections.loads() > {loads}")


BADGES = """[...document.querySelectorAll('.inspection-marker[data-facility-id]')].map(m => { const b = m.querySelector('.inspection-badge');
  const r = m.getBoundingClientRect(); const c = getComputedStyle(b).backgroundColor.match(/\\d+/g).slice(0, 3).map(Number);
  return {id: m.dataset.facilityId, marker_label: m.getAttribute('aria-label'), role: m.getAttribute('role'), tabindex: m.tabIndex,
          grade: b.dataset.grade, stale: b.dataset.stale, label: b.getAttribute('aria-label'), badge_role: b.getAttribute('role'),
          letter: b.querySelector('.grade-letter').textContent, stale_mark: !!b.querySelector('.stale-mark'), colour: c,
          left: r.left, bottom: r.bottom}; })"""


def check_badge(badge, latest, language):
    assert badge["grade"] == (latest["grade"] or ""), badge
    assert badge["letter"] == (latest["grade"] or "–"), badge
    assert badge["stale"] == str(latest["stale"]).lower() and badge["stale_mark"] == latest["stale"], badge
    assert badge["badge_role"] == "img" and badge["label"] == label(latest, language), (badge, label(latest, language))
    assert colour_family(badge["colour"]) == EXPECTED_COLOUR.get(latest["grade"], "grey"), badge


# ---------- tests ----------
def test_the_calendar_oracle():
    assert gregorian_to_jalali(2026, 8, 5) == (1405, 5, 14)
    assert gregorian_to_jalali(2026, 3, 21) == (1405, 1, 1) and gregorian_to_jalali(2025, 3, 20) == (1403, 12, 30)
    assert gregorian_to_jalali(2025, 4, 1) == (1404, 1, 12) and gregorian_to_jalali(2026, 12, 7) == (1405, 9, 16)
    assert gregorian_to_jalali(2024, 11, 10) == (1403, 8, 20)


@pytest.mark.parametrize("language,query", LANGUAGES)
def test_each_inspected_facility_has_its_grade_badge_on_the_map(browser, city, console, language, query):
    """At street scale, a badge beside the marker of every inspected facility of the view and of
    no other: the grade of the latest scored visit (by the feed's scheme) in its colour, a stale
    mark when the latest visit is over 365 days old, an accessible name saying so; each badge a
    button named after its facility. Below street scale, none."""
    placed = city.feed.inspected()
    assert any(f in city.demo.inspected() for f in placed)
    first = where(city, placed[0])
    open_map(browser, city.server, query=query, view=(first[0], first[1], 17))
    browser.wait_for("zamin.inspections.loads() > 0")
    for facility_id in placed:
        lon, lat = where(city, facility_id)
        go_to(browser, lon, lat)
        badges = {b["id"]: b for b in browser.evaluate(BADGES)}
        west, south, east, north = browser.evaluate(
            "(() => { const b = zamin.map.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()")
        in_view = {f for f in placed if west <= where(city, f)[0] <= east and south <= where(city, f)[1] <= north}
        assert facility_id in in_view
        assert in_view <= set(badges) <= set(city.feed.inspected()), (in_view, set(badges))
        badge = badges[facility_id]
        latest = city.feed.latest(facility_id)
        check_badge(badge, latest, language)
        name = name_of(city, facility_id, language)
        assert badge["role"] == "button" and badge["tabindex"] == 0 and badge["marker_label"] == f"{name}: {label(latest, language)}"
        # Beside the marker: its lower corner 4 px right of and above the facility's place.
        [[x, y]] = screen_points(browser, [[lon, lat]])
        assert abs(badge["left"] - (x + 4)) <= 2 and abs(badge["bottom"] - (y - 4)) <= 2, (badge, x, y)
    # The stale and the ungraded: our café and kiosk.
    assert city.feed.latest(HOSPITAL)["stale"] and city.feed.latest(PARK)["grade"] is None
    # At city scale no badge (the markers merge there).
    lon, lat = where(city, placed[0])
    go_to(browser, lon, lat, zoom=14)
    assert browser.evaluate("document.querySelectorAll('.inspection-marker').length") == 0
    # The facilities switch takes the badges away with the markers.
    go_to(browser, lon, lat, zoom=17)
    assert browser.evaluate("document.querySelectorAll('.inspection-marker').length") > 0
    loads = browser.evaluate("zamin.inspections.loads()")
    click_element(browser, "#show-facilities")
    browser.wait_for(f"zamin.inspections.loads() > {loads} && document.querySelectorAll('.inspection-marker').length === 0")
    click_element(browser, "#show-facilities")
    browser.wait_for("document.querySelectorAll('.inspection-marker').length > 0")


def isolated(city, facility_id, metres=30):
    """No other facility (of the file or made from a business) within `metres`: a click there hits its marker."""
    here = where(city, facility_id)
    others = [tuple(f["geometry"]["coordinates"]) for f in facilities() if f["id"] != facility_id]
    others += [made["coordinates"] for made_id, made in city.feed.new.items() if made_id != facility_id]
    return all(distance(here, other) > metres for other in others)


@pytest.mark.parametrize("language,query", LANGUAGES)
def test_the_facility_card_lists_its_inspections_in_the_pages_calendar(browser, city, console, language, query):
    """The card of each inspected facility — opened by a real click on its marker, or with Enter
    on its badge reached by keyboard — names it, shows its badge and the day of its latest
    visit; "Inspections" lists every visit of the feed, newest first: its day (Solar Hijri in
    Persian digits on the Persian page, Gregorian on the English one), score, grade and
    violations (code and description, on the visit they belong to)."""
    placed = city.feed.inspected()
    clicked = next(f for f in placed if isolated(city, f))
    first = where(city, placed[0])
    open_map(browser, city.server, query=query, view=(first[0], first[1], 17))
    browser.wait_for("zamin.inspections.loads() > 0")
    for facility_id in placed:
        lon, lat = where(city, facility_id)
        go_to(browser, lon, lat)
        card = f".facility-popup-body[data-facility-id='{facility_id}']"
        marker = f".inspection-marker[data-facility-id='{facility_id}']"
        if facility_id == clicked:
            # The click finds the marker in the tiles drawn: wait until the tile under it is
            # (a click made before, while the new view's tiles load, finds nothing to open).
            browser.wait_for(f"(h => !!h && h.layer === 'facilities' && h.count === 1 && h.properties.id === {json.dumps(facility_id)})"
                             f"(zamin.vectorTiles.featureAt(L.latLng({lat}, {lon})))")
            click_at(browser, lon, lat)   # the facility's own marker drawn from the tiles
        else:
            browser.evaluate(f"document.querySelector({json.dumps(marker)}).focus()")
            browser.press("Enter", text="\r")
        browser.wait_for(f"document.querySelector({json.dumps(card)})")
        if facility_id != clicked:
            assert browser.evaluate(f"document.activeElement === document.querySelector({json.dumps(card)})")
        assert text_of(browser, f"{card} [data-field=name]") == name_of(city, facility_id, language)
        latest = city.feed.latest(facility_id)
        badge = browser.evaluate(f"""(b => ({{grade: b.dataset.grade, stale: b.dataset.stale, label: b.getAttribute('aria-label'),
            badge_role: b.getAttribute('role'), letter: b.querySelector('.grade-letter').textContent, stale_mark: !!b.querySelector('.stale-mark'),
            colour: getComputedStyle(b).backgroundColor.match(/\\d+/g).slice(0, 3).map(Number)}}))(document.querySelector({json.dumps(card + ' .inspection-badge')}))""")
        check_badge(badge, latest, language)
        assert browser.evaluate(f"document.querySelector({json.dumps(card + ' [data-field=last-inspection] time')}).getAttribute('datetime')") == latest["date"]
        assert_day(text_of(browser, f"{card} [data-field=last-inspection]"), latest["date"], language)
        # "Inspections": a real click, then the visits.
        button = f"{card} .inspections-button"
        assert text_of(browser, button) == LABELS[language]["button"]
        assert browser.evaluate(f"document.querySelector({json.dumps(button)}).getAttribute('aria-expanded')") == "false"
        controls = browser.evaluate(f"document.querySelector({json.dumps(button)}).getAttribute('aria-controls')")
        loads = browser.evaluate("zamin.inspections.listLoads()")
        click_element(browser, button)
        browser.wait_for(f"zamin.inspections.listLoads() > {loads} && document.querySelector({json.dumps(card + ' .visit-list, ' + card + ' .inspection-visits')})")
        assert browser.evaluate(f"document.querySelector({json.dumps(button)}).getAttribute('aria-expanded')") == "true"
        assert browser.evaluate(f"!!document.getElementById({json.dumps(controls)}).querySelector('.inspection-visits')")
        shown = browser.evaluate(f"""[...document.querySelectorAll({json.dumps(card + ' .visit-list > li')})].map(li => ({{
            date: li.dataset.date, datetime: li.querySelector('[data-field=date] time').getAttribute('datetime'),
            day: li.querySelector('[data-field=date]').textContent.trim(),
            score: li.querySelector('dd[data-field=score]').textContent.trim(), grade: li.querySelector('dd[data-field=grade]').textContent.trim(),
            violations: [...li.querySelectorAll('[data-field=violations] li')].map(v => [v.dataset.code, v.textContent.trim()])}}))""")
        wanted = city.feed.visits[facility_id]
        assert [v["date"] for v in shown] == [v["date"] for v in wanted], (facility_id, shown)
        for got, want in zip(shown, wanted):
            assert got["datetime"] == want["date"]
            assert_day(got["day"], want["date"], language)
            if want["score"] is None:
                assert got["score"] == "—"
            else:
                assert not re.search(r"[0-9]" if language == "fa" else f"[{PERSIAN_DIGITS}]", got["score"]), got
                assert float(latin(got["score"]).replace(",", "").replace("٬", "")) == want["score"], (got, want)
            assert got["grade"] == (want["grade"] or "—"), (got, want)
            assert [code for code, _ in got["violations"]] == [code or "" for code, _ in want["violations"]], (facility_id, got, want)
            for (_, text), (code, description) in zip(got["violations"], want["violations"]):
                assert text == " — ".join(part for part in (code, description) if part), (text, code, description)
        # Escape closes the card; opened from the keyboard, the focus goes back to the badge.
        browser.press("Escape")
        browser.wait_for(f"!document.querySelector({json.dumps(card)})")
        if facility_id != clicked:
            assert browser.evaluate(f"document.activeElement === document.querySelector({json.dumps(marker)})")
    # The brief's worked example when the demo feed has it: 2026-08-05 is 14 Mordad 1405.
    if language == "fa" and any(v["date"] == "2026-08-05" for listed in city.demo.visits.values() for v in listed):
        assert gregorian_to_jalali(2026, 8, 5) == (1405, 5, 14)


@pytest.mark.parametrize("language,query", LANGUAGES)
def test_badges_in_the_plot_panel_and_the_nearest_results(browser, city, console, language, query):
    """The plot panel's nearest amenities and the nearest tool's results carry the badge of each
    inspected facility they list, and no other. The amenities are those nearest by pyproj over
    facilities.geojson."""
    lon, lat, _ = GEOD.fwd(*where(city, HOSPITAL), 100, 40)
    open_map(browser, city.server, query=query, view=(lon, lat, 17))
    browser.wait_for("zamin.inspections.loads() > 0")
    browser.evaluate(f"void zamin.lookUp(L.latLng({lat}, {lon}))")
    browser.wait_for("document.querySelector('#lookup-result [data-field=nearest] tbody tr')")
    rows_shown = browser.evaluate("""[...document.querySelectorAll('#lookup-result [data-field=nearest] tbody tr')].map(tr => {
        const cell = tr.querySelector('td[data-facility-id]'); const b = cell && cell.querySelector('.inspection-badge');
        return {category: tr.dataset.category, id: cell ? cell.dataset.facilityId : null,
                badge: b ? {grade: b.dataset.grade, stale: b.dataset.stale, label: b.getAttribute('aria-label'), badge_role: b.getAttribute('role'),
                            letter: b.querySelector('.grade-letter').textContent, stale_mark: !!b.querySelector('.stale-mark'),
                            colour: getComputedStyle(b).backgroundColor.match(/\\d+/g).slice(0, 3).map(Number)} : null}; })""")
    by_category = {r["category"]: r for r in rows_shown}
    for category in ("hospital", "school", "metro_station", "park"):
        ranked = sorted((distance((lon, lat), f["geometry"]["coordinates"]), f["id"]) for f in facilities() if f["properties"]["category"] == category)
        assert by_category[category]["id"] == ranked[0][1], (category, by_category[category], ranked[:2])
        latest = city.feed.latest(ranked[0][1])
        if latest is None:
            assert by_category[category]["badge"] is None, by_category[category]
        else:
            check_badge(by_category[category]["badge"], latest, language)
    assert by_category["hospital"]["badge"] is not None and by_category["park"]["badge"] is not None

    # The nearest tool, for each category of an inspected facility of the demo feed.
    categories = sorted({facility(city, f)[1]["category"] for f in city.demo.inspected()})
    assert categories
    demo_badges = 0
    for category in categories:
        browser.evaluate("document.getElementById('tab-nearest').click()")
        browser.evaluate(f"document.getElementById('nearest-category').value = {json.dumps(category)}; document.getElementById('nearest-k').value = '10'")
        browser.evaluate("document.getElementById('nearest-result').replaceChildren()")
        browser.evaluate("document.querySelector('#nearest-form button[type=submit]').click()")
        items = browser.wait_for("""(() => { const li = [...document.querySelectorAll('#nearest-result li')]; return li.length ? li.map(li => {
            const b = li.querySelector('.inspection-badge'); return {id: li.dataset.facilityId, badge: b ? {grade: b.dataset.grade, stale: b.dataset.stale,
              label: b.getAttribute('aria-label'), badge_role: b.getAttribute('role'), letter: b.querySelector('.grade-letter').textContent,
              stale_mark: !!b.querySelector('.stale-mark'), colour: getComputedStyle(b).backgroundColor.match(/\\d+/g).slice(0, 3).map(Number)} : null}; }) : null; })()""")
        everyone = [(tuple(f["geometry"]["coordinates"]), f["id"], f["properties"]["category"]) for f in facilities()]
        everyone += [(made["coordinates"], made_id, "restaurant") for made_id, made in city.feed.new.items()]
        ranked = sorted((distance((lon, lat), at), fid) for at, fid, c in everyone if c == category)
        assert [i["id"] for i in items] == [f for _, f in ranked[:10]], (category, items)
        for item in items:
            latest = city.feed.latest(item["id"])
            if latest is None:
                assert item["badge"] is None, item
            else:
                check_badge(item["badge"], latest, language)
        demo_badges += sum(1 for item in items if item["id"] in city.demo.inspected() and item["badge"])
    # The demo feed's hotels are next door: their badges are among the results.
    assert demo_badges >= 2, demo_badges
