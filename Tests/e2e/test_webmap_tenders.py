"""Tenders and auctions on the web map (issue 21 point 3), in headless Chromium, in Persian (the
default) and English: the "Tenders and auctions" panel lists the notices of GET /tenders (title,
kind, state, reserve price and deposit in rials, the bid deadline in the city's time), its
parcels move the map; an open tender's form submits a sealed bid and shows its tracking code,
a refused field's message is shown next to that field; "Check my bid" shows a bid's state; an
opened tender shows its published result.

The city is a private copy of the imported Tehran with an admin key; two tenders are published
through the API: an auction opening two hours ahead, and a procurement tender opening
OPENING_DELAY seconds after publication, which the test opens with the committee's shares.
Oracles, never the page's numbers fed back: the notices and amounts we send; the opening time
in Tehran's time (UTC+03:30, no daylight saving since 2022) turned into the Solar Hijri date by
test_webmap_inspections' arithmetic, written in Persian digits on the Persian page; the result
by test_tenders' brute-force ranking of the amounts we bid."""
import json
import random
import re
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
import requests
from shapely.geometry import shape

from conftest import Server, page_problems
from planner_support import copy_db, create_key
from test_tenders import expected_result, national_id, notice, phone, stamp, wrong_check_digit
from test_webmap import click_element, open_map, text_of
from test_webmap_inspections import ENGLISH_MONTHS, PERSIAN_DIGITS, PERSIAN_MONTHS, gregorian_to_jalali, latin, persian
from webmap_oracle import PARCELS, feature_id

LANGUAGES = [("fa", ""), ("en", "?lang=en")]
PUBLIC_POSTS = {"ZAMIN_PUBLIC_POSTS_PER_MINUTE": "1000000"}
TEHRAN_OFFSET = timedelta(hours=3, minutes=30)
# Seconds from publication to the procurement tender's opening: enough for the list, the search
# and the bids in both languages before it on a slow machine under the whole suite (the last test
# waits for what is left of it).
OPENING_DELAY = 60
PARCEL = "P-000178"
KIND_WORDS = {"fa": {"auction": "مزایده", "procurement": "مناقصه"}, "en": {"auction": "Auction", "procurement": "Procurement"}}
RIALS = {"fa": "ریال", "en": "rials"}


class City:
    pass


