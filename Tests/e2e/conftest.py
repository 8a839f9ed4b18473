"""End-to-end fixtures: a real `zamin serve` process on a free loopback port over a temporary
database imported from GeoData (never written into GeoData itself)."""
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GEODATA = ROOT / "GeoData"
ZAMIN = os.environ.get("ZAMIN_BIN", str(ROOT / ".build" / "release" / "zamin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, db: Path, log: Path):
        self.db = db
        self.log = log
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self, extra_env=None, extra_args=()):
        env = dict(os.environ, **(extra_env or {}))
        self.log_file = open(self.log, "ab")
        self.process = subprocess.Popen(
            [ZAMIN, "serve", *database_args(self.db), "--port", str(self.port), *extra_args],
            stdout=self.log_file, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"zamin serve exited with {self.process.returncode}: {self.log.read_text()}")
            try:
                with urllib.request.urlopen(self.base + "/health", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("zamin serve did not answer /health within 60 s")

    def stop(self, sig=None):
        if self.process and self.process.poll() is None:
            if sig is None:
                self.process.terminate()
            else:
                self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()
        return self.process.returncode


def database_args(db):
    """`--postgres URL` for a PostgreSQL database (test_nodes.py), `--db FILE` for a file."""
    return ["--postgres", db] if str(db).startswith("postgres://") else ["--db", str(db)]


def import_dataset(db: Path, folder: Path, replace=False):
    args = [ZAMIN, "import", "--db", str(db), str(folder)]
    if replace:
        args.insert(2, "--replace")
    return subprocess.run(args, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="session")
def tehran_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("tehran") / "zamin.db"
    result = import_dataset(db, GEODATA / "tehran")
    assert result.returncode == 0, result.stderr
    return db


# Issue 17 point 2: the tests of the read-only `server` run against each store — SQLite, and
# PostgreSQL when scripts/test has started its throwaway cluster (ZAMIN_TEST_POSTGRES names it).
POSTGRES_ADMIN = os.environ.get("ZAMIN_TEST_POSTGRES")
STORES = ["sqlite"] + (["postgres"] if POSTGRES_ADMIN else [])


def new_postgres_database(prefix, template=None):
    """A fresh database on the test cluster (a copy of `template`'s, if named), as a URL for --postgres."""
    new_postgres_database.count = getattr(new_postgres_database, "count", 0) + 1
    name = f"{prefix}_{os.getpid()}_{new_postgres_database.count}"
    create = f"CREATE DATABASE {name}" + (f" TEMPLATE {template.rsplit('/', 1)[1]}" if template else "")
    subprocess.run(["psql", POSTGRES_ADMIN, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", create],
                   check=True, capture_output=True, timeout=60)
    return POSTGRES_ADMIN.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def postgres_tehran(tmp_path_factory):
    """Tehran imported once into a database of the test cluster: the template of `new_city`'s."""
    url = new_postgres_database("e2e_template")
    result = subprocess.run([ZAMIN, "import", "--postgres", url, str(GEODATA / "tehran")],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return url


@pytest.fixture(params=STORES)
def new_city(request, tehran_db):
    """Makes cities of the test's own as `zamin import` leaves Tehran, on each store (issue 17
    point 2): `new_city(folder)` is a copy of the SQLite file in `folder`, or a PostgreSQL
    database made from the imported template. Pass the city to `database_args` for commands."""
    if request.param == "sqlite":
        from planner_support import copy_db
        return lambda folder: copy_db(tehran_db, folder)
    template = request.getfixturevalue("postgres_tehran")
    return lambda folder: new_postgres_database("e2e_city", template=template)


@pytest.fixture(scope="session", params=STORES)
def served_city(request, tehran_db, tmp_path_factory):
    """The imported Tehran the `server` answers from: a copy of the SQLite file (the server's tests
    file requests; the tests that copy `tehran_db` must find it as imported, whichever order the
    parametrised fixtures put them in), or a PostgreSQL database."""
    if request.param == "sqlite":
        target = tmp_path_factory.mktemp("served") / "zamin.db"
        shutil.copy(tehran_db, target)
        return target
    url = new_postgres_database("e2e_tehran")
    result = subprocess.run([ZAMIN, "import", "--postgres", url, str(GEODATA / "tehran")],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return url


@pytest.fixture(scope="session")
def server(served_city, tmp_path_factory):
    srv = Server(served_city, tmp_path_factory.mktemp("log") / "serve.log").start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium (browser.py) for a test module's pages, closed after them."""
    from browser import Browser
    instance = Browser(width=1100, height=750)
    yield instance
    instance.close()


def page_problems(browser, refused_url=None):
    """The page's uncaught exceptions and console errors since the events were cleared; with
    `refused_url`, the network line Chromium logs for a 4xx answer of a URL containing it aside
    (a request a test makes the server refuse)."""
    problems = []
    for event in browser.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            problems.append(params["exceptionDetails"])
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            problems.append(params.get("args"))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            entry = params["entry"]
            if refused_url and entry.get("source") == "network" and refused_url in entry.get("url", ""):
                continue
            if "favicon" not in entry.get("url", ""):
                problems.append(entry)
    return problems


@pytest.fixture
def console(browser):
    """The page's uncaught exceptions and console errors during a test (none expected)."""
    browser.page("Log.enable")
    browser.events.clear()
    yield
    assert page_problems(browser) == []
