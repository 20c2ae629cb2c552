"""Downloads from a real ``http.server`` on 127.0.0.1: streamed to disk, capped, and only a checked file is cached."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

import workbench as wb
from workbench.errors import DataSourceError

CSV = "age,sex,y\n" + "".join(f"{20 + i % 50},{'FM'[i % 2]},{i % 3 % 2}\n" for i in range(100))


class _Server:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[str] = []
        log = self.requests

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args) -> None:
                log.append(self.path)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{name}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[_Server]:
    root = tmp_path / "www"
    root.mkdir()
    (root / "people.csv").write_text(CSV)
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "cache"))
    served = _Server(root)
    yield served
    served.close()


def _cached(tmp_path: Path) -> list[str]:
    cache = tmp_path / "cache"
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []


def test_a_checked_download_is_cached_and_reused(server, tmp_path):
    digest = hashlib.sha256(CSV.encode()).hexdigest()
    first = wb.load_dataset(server.url("people.csv"), target="y", sha256=digest)
    again = wb.load_dataset(server.url("people.csv"), target="y", sha256=digest)
    assert first.fingerprint == again.fingerprint and len(first.frame) == 100
    assert len(server.requests) == 1  # the second load used the cache
    assert [name.endswith(".csv") for name in _cached(tmp_path)] == [True]


def test_a_failed_checksum_leaves_nothing_behind(server, tmp_path):
    with pytest.raises(DataSourceError, match="the download was discarded"):
        wb.load_dataset(server.url("people.csv"), target="y", sha256="0" * 64)
    assert _cached(tmp_path) == []  # neither the file nor a .part
    # a later load without a checksum downloads again instead of using an unchecked file
    (server.root / "people.csv").write_text(CSV.replace("age", "years"))
    loaded = wb.load_dataset(server.url("people.csv"), target="y")
    assert "years" in loaded.frame.columns and len(server.requests) == 2


def test_a_cached_file_failing_a_checksum_is_removed(server, tmp_path):
    wb.load_dataset(server.url("people.csv"), target="y")  # cached without a checksum
    (server.root / "people.csv").write_text(CSV.replace("sex", "gender"))  # the source changes
    with pytest.raises(DataSourceError):
        wb.load_dataset(server.url("people.csv"), target="y", sha256="1" * 64)
    assert _cached(tmp_path) == []
    assert "gender" in wb.load_dataset(server.url("people.csv"), target="y").frame.columns


def test_downloads_are_capped(server, tmp_path):
    header, body = CSV.split("\n", 1)
    (server.root / "big.csv").write_text(header + "\n" + body * 200)  # about 0.2 MB
    with pytest.raises(DataSourceError, match=r"larger than max_download_mb=0\.01"):
        wb.load_dataset(server.url("big.csv"), target="y", max_download_mb=0.01)
    assert _cached(tmp_path) == []
    assert len(wb.load_dataset(server.url("big.csv"), target="y").frame) == 100 * 200  # default cap: 500 MB


def test_a_missing_url_is_one_line(server, tmp_path):
    with pytest.raises(DataSourceError, match="Could not download") as caught:
        wb.load_dataset(server.url("nope.csv"))
    assert "\n" not in str(caught.value) and "404" in str(caught.value)
    assert _cached(tmp_path) == []
