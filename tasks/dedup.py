"""Duplicates across runs and outlets: exact (same `content_hash`, computed from the search
form) and near (MinHash signatures of word 3-grams of the search form; LSH bands propose
candidates, the estimated Jaccard similarity decides). Duplicates are kept and
marked: `duplicate_of` is the `article_id` of the first article seen with that content.

The index (article_id, content_hash, MinHash signature) is a Parquet file inside each
dataset version (store.py), so it changes exactly when the data does and survives crashes
the same way. `compact` rebuilds it from the data.
"""
from __future__ import annotations

import time
import zlib
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tasks.records import StageResult

NUM_PERM = 128
SHINGLE_WORDS = 3
LSH_MARGIN = 0.15
DEFAULT_THRESHOLD = 0.7     # estimated Jaccard of shingle sets; see the README for how it was chosen
INDEX_FILE = "dedup.parquet"
INDEX_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("content_hash", pa.string()), ("signature", pa.binary()),
    ("duplicate_of", pa.string()),
])


@dataclass(frozen=True)
class _Hasher:
    """MinHash permutations made once: building them per document would cost more than hashing."""
    template: Any            # a datasketch MinHash

    @classmethod
    def make(cls) -> "_Hasher":
        from datasketch import MinHash

        return cls(MinHash(num_perm=NUM_PERM, seed=1, hashfunc=zlib.crc32))

    def signature(self, text: str) -> np.ndarray:
        from datasketch import MinHash

        words = text.split()
        shingles = {" ".join(words[i:i + SHINGLE_WORDS]).encode()
                    for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}
        m = MinHash(num_perm=NUM_PERM, seed=1, hashfunc=zlib.crc32, permutations=self.template.permutations,
                    scheme=self.template.scheme)
        m.update_batch(list(shingles))
        return m.hashvalues.astype(np.uint32)


class _Bands:
    """LSH band tables as sorted numpy arrays: ~12 bytes per article and band, where a dict
    of sets (datasketch's MinHashLSH) takes ~300, and loading is an array read, not a
    rebuild. Entries added one at a time (`remember`) wait in a small dict until `flush`
    merges them in; a batch is merged at once (`merge`)."""

    def __init__(self, bands: int, rows: int):
        self.bands, self.rows = bands, rows
        rng = np.random.default_rng(7)
        self._mix = rng.integers(1, 2**63 - 1, size=rows, dtype=np.uint64) | np.uint64(1)
        self.keys = [np.empty(0, np.uint64) for _ in range(bands)]
        self.positions = [np.empty(0, np.int64) for _ in range(bands)]
        self._pending: dict[tuple[int, int], list[int]] = {}

    def band_keys(self, signatures: np.ndarray) -> np.ndarray:
        """(n, bands) uint64: each band's rows mixed into one number (collisions only add
        candidates; the Jaccard check removes them)."""
        s = signatures[:, : self.bands * self.rows].astype(np.uint64).reshape(-1, self.bands, self.rows)
        with np.errstate(over="ignore"):
            return (s * self._mix).sum(axis=2, dtype=np.uint64)

    def add(self, position: int, keys: np.ndarray) -> None:
        for band, key in enumerate(keys.tolist()):
            self._pending.setdefault((band, key), []).append(position)

    def merge(self, positions: np.ndarray, keys: np.ndarray) -> None:
        """Adds many entries: (n,) positions and their (n, bands) keys."""
        for band in range(self.bands):
            self._insert(band, keys[:, band], positions)

    def flush(self) -> None:
        by_band: list[tuple[list, list]] = [([], []) for _ in range(self.bands)]
        for (band, key), positions in self._pending.items():
            by_band[band][0].extend([key] * len(positions))
            by_band[band][1].extend(positions)
        self._pending.clear()
        for band, (keys, positions) in enumerate(by_band):
            if keys:
                self._insert(band, np.array(keys, np.uint64), np.array(positions, np.int64))

    def _insert(self, band: int, keys: np.ndarray, positions: np.ndarray) -> None:
        """New keys sorted and inserted where they belong: one copy of the table, not a re-sort
        (1,000 keys into a band of a million: 18 ms, where re-sorting took 42)."""
        order = np.argsort(keys, kind="stable")
        at = np.searchsorted(self.keys[band], keys[order], "right")
        self.keys[band] = np.insert(self.keys[band], at, keys[order])
        self.positions[band] = np.insert(self.positions[band], at, positions[order])

    def shared(self, keys: np.ndarray) -> np.ndarray:
        """(n,) bool: whether an entry's band keys, already merged, are held by any other
        entry in some band. Most articles share none: they need no comparison at all."""
        found = np.zeros(len(keys), bool)
        for band in range(self.bands):
            table = self.keys[band]
            found |= (np.searchsorted(table, keys[:, band], "right") - np.searchsorted(table, keys[:, band], "left")) > 1
        return found

    def candidates(self, keys: np.ndarray, before: int) -> set[int]:
        """Positions below `before` sharing a band key with `keys` (one entry's, merged)."""
        found: set[int] = set()
        for band, key in enumerate(keys.tolist()):
            table = self.keys[band]
            lo = np.searchsorted(table, np.uint64(key), "left")
            hi = np.searchsorted(table, np.uint64(key), "right")
            if hi - lo > 1:
                found.update(p for p in self.positions[band][lo:hi].tolist() if p < before)
        return found