@pytest.fixture(scope="module")
def city(tehran_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("webmap_tenders")
    db = copy_db(tehran_db, folder)
    admin = create_key(db, "admin", "e2e-webmap-tenders")
    server = Server(db, folder / "serve.log").start(PUBLIC_POSTS)
    c = City()
    c.server, c.base, c.admin = server, server.base, admin
    c.rng = random.Random(21)
    published = datetime.now(timezone.utc)
    c.auction = publish(c, notice(kind="auction", title="Lease of the bazaar shop", reserve="150000000",
                                  opens_at=stamp(published + timedelta(hours=2)), parcels=[PARCEL]))
    c.procurement = publish(c, notice(kind="procurement", title="Repaving of the square", reserve="900000000",
                                      opens_at=stamp(published + timedelta(seconds=OPENING_DELAY)), parcels=[]))
    # Bids through the API (amounts at most the procurement's ceiling); the page adds one per language.
    c.bids = {c.procurement["id"]: [], c.auction["id"]: []}
    for amount in (640000000, 587500000):
        api_bid(c, c.procurement["id"], amount)
    yield c
    server.stop()


def publish(city, body):
    response = requests.post(city.base + "/tenders", json=body, headers={"Authorization": f"Bearer {city.admin}"}, timeout=30)
    assert response.status_code == 201, response.text
    tender = response.json()
    tender["sent"] = body
    return tender


def api_bid(city, tender_id, amount):
    response = requests.post(f"{city.base}/tenders/{tender_id}/bids", timeout=30,
                             json={"national_id": national_id(city.rng), "phone": phone(city.rng), "amount": str(amount)})
    assert response.status_code == 201, response.text
    city.bids[tender_id].append({"amount": amount, "code": response.json()["tracking_code"]})


def tehran_parts(iso):
    """(year, month, day, "HH", "MM") of an RFC 3339 UTC instant in Tehran's time."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(timezone.utc) + TEHRAN_OFFSET
    return moment.year, moment.month, moment.day, f"{moment.hour:02d}", f"{moment.minute:02d}"


def assert_instant(text, iso, language):
    """The page's text for an instant: Solar Hijri day, month and year with hour:minute of Tehran in
    Persian digits (no Latin digit, no Gregorian month) on the Persian page; the Gregorian ones on
    the English page, which says it is Tehran time."""
    y, m, d, hour, minute = tehran_parts(iso)
    if language == "fa":
        jy, jm, jd = gregorian_to_jalali(y, m, d)
        assert PERSIAN_MONTHS[jm - 1] in text, (text, iso)
        assert Counter(re.findall(f"[{PERSIAN_DIGITS}]+", text)) == Counter([persian(jd), persian(jy), persian(hour), persian(minute)]), (text, iso)
        assert f"{persian(hour)}:{persian(minute)}" in text, (text, iso)
        assert not re.search(r"[0-9]", text) and not any(name in text for name in ENGLISH_MONTHS), text
        assert "تهران" in text, text
    else:
        assert ENGLISH_MONTHS[m - 1] in text, (text, iso)
        assert Counter(re.findall(r"[0-9]+", text)) == Counter([str(d), str(y), hour, minute]), (text, iso)
        assert f"{hour}:{minute}" in text and "Tehran time" in text, (text, iso)
        assert not re.search(f"[{PERSIAN_DIGITS}]", text), text


def assert_amount(text, amount, language):
    """Rials grouped, in Persian digits (no Latin digit) on the Persian page, Latin on the English one."""
    assert RIALS[language] in text, text
    digits = re.sub(r"[^0-9۰-۹]", "", text)
    assert latin(digits) == str(amount), (text, amount)
    assert not re.search(r"[0-9]" if language == "fa" else f"[{PERSIAN_DIGITS}]", text), text


def open_tenders(browser, city, query):
    open_map(browser, city.server, query=query)
    loads = browser.evaluate("zamin.tenders.loads()")
    click_element(browser, "#tab-tenders")
    browser.wait_for(f"zamin.tenders.loads() > {loads} && document.querySelector('#tenders-result .tender-card')")
    assert browser.evaluate("!document.getElementById('section-tenders').hidden")


def card(tender_id):
    return f"#tenders-result .tender-card[data-tender-id='{tender_id}']"


def fill_bid(browser, tender_id, national, mobile, amount):
    form = f"{card(tender_id)} form.bid-form"
    for name, value in (("national_id", national), ("phone", mobile), ("amount", amount)):
        browser.evaluate(f"document.querySelector({json.dumps(form + f' [name={name}]')}).value = {json.dumps(value)}")
    click_element(browser, f"{form} button[type=submit]")
    return form


# ---------- tests ----------
@pytest.mark.parametrize("language,query", LANGUAGES)
def test_the_panel_lists_the_tenders_in_the_pages_language_and_calendar(browser, city, console, language, query):
    """Both notices: title of the page's language, kind, state, reserve price and deposit in rials
    (Persian digits on the Persian page), the bid deadline in Tehran's time (Solar Hijri in
    Persian, Gregorian in English); the parcel's button moves the map onto the parcel."""
    open_tenders(browser, city, query)
    assert text_of(browser, "#tab-tenders") == ("مزایده‌ها و مناقصه‌ها" if language == "fa" else "Tenders and auctions")
    assert browser.evaluate("document.getElementById('tab-tenders').getAttribute('aria-selected')") == "true"
    for tender in (city.auction, city.procurement):
        sent = tender["sent"]
        selector = card(tender["id"])
        assert browser.evaluate(f"!!document.querySelector({json.dumps(selector)})"), tender["id"]
        assert text_of(browser, f"{selector} [data-field=title]") == sent["title"][language]
        assert browser.evaluate(f"document.querySelector({json.dumps(selector)}).getAttribute('aria-labelledby')")
        kind = text_of(browser, f"{selector} dd[data-field=kind]")
        assert KIND_WORDS[language][sent["kind"]] in kind and KIND_WORDS[language][
            "auction" if sent["kind"] == "procurement" else "procurement"] not in kind, kind
        assert browser.evaluate(f"document.querySelector({json.dumps(selector)}).dataset.state") == "open"
        assert text_of(browser, f"{selector} dd[data-field=state]") == ("در حال پذیرش پیشنهاد" if language == "fa" else "Taking bids")
        assert_amount(text_of(browser, f"{selector} dd[data-field=reserve-price]"), int(sent["reserve_price"]), language)
        assert_amount(text_of(browser, f"{selector} dd[data-field=deposit]"), int(sent["deposit"]), language)
        opens = text_of(browser, f"{selector} dd[data-field=opens-at]")
        assert_instant(opens, tender["opens_at"], language)
        assert browser.evaluate(f"document.querySelector({json.dumps(selector + ' dd[data-field=opens-at] time')}).getAttribute('datetime')") == tender["opens_at"]
        # An open tender has the bid form, each control with its label and the right keyboard.
        controls = browser.evaluate(f"""[...document.querySelectorAll({json.dumps(selector + ' form.bid-form input')})].map(i => ({{
            name: i.name, inputmode: i.getAttribute('inputmode'), labelled: i.labels.length === 1 && !!i.labels[0].textContent.trim(),
            describedby: (i.getAttribute('aria-describedby') || '').split(' ').every(id => !!document.getElementById(id))}}))""")
        assert {c["name"]: c["inputmode"] for c in controls} == {"national_id": "numeric", "phone": "tel", "amount": "numeric"}
        assert all(c["labelled"] and c["describedby"] for c in controls), controls
    # The auction's parcel: a button naming it, which moves the map onto it.
    button = f"{card(city.auction['id'])} button.place-button[data-place-id='{PARCEL}']"
    assert PARCEL in browser.evaluate(f"document.querySelector({json.dumps(button)}).getAttribute('aria-label')")
    shows = browser.evaluate("zamin.tenders.placeShows()")
    click_element(browser, button)
    browser.wait_for(f"zamin.tenders.placeShows() > {shows}")
    west, south, east, north = shape(next(f for f in PARCELS if feature_id(f) == PARCEL)["geometry"]).bounds
    # (The map may still be flying there: its centre is asked until it settles on the parcel.)
    browser.wait_for(f"(c => {west} <= c.lng && c.lng <= {east} && {south} <= c.lat && c.lat <= {north})(zamin.map.getCenter())"
                     " && zamin.map.getZoom() >= 17", timeout=10)
    assert browser.evaluate("!document.getElementById('section-tenders').hidden")  # the panel stays


