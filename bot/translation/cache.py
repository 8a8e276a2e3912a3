"""Translation cache: an in-memory LRU in front of a SQLite file.

Keys are (engine+model, source, target, sentence), the sentence already masked by
`placeholders` so "Your order [0] has shipped." is shared by every order number.
The SQLite file (under VAR_DIR) survives restarts, so a sentence is translated by a
model once per deployment, not once per process.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from pathlib import Path

logger = logging.getLogger(__name__)

CacheKey = tuple[str, str, str, str]  # (backend id, source, target, sentence)


class LRU:
    """A small thread-safe LRU map (functools.lru_cache caches calls, not values we set)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[CacheKey, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: CacheKey) -> str | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: CacheKey, value: str) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class TranslationCache:
    """LRU + optional persistent SQLite store. All methods are thread-safe; model
    threads write results even when the request that asked for them timed out."""

    def __init__(self, lru_size: int = 4096, path: Path | None = None) -> None:
        self.memory = LRU(lru_size)
        self.path = path
        self.hits = {"memory": 0, "disk": 0}
        self.misses = 0
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS translations ("
                    " backend TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL,"
                    " sentence TEXT NOT NULL, translation TEXT NOT NULL, created_at REAL NOT NULL,"
                    " PRIMARY KEY (backend, source, target, sentence))"
                )
            except (OSError, sqlite3.Error) as exc:
                # A read-only disk must not take translation down: keep the memory cache.
                logger.error("translation cache: cannot open %s (%s); using memory only", path, exc)
                self._db = None

    def get(self, key: CacheKey) -> str | None:
        value = self.memory.get(key)
        if value is not None:
            self.hits["memory"] += 1
            return value
        if self._db is not None:
            with self._lock:
                row = self._db.execute(
                    "SELECT translation FROM translations WHERE backend=? AND source=? AND target=? AND sentence=?",
                    key,
                ).fetchone()
            if row is not None:
                self.hits["disk"] += 1
                self.memory.put(key, row[0])
                return row[0]
        self.misses += 1
        return None

    def put_many(self, items: list[tuple[CacheKey, str]]) -> None:
        for key, value in items:
            self.memory.put(key, value)
        if self._db is not None and items:
            now = time.time()
            try:
                with self._lock:
                    self._db.executemany(
                        "INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?, ?, ?)",
                        [(*key, value, now) for key, value in items],
                    )
            except sqlite3.Error as exc:
                logger.warning("translation cache: write failed (%s)", exc)

    def close(self) -> None:
        if self._db is not None:
            with self._lock:
                self._db.close()
            self._db = None