def _lsh_shape(threshold: float) -> tuple[int, int]:
    """Bands and rows for candidates down to threshold - LSH_MARGIN, false negatives
    weighted 4:1 (LSH only proposes; the Jaccard estimate decides)."""
    from datasketch.lsh import _optimal_param

    return _optimal_param(max(0.05, threshold - LSH_MARGIN), NUM_PERM, 0.2, 0.8)


@dataclass
class DedupIndex:
    threshold: float = DEFAULT_THRESHOLD

    def __post_init__(self):
        self._hasher = shared_hasher()
        self._bands = _Bands(*_lsh_shape(self.threshold))
        self._blocks: list[np.ndarray] = []             # signatures, by position, in blocks
        self._starts: list[int] = []                    # the position each block starts at
        self.ids: list[str] = []                        # position → article_id (first seen first)
        self.hashes: list[str] = []
        self.originals: list[int] = []                  # position → original's position, or -1
        self.alive: list[bool] = []
        self.position: dict[str, int] = {}             # live article_id → position

    def __len__(self) -> int:
        return len(self.position)

    def _signature(self, pos: int) -> np.ndarray:
        block = bisect_right(self._starts, pos) - 1
        return self._blocks[block][pos - self._starts[block]]

    def _add_signatures(self, signatures: np.ndarray) -> None:
        self._starts.append(len(self.ids))
        self._blocks.append(signatures)

    # -- persistence ---------------------------------------------------------------------
    @classmethod
    def load(cls, index_dir: Path, threshold: float = DEFAULT_THRESHOLD) -> "DedupIndex":
        index = cls(threshold=threshold)
        path = index_dir / INDEX_FILE
        if not path.is_file():
            return index
        table = pq.read_table(path, schema=INDEX_SCHEMA)
        ids = table.column("article_id").to_pylist()
        if not ids:
            return index
        signatures = np.frombuffer(b"".join(table.column("signature").to_pylist()), np.uint32).reshape(len(ids), NUM_PERM)
        index._add_signatures(signatures)
        index.ids, index.hashes = ids, table.column("content_hash").to_pylist()
        index.position = {a: i for i, a in enumerate(ids)}
        index.originals = [index.position.get(o, -1) if o else -1 for o in table.column("duplicate_of").to_pylist()]
        index.alive = [True] * len(ids)
        index._bands.merge(np.arange(len(ids), dtype=np.int64), index._bands.band_keys(signatures))
        return index

    def save(self, index_dir: Path) -> Path:
        from tasks.write import atomic_write_table

        live = [p for p, alive in enumerate(self.alive) if alive]
        signatures = np.concatenate(self._blocks)[live] if live else np.empty((0, NUM_PERM), np.uint32)
        table = pa.table({
            "article_id": [self.ids[p] for p in live],
            "content_hash": [self.hashes[p] for p in live],
            "signature": [row.tobytes() for row in signatures],
            "duplicate_of": [self.ids[self.originals[p]] if self.originals[p] >= 0 else None for p in live],
        }, schema=INDEX_SCHEMA)
        return atomic_write_table(table, index_dir / INDEX_FILE)

    # -- use ---------------------------------------------------------------------------
    def _append(self, article_id: str, content_hash: str, original: int) -> int:
        self.remove(article_id)
        pos = len(self.ids)
        self.ids.append(article_id)
        self.hashes.append(content_hash)
        self.originals.append(original)
        self.alive.append(True)
        self.position[article_id] = pos
        return pos

    def remember(self, article_id: str, content_hash: str, search_text: str, duplicate_of: str | None) -> None:
        """Add an article whose `duplicate_of` is already known (rebuilding from the data)."""
        original = self.position.get(duplicate_of, -1) if duplicate_of else -1
        signature = self._hasher.signature(search_text).reshape(1, -1)
        self._add_signatures(signature)
        pos = self._append(article_id, content_hash, original)
        self._bands.add(pos, self._bands.band_keys(signature)[0])
        if len(self._bands._pending) > 50_000:
            self._bands.flush()

    def remove(self, article_id: str) -> None:
        """Forget an article (its page changed or is gone), so it cannot be its own original."""
        pos = self.position.pop(article_id, None)
        if pos is not None:
            self.alive[pos] = False

    def _original(self, pos: int, keys: np.ndarray, content_hash: str, signature: np.ndarray) -> int:
        """The position of the first-seen live article that the one at `pos` duplicates,
        exactly or nearly, among those before it; -1 for none."""
        best = -1
        for other in sorted(self._bands.candidates(keys, before=pos)):
            if not self.alive[other]:
                continue
            if self.hashes[other] == content_hash or float(np.mean(self._signature(other) == signature)) >= self.threshold:
                root = self.originals[other] if self.originals[other] >= 0 and self.alive[self.originals[other]] else other
                best = root if best < 0 else min(best, root)
        return best

    def mark(self, table: pa.Table, signatures: np.ndarray | None = None) -> tuple[pa.Table, int]:
        """`table` with `duplicate_of` set for each row (rows taken in order: each is compared
        with everything before it, earlier rows of the batch included), and the number marked.
        `signatures`: the rows' `fingerprints`, when computed elsewhere beforehand."""
        if not table.num_rows:
            return table, 0
        if signatures is None:
            signatures = fingerprints(table, self._hasher)
        # The whole batch joins the band tables first, at the positions its rows will take;
        # a row's candidates are then limited to positions before its own. Rows whose band
        # keys no other entry holds (nearly all) are new without any comparison.
        self._bands.flush()
        first = len(self.ids)
        keys = self._bands.band_keys(signatures)
        self._bands.merge(np.arange(first, first + table.num_rows, dtype=np.int64), keys)
        self._add_signatures(signatures)
        shared = self._bands.shared(keys).tolist()
        marks = []
        for row, (article_id, content_hash) in enumerate(zip(table.column("article_id").to_pylist(),
                                                              table.column("content_hash").to_pylist())):
            self.remove(article_id)       # a changed page is compared with others, not with itself
            best = self._original(first + row, keys[row], content_hash, signatures[row]) if shared[row] else -1
            self._append(article_id, content_hash, best)
            marks.append(self.ids[best] if best >= 0 else None)
        at = table.schema.get_field_index("duplicate_of")
        table = table.set_column(at, table.schema.field(at), pa.array(marks, type=pa.string()))
        return table, sum(m is not None for m in marks)