@pytest.mark.parametrize("language,query", LANGUAGES)
def test_the_business_opportunities_chip_lists_open_tenders_and_vacant_commercial_parcels(browser, city, console, language, query):
    """The search's "business opportunities" chip: the open tenders (each a button to its notice in
    the tenders panel) and the vacant parcels zoned for commerce, as /search?group= answers them,
    with the answer's numberMatched beside the chip."""
    answer = requests.get(f"{city.base}/search", params={"group": "business_opportunities", "limit": 20}, timeout=30).json()
    open_ids = {t["id"] for t in requests.get(f"{city.base}/tenders", params={"status": "open"}, timeout=30).json()["tenders"]}
    assert {city.auction["id"], city.procurement["id"]} <= open_ids
    open_map(browser, city.server, query=query)
    click_element(browser, "#tab-search")
    # The groups' chips get their counts once the search tab is shown; a click where the chip was
    # before they did could land on another chip.
    browser.wait_for("document.querySelector('#search-group-chips button.chip[data-count]')")
    chip = "#search-opportunity-chips button.chip[data-group=business_opportunities]"
    click_element(browser, chip)
    browser.wait_for("document.querySelector('#search-result li[data-kind]')")
    assert browser.evaluate(f"document.querySelector({json.dumps(chip)}).getAttribute('aria-pressed')") == "true"
    browser.wait_for(f"document.querySelector({json.dumps(chip)}).dataset.count === {json.dumps(str(answer['numberMatched']))}")
    listed = browser.evaluate("[...document.querySelectorAll('#search-result li[data-kind]')].map(li => [li.dataset.kind, li.dataset.id])")
    assert listed == [[f["properties"]["kind"], f["id"]] for f in answer["features"]]
    tenders = [id_ for kind, id_ in listed if kind == "tender"]
    assert set(tenders) == open_ids and answer["facets"]["tenders"] == len(open_ids), (tenders, open_ids)
    # A tender's button opens its notice in the tenders panel.
    click_element(browser, f"#search-result li[data-kind=tender][data-id='{city.auction['id']}'] button")
    browser.wait_for(f"!document.getElementById('section-tenders').hidden && document.querySelector({json.dumps(card(city.auction['id']))})")


@pytest.mark.parametrize("language,query", LANGUAGES)
def test_a_bad_national_id_is_shown_next_to_its_field_and_files_nothing(browser, city, language, query):
    """The server's message (in the page's language) under the national id field, which is marked
    invalid; no tracking code; the procurement's result later counts only the good bids."""
    browser.page("Log.enable")
    browser.events.clear()
    tender = city.procurement
    open_tenders(browser, city, query)
    good = national_id(city.rng)
    form = fill_bid(browser, tender["id"], wrong_check_digit(good), phone(city.rng), "600000000")
    error = f"{form} [data-error-for=national_id]"
    browser.wait_for(f"(e => e && !e.hidden && e.textContent.trim())(document.querySelector({json.dumps(error)}))")
    # What the API says of such a bid in this language (a refused bid: nothing is stored).
    expected = requests.post(f"{city.base}/tenders/{tender['id']}/bids?lang={language}", timeout=30,
                             json={"national_id": wrong_check_digit(good), "phone": phone(city.rng), "amount": "600000000"})
    assert expected.status_code == 400 and expected.json()["parameter"] == "national_id", expected.text
    assert text_of(browser, error) == expected.json()["description"]
    assert re.search("[\u0600-\u06ff]", text_of(browser, error)) if language == "fa" else not re.search("[\u0600-\u06ff]", text_of(browser, error))
    field = f"{form} [name=national_id]"
    assert browser.evaluate(f"document.querySelector({json.dumps(field)}).getAttribute('aria-invalid')") == "true"
    error_id = browser.evaluate(f"document.querySelector({json.dumps(error)}).id")
    assert error_id in browser.evaluate(f"document.querySelector({json.dumps(field)}).getAttribute('aria-describedby')").split()
    # Next to its field: the error follows the input, and the other fields show none.
    assert browser.evaluate(f"(i => {{ let n = i.nextElementSibling; while (n && n.tagName !== 'INPUT') {{ if (n.dataset.errorFor === 'national_id') return true; n = n.nextElementSibling; }} return false; }})(document.querySelector({json.dumps(field)}))")
    assert browser.evaluate(f"[...document.querySelectorAll({json.dumps(form + ' [data-error-for]')})].filter(e => !e.hidden).map(e => e.dataset.errorFor)") == ["national_id"]
    assert not browser.evaluate(f"document.querySelector({json.dumps(card(tender['id']) + ' [data-field=bid-tracking-code]')})")
    assert page_problems(browser, refused_url=f"/tenders/{tender['id']}/bids") == []


@pytest.mark.parametrize("language,query", LANGUAGES)
def test_a_bid_through_the_form_gets_a_tracking_code_the_api_knows(browser, city, console, language, query):
    """A good bid (its amount typed in Persian digits on the Persian page): the tracking code shown
    is one GET /tenders/{id}/bids/{code} knows, sealed; the page says the amount stays sealed;
    "Check my bid" shows the same state."""
    tender = city.procurement
    assert requests.get(f"{city.base}/tenders/{tender['id']}", timeout=30).json()["state"] == "open", "OPENING_DELAY too short for this machine"
    open_tenders(browser, city, query)
    amount = 512300000 if language == "fa" else 598000000
    typed = persian(amount) if language == "fa" else f"{amount:,}"
    mobile = phone(city.rng)
    form = fill_bid(browser, tender["id"], national_id(city.rng), persian(mobile) if language == "fa" else mobile, typed)
    code_selector = f"{card(tender['id'])} [data-field=bid-tracking-code]"
    code = browser.wait_for(f"(e => e && e.textContent.trim())(document.querySelector({json.dumps(code_selector)}))")
    city.bids[tender["id"]].append({"amount": amount, "code": code})
    known = requests.get(f"{city.base}/tenders/{tender['id']}/bids/{code}", timeout=30)
    assert known.status_code == 200, known.text
    assert known.json()["tracking_code"] == code and known.json()["state"] == "sealed" and "amount" not in known.json()
    note = text_of(browser, f"{card(tender['id'])} [data-field=sealed-note]")
    assert ("مهر و موم" in note) if language == "fa" else ("sealed until the opening" in note), note
    assert browser.evaluate(f"[...document.querySelectorAll({json.dumps(form + ' [data-error-for]')})].every(e => e.hidden)")
    # "Check my bid", filled in by the page with the tender and the code.
    assert browser.evaluate("document.getElementById('bid-check-tender').value") == tender["id"]
    assert browser.evaluate("document.getElementById('bid-check-code').value") == code
    click_element(browser, "#bid-check-form button[type=submit]")
    browser.wait_for("document.querySelector('#bid-check-result dd[data-field=bid-state] [data-state]')")
    assert browser.evaluate("document.querySelector('#bid-check-result dd[data-field=bid-state] [data-state]').dataset.state") == "sealed"
    assert text_of(browser, "#bid-check-result dd[data-field=tracking-code]") == code
    assert not browser.evaluate("document.querySelector('#bid-check-result [data-field=won]')")
    assert_instant(text_of(browser, "#bid-check-result dd[data-field=submitted-at]"), known.json()["submitted_at"], language)