def search_texts(table: pa.Table) -> list[str]:
    """What near-duplicates are judged on: the search forms of title and body."""
    return [f"{t}\n{b}" for t, b in zip(table.column("title_search").to_pylist(), table.column("body_search").to_pylist())]


def fingerprints(table: pa.Table, hasher: _Hasher | None = None) -> np.ndarray:
    """(rows, NUM_PERM) MinHash signatures: a pure function of each row, so it runs with the
    other per-batch stages (on any worker); only the index lookup (`mark`) is sequential."""
    hasher = hasher or shared_hasher()
    rows = [hasher.signature(text) for text in search_texts(table)]
    return np.stack(rows) if rows else np.empty((0, NUM_PERM), np.uint32)


@lru_cache(maxsize=1)
def shared_hasher() -> _Hasher:
    return _Hasher.make()


def fingerprint_batch(articles: pa.Table) -> StageResult:
    """items: [the articles, their signatures]."""
    started = time.perf_counter()
    result = StageResult(items=[articles, fingerprints(articles)])
    result.stats.seconds = time.perf_counter() - started
    return result


def dedup_batch(index: DedupIndex, articles: pa.Table, signatures: np.ndarray | None = None) -> StageResult:
    """items: [articles with duplicate_of set, how many of them are duplicates]."""
    started = time.perf_counter()
    result = StageResult(items=list(index.mark(articles, signatures)))
    result.stats.seconds = time.perf_counter() - started
    return result


def rebuild_index(articles_dir: Path, threshold: float) -> DedupIndex:
    """The duplicate index from the data: originals first (earliest ingested first), each
    row's `duplicate_of` kept as the data says it."""
    from tasks.write import dataset_files

    columns = ["article_id", "content_hash", "title_search", "body_search", "duplicate_of", "ingested_at"]
    entries: list[tuple] = []
    for path in dataset_files(articles_dir):
        t = pq.ParquetFile(path).read(columns=columns)
        entries += zip(*(t.column(c).to_pylist() for c in columns))
    entries.sort(key=lambda e: (e[4] is not None, e[5], e[0]))
    index = DedupIndex(threshold=threshold)
    for article_id, content_hash, title, body, duplicate_of, _ in entries:
        index.remember(article_id, content_hash, f"{title}\n{body}", duplicate_of)
    return index