@pytest.mark.parametrize("language,query", LANGUAGES)
def test_an_opened_tender_shows_the_result_of_the_bids_we_made(browser, city, console, language, query):
    """Once its opening time has come the test opens the procurement tender with two of the three
    shares; the page then shows it opened: the number of bids, the winning (lowest) amount and the
    others, as the brute-force ranking of the amounts we sent; "Check my bid" says whether each of
    the page's bids won."""
    tender = city.procurement
    if not getattr(city, "opened", False):
        opens = datetime.fromisoformat(tender["opens_at"].replace("Z", "+00:00"))
        time.sleep(max(0.0, (opens - datetime.now(timezone.utc)).total_seconds()) + 0.3)
        for _ in range(50):
            response = requests.post(f"{city.base}/tenders/{tender['id']}/opening", json={"shares": tender["shares"][:2]},
                                     headers={"Authorization": f"Bearer {city.admin}"}, timeout=30)
            if response.status_code != 409:
                break
            time.sleep(0.2)
        assert response.status_code == 200, response.text
        city.opened = True
    bids = city.bids[tender["id"]]
    assert len(bids) == 4  # two through the API, one through each language's form; the refused ones none
    winner, losing, count = expected_result(bids, tender["kind"])
    open_tenders(browser, city, query)
    selector = card(tender["id"])
    assert browser.evaluate(f"document.querySelector({json.dumps(selector)}).dataset.state") == "opened"
    assert not browser.evaluate(f"document.querySelector({json.dumps(selector + ' form.bid-form')})")
    result = f"{selector} [data-field=result]"
    bids_text = text_of(browser, f"{result} dd[data-field=bids]")
    assert latin(bids_text) == str(count) and (not re.search(r"[0-9]", bids_text) if language == "fa" else True), bids_text
    assert_amount(text_of(browser, f"{result} [data-field=winning-amount]"), bids[winner]["amount"], language)
    shown = browser.evaluate(f"[...document.querySelectorAll({json.dumps(result + ' [data-field=losing-amount]')})].map(e => e.textContent.trim())")
    assert len(shown) == len(losing)
    for text, amount in zip(shown, losing):
        assert_amount(text, int(amount), language)
    # The auction is still open, with its form.
    assert browser.evaluate(f"!!document.querySelector({json.dumps(card(city.auction['id']) + ' form.bid-form')})")
    # "Check my bid" for each bid: opened, and won by the winner alone.
    for index, bid in enumerate(bids):
        browser.evaluate(f"document.getElementById('bid-check-tender').value = {json.dumps(tender['id'])};"
                         f" document.getElementById('bid-check-code').value = {json.dumps(bid['code'])};"
                         " document.getElementById('bid-check-result').replaceChildren()")
        click_element(browser, "#bid-check-form button[type=submit]")
        browser.wait_for("document.querySelector('#bid-check-result [data-won]')")
        assert browser.evaluate("document.querySelector('#bid-check-result dd[data-field=bid-state] [data-state]').dataset.state") == "opened"
        assert browser.evaluate("document.querySelector('#bid-check-result [data-won]').dataset.won") == str(index == winner).lower()
