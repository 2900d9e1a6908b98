"""Duplicates across runs and outlets: exact (same `content_hash`, computed from the search
form) and near (MinHash signatures of word 3-grams of the search form; LSH bands propose
candidates, the estimated Jaccard similarity decides). Duplicates are kept and
marked: `duplicate_of` is the `article_id` of the first article seen with that content.

Exact duplicates are found over the whole dataset; near duplicates among articles whose date
(published, else ingested) lies within `window_days` of the article's own: syndicated copies
appear within days, and the window is what keeps a run's cost independent of the dataset's
age. The index lives inside each dataset version (store.py), so it changes exactly when the
data does and survives crashes the same way:

    index/dedup/month=YYYY-MM/<batch file>.parquet    one entry per article, by the month of
        its date: article_id, seq (the order articles were first seen in), content_key,
        MinHash signature, original_seq and duplicate_of (its original), day

A run reads every entry's content key and seq (exact duplicates, which originals are alive),
and the signatures of the months its articles' windows reach, as batches need them, keeping
a bounded number of them in memory. A batch's entries are written with its rows.
"""
from __future__ import annotations

import zlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tasks.keys import key_array, keys_column, keys_of
from tasks.records import StageResult, article_id_for, timed

NUM_PERM = 128
SHINGLE_WORDS = 3
LSH_MARGIN = 0.15
DEFAULT_THRESHOLD = 0.7     # estimated Jaccard of shingle sets; the README says what it marks
DEFAULT_WINDOW_DAYS = 30    # syndicated copies of a story appear within days of each other
CACHE_ENTRIES = 250_000     # months of entries kept in memory between batches, at most
ENTRIES_DIR = "dedup"
REMOVED_DIR = "dedup-removed"           # seqs of entries whose rows were replaced, a file per batch
ROW_GROUP_ENTRIES = 2048                # index files by day in row groups a day range (or one day) can skip
LEGACY_INDEX_FILE = "dedup.parquet"     # khabar ≤ 0.6: the whole index in one file
INDEX_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("seq", pa.int64()), ("content_key", pa.binary(16)),
    ("signature", pa.binary(NUM_PERM * 4)), ("original_seq", pa.int64()), ("duplicate_of", pa.string()),
    ("day", pa.date32()),
])
_EPOCH = date(1970, 1, 1)


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
    rebuild."""

    def __init__(self, bands: int, rows: int):
        self.bands, self.rows = bands, rows
        rng = np.random.default_rng(7)
        self._mix = rng.integers(1, 2**63 - 1, size=rows, dtype=np.uint64) | np.uint64(1)
        self.keys = [np.empty(0, np.uint64) for _ in range(bands)]
        self.positions = [np.empty(0, np.int64) for _ in range(bands)]

    def band_keys(self, signatures: np.ndarray) -> np.ndarray:
        """(n, bands) uint64: each band's rows mixed into one number (collisions only add
        candidates; the Jaccard check removes them)."""
        s = signatures[:, : self.bands * self.rows].astype(np.uint64).reshape(-1, self.bands, self.rows)
        with np.errstate(over="ignore"):
            return (s * self._mix).sum(axis=2, dtype=np.uint64)

    def merge(self, positions: np.ndarray, keys: np.ndarray) -> None:
        """Adds many entries: (n,) positions and their (n, bands) keys, inserted where they
        belong (one copy of each table, not a re-sort)."""
        for band in range(self.bands):
            order = np.argsort(keys[:, band], kind="stable")
            at = np.searchsorted(self.keys[band], keys[order, band], "right")
            self.keys[band] = np.insert(self.keys[band], at, keys[order, band])
            self.positions[band] = np.insert(self.positions[band], at, positions[order])

    def candidates(self, keys: np.ndarray) -> list[set[int]]:
        """For each row of (n, bands) keys, the positions sharing a band key with it: one
        search per band for all rows (most rows share none)."""
        found: list[set[int]] = [set() for _ in range(len(keys))]
        for band in range(self.bands):
            table = self.keys[band]
            if not len(table):
                continue
            lo = np.searchsorted(table, keys[:, band], "left")
            hi = np.searchsorted(table, keys[:, band], "right")
            for row in np.flatnonzero(hi > lo).tolist():
                found[row].update(self.positions[band][lo[row]:hi[row]].tolist())
        return found


def _lsh_shape(threshold: float) -> tuple[int, int]:
    """Bands and rows for candidates down to threshold - LSH_MARGIN, false negatives
    weighted 4:1 (LSH only proposes; the Jaccard estimate decides)."""
    from datasketch.lsh import _optimal_param

    return _optimal_param(max(0.05, threshold - LSH_MARGIN), NUM_PERM, 0.2, 0.8)


def entry_days(articles: pa.Table) -> np.ndarray:
    """Each article's day for the window: its publication date, else the day it was ingested
    (days since 1970-01-01)."""
    when = pc.coalesce(articles.column("published_at"), articles.column("ingested_at"))
    return pc.cast(pc.cast(when, pa.date32()), pa.int32()).to_numpy(zero_copy_only=False).astype(np.int32)


def month_of(day: int) -> str:
    return str(np.datetime64(int(day), "D").astype("datetime64[M]"))


def _months_between(first: int, last: int) -> list[str]:
    start = np.datetime64(int(first), "D").astype("datetime64[M]")
    end = np.datetime64(int(last), "D").astype("datetime64[M]")
    return [str(m) for m in np.arange(start, end + np.timedelta64(1, "M"))]


class _Entries:
    """Index entries held in memory in seq order, with their band tables: one month's."""

    def __init__(self, shape: tuple[int, int]):
        self.bands = _Bands(*shape)
        self.seq = np.empty(0, np.int64)
        self.original = np.empty(0, np.int64)
        self.day = np.empty(0, np.int32)
        self.keys = np.empty(0, "S16")
        self.signatures = np.empty((0, NUM_PERM), np.uint32)
        self.article_ids: list[str] = []
        self.duplicate_of: list[str | None] = []

    def __len__(self) -> int:
        return len(self.seq)

    def extend(self, table: pa.Table) -> None:
        """Entries as INDEX_SCHEMA rows, each seq above those held."""
        if not table.num_rows:
            return
        first = len(self.seq)
        signatures = _signatures_of(table.column("signature"))
        self.seq = np.concatenate([self.seq, table.column("seq").to_numpy()])
        self.original = np.concatenate([self.original, pc.fill_null(table.column("original_seq"), -1).to_numpy()])
        self.day = np.concatenate([self.day, pc.cast(table.column("day"), pa.int32()).to_numpy().astype(np.int32)])
        self.keys = np.concatenate([self.keys, keys_column(table.column("content_key"))])
        self.signatures = np.concatenate([self.signatures, signatures])
        self.article_ids += table.column("article_id").to_pylist()
        self.duplicate_of += table.column("duplicate_of").to_pylist()
        self.bands.merge(np.arange(first, first + table.num_rows, dtype=np.int64), self.bands.band_keys(signatures))

    def at_seq(self, seq: int) -> int | None:
        pos = int(np.searchsorted(self.seq, seq))
        return pos if pos < len(self.seq) and self.seq[pos] == seq else None


def _signatures_of(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not len(array):
        return np.empty((0, NUM_PERM), np.uint32)
    data = np.frombuffer(array.buffers()[1], np.uint32)
    return data[array.offset * NUM_PERM:(array.offset + len(array)) * NUM_PERM].reshape(-1, NUM_PERM).copy()


def entries_dir(index_dir: Path) -> Path:
    return index_dir / ENTRIES_DIR


def month_dir(index_dir: Path, month: str) -> Path:
    return entries_dir(index_dir) / f"month={month}"


def index_files(index_dir: Path, month: str | None = None) -> list[Path]:
    base = month_dir(index_dir, month) if month else entries_dir(index_dir)
    return sorted(p for p in base.rglob("*.parquet") if not p.name.startswith(".")) if base.is_dir() else []


def _removed_files(index_dir: Path) -> list[Path]:
    base = index_dir / REMOVED_DIR
    return sorted(p for p in base.glob("*.parquet") if not p.name.startswith(".")) if base.is_dir() else []


def compact_index(source: Path, target: Path, stem: str) -> int:
    """The index of `source` (an index directory) into `target`: one file per month, sorted by
    day in row groups a run's day range can skip, without the entries listed as gone; one
    month in memory at a time. Returns the entries kept."""
    from tasks.write import atomic_write_table

    gone = [pq.read_table(p, columns=["seq"]).column("seq").to_numpy() for p in _removed_files(source)]
    dropped = pa.array(np.unique(np.concatenate(gone)) if gone else np.empty(0, np.int64))
    kept = 0
    months = sorted({p.parent.name.split("=", 1)[1] for p in index_files(source)})
    for month in months:
        table = pa.concat_tables([pq.ParquetFile(p).read().cast(INDEX_SCHEMA) for p in index_files(source, month)])
        table = table.filter(pc.invert(pc.is_in(table.column("seq"), value_set=dropped))).sort_by(
            [("day", "ascending"), ("seq", "ascending")])
        if table.num_rows:
            atomic_write_table(table, month_dir(target, month) / f"{stem}.parquet", row_group_size=ROW_GROUP_ENTRIES)
            kept += table.num_rows
        del table
    return kept


class DedupIndex:
    """Which article each new one duplicates. `directory`: the index directory of the run's
    staging version, read as batches need it and written batch by batch (`write_batch`);
    None: everything in memory (a single batch, the tests)."""

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, window_days: int = DEFAULT_WINDOW_DAYS,
                 directory: Path | None = None, cache_entries: int = CACHE_ENTRIES):
        self.threshold, self.window_days, self.directory = threshold, window_days, directory
        self.cache_entries = cache_entries
        self._hasher = shared_hasher()
        self._shape = _lsh_shape(threshold)
        self._months: OrderedDict[str, _Entries] = OrderedDict()
        self._ranges: dict[str, tuple[int, int]] = {}     # the days of a month held
        # Every live entry: content key → seq and day (sorted by key), and the seqs
        # (ascending; a new entry's is above all others). ~36 bytes an entry, the run's own included.
        self._keys = np.empty(0, "S16")
        self._key_seq = np.empty(0, np.int64)
        self._key_day = np.empty(0, np.int32)
        self._live = np.empty(0, np.int64)
        self._gone = np.empty(0, np.int64)      # removed before this run (sorted), left in month files
        self._removed: set[int] = set()         # entries this run removed (replaced rows)
        self._next_seq = 0
        self._pending: pa.Table | None = None

    # -- persistence ---------------------------------------------------------------------
    @classmethod
    def open(cls, version: Path, threshold: float = DEFAULT_THRESHOLD, window_days: int = DEFAULT_WINDOW_DAYS,
             cache_entries: int = CACHE_ENTRIES) -> "DedupIndex":
        """The index of a (staging) version: its entries' keys read, nothing else yet."""
        directory = version / "index"
        index = cls(threshold, window_days, directory=directory, cache_entries=cache_entries)
        if (directory / LEGACY_INDEX_FILE).is_file():
            _convert_legacy(version)
        gone = [pq.read_table(p, columns=["seq"]).column("seq").to_numpy() for p in _removed_files(directory)]
        index._gone = np.unique(np.concatenate(gone)) if gone else np.empty(0, np.int64)
        keys, seqs, days = [], [], []
        for path in index_files(directory):
            table = pq.ParquetFile(path).read(columns=["content_key", "seq", "day"])
            seq = table.column("seq").to_numpy()
            alive = ~np.isin(seq, index._gone)
            keys.append(keys_column(table.column("content_key"))[alive])
            seqs.append(seq[alive])
            days.append(pc.cast(table.column("day"), pa.int32()).to_numpy()[alive])
            index._next_seq = max(index._next_seq, int(seq.max()) + 1 if len(seq) else 0)
            del table
        if keys:
            all_keys, all_seqs = np.concatenate(keys), np.concatenate(seqs)
            del keys
            order = np.argsort(all_keys, kind="stable")
            index._keys, index._key_seq = all_keys[order], all_seqs[order]
            index._key_day = np.concatenate(days)[order]
            index._live = np.sort(all_seqs)
        return index

    def __len__(self) -> int:
        """Entries alive: written before, or added by this run, and not removed."""
        return len(self._live) - len(self._removed)

    @property
    def months_held(self) -> list[str]:
        """The months whose entries are in memory now."""
        return list(self._months)

    def _alive(self, seq: int) -> bool:
        if seq < 0 or seq in self._removed:
            return False
        at = int(np.searchsorted(self._live, seq))
        return at < len(self._live) and self._live[at] == seq

    def _month(self, month: str, keep: set[str], first: int = -2**31, last: int = 2**31) -> _Entries:
        """The entries of a month dated from day `first` to `last` (at least), read from the
        index files (the row groups holding those days) unless held; months not in `keep`
        leave memory first when the cache is full."""
        start = int(np.datetime64(month, "M").astype("datetime64[D]").astype(np.int64))
        end = int((np.datetime64(month, "M") + np.timedelta64(1, "M")).astype("datetime64[D]").astype(np.int64)) - 1
        first, last = max(first, start), min(last, end)
        held = self._ranges.get(month)
        if month in self._months and held is not None and held[0] <= first and held[1] >= last:
            self._months.move_to_end(month)
            return self._months[month]
        if held is not None:
            first, last = min(first, held[0]), max(last, held[1])
        entries = _Entries(self._shape)
        if self.directory is not None:
            files = [str(p) for p in index_files(self.directory, month)]
            if files:
                import pyarrow.dataset as ds

                days = pc.field("day")
                table = ds.dataset(files, format="parquet", schema=INDEX_SCHEMA).to_table(
                    filter=(days >= pa.scalar(first, pa.int32()).cast(pa.date32()))
                    & (days <= pa.scalar(last, pa.int32()).cast(pa.date32())))
                gone = np.concatenate([self._gone, np.fromiter(self._removed, np.int64)])
                table = table.filter(pc.invert(pc.is_in(table.column("seq"), value_set=pa.array(gone))))
                entries.extend(table.sort_by("seq"))
                del table
        self._months[month] = entries
        self._months.move_to_end(month)
        self._ranges[month] = (first, last)
        if self.directory is not None:
            count = sum(len(e) for e in self._months.values())
            for name in list(self._months):
                if count <= self.cache_entries:
                    break
                if name not in keep:
                    count -= len(self._months.pop(name))
                    del self._ranges[name]
        return entries

    # -- use ---------------------------------------------------------------------------
    def mark(self, table: pa.Table, signatures: np.ndarray | None = None,
             former_names: dict[str, str] | None = None) -> tuple[pa.Table, int]:
        """`table` with `duplicate_of` set for each row (rows taken in order: each is compared
        with everything before it, earlier rows of the batch included), and the number marked.
        `signatures`: the rows' `fingerprints`, when computed elsewhere beforehand.
        `former_names`: key → the name an input had before inputs had keys, whose rows the
        write replaces as it replaces the key's (write.write_batch)."""
        if not table.num_rows:
            return table, 0
        if signatures is None:
            signatures = fingerprints(table, self._hasher)
        n = table.num_rows
        ids = table.column("article_id").to_pylist()
        keys = keys_of(table.column("content_hash").to_pylist())
        days = entry_days(table)
        seqs = np.arange(self._next_seq, self._next_seq + n, dtype=np.int64)
        replaced = set(ids)      # their earlier entries go with their rows: a changed page is not its own duplicate
        if former_names:
            replaced |= {article_id_for(former_names[uri], position) for uri, position in
                         zip(table.column("source_uri").to_pylist(), table.column("position").to_pylist())
                         if uri in former_names}
        needed = self._window_days(days)
        # The batch's own rows, in band tables of their own: a row looks at the rows before it.
        batch = _Entries(self._shape)
        band_keys = batch.bands.band_keys(signatures)
        batch.bands.merge(np.arange(n, dtype=np.int64), band_keys)
        earlier = self._in_window(days, keys, signatures, band_keys, needed, replaced)
        roots: list[tuple[int, str] | None] = []
        for row, in_batch in enumerate(batch.bands.candidates(band_keys)):
            day, key, signature = int(days[row]), keys[row], signatures[row]
            found = earlier[row] + self._exact(key, replaced)
            for other in in_batch:
                if other < row and self._same(int(days[other]) - day, keys[other] == key, signatures[other], signature):
                    found.append(roots[other] or (int(seqs[other]), ids[other]))
            roots.append(min(found) if found else None)
        marks = [r[1] if r else None for r in roots]
        at = table.schema.get_field_index("duplicate_of")
        table = table.set_column(at, table.schema.field(at), pa.array(marks, type=pa.string()))
        self._add(pa.table({
            "article_id": ids, "seq": seqs, "content_key": key_array(keys),
            "signature": pa.array([s.tobytes() for s in signatures], pa.binary(NUM_PERM * 4)),
            "original_seq": pa.array([r[0] if r else None for r in roots], pa.int64()),
            "duplicate_of": pa.array(marks, pa.string()),
            "day": pa.array(days, pa.int32()).cast(pa.date32()),
        }, schema=INDEX_SCHEMA))
        return table, sum(m is not None for m in marks)

    def _window_days(self, days: np.ndarray) -> dict[str, tuple[int, int]]:
        """Each month some row's window reaches, with the first and last day it reaches."""
        needed: dict[str, tuple[int, int]] = {}
        for day in set(days.tolist()):
            lo, hi = day - self.window_days, day + self.window_days
            for month in _months_between(lo, hi):
                first, last = needed.get(month, (lo, hi))
                needed[month] = (min(first, lo), max(last, hi))
        return needed

    def _same(self, days_apart: int, same_key: bool, signature: np.ndarray, other: np.ndarray) -> bool:
        """Whether two entries are duplicates: inside the window, and the same content or
        nearly (estimated Jaccard at least the threshold)."""
        return abs(days_apart) <= self.window_days and (
            same_key or float(np.mean(signature == other)) >= self.threshold)

    def _in_window(self, days: np.ndarray, keys: np.ndarray, signatures: np.ndarray, band_keys: np.ndarray,
                   needed: dict[str, tuple[int, int]], replaced: set[str]) -> list[list[tuple[int, str]]]:
        """For each row, the roots of the entries (written before this batch) it duplicates: a
        month at a time, for the rows whose window reaches it."""
        found: list[list[tuple[int, str]]] = [[] for _ in range(len(days))]
        first_month = (days - self.window_days).astype("datetime64[D]").astype("datetime64[M]")
        last_month = (days + self.window_days).astype("datetime64[D]").astype("datetime64[M]")
        for month in needed:
            m = np.datetime64(month, "M")
            rows = np.flatnonzero((first_month <= m) & (m <= last_month))
            entries = self._month(month, set(needed), *needed[month])
            for row, positions in zip(rows.tolist(), entries.bands.candidates(band_keys[rows])):
                day = int(days[row])
                for pos in positions:
                    if entries.article_ids[pos] not in replaced and self._same(
                            int(entries.day[pos]) - day, entries.keys[pos] == keys[row], entries.signatures[pos],
                            signatures[row]):
                        found[row].append(self._root(int(entries.seq[pos]), int(entries.original[pos]),
                                                     entries.article_ids[pos], entries.duplicate_of[pos], replaced))
        return found

    def _root(self, seq: int, original: int, article_id: str, duplicate_of: str | None,
              replaced: set[str]) -> tuple[int, str]:
        """The first-seen article an entry stands for: its original while that is alive (and
        not being replaced)."""
        if original >= 0 and duplicate_of and duplicate_of not in replaced and self._alive(original):
            return original, duplicate_of
        return seq, article_id

    def _exact(self, key: bytes, replaced: set[str]) -> list[tuple[int, str]]:
        """Entries with the same content key anywhere in the dataset."""
        lo, hi = np.searchsorted(self._keys, key, "left"), np.searchsorted(self._keys, key, "right")
        found = []
        for seq, day in zip(self._key_seq[lo:hi].tolist(), self._key_day[lo:hi].tolist()):
            entry = self._entry(day, seq) if self._alive(seq) else None
            if entry is not None and entry[2] not in replaced:
                found.append(self._root(*entry, replaced))
        return found

    def _entry(self, day: int, seq: int) -> tuple[int, int, str, str | None] | None:
        """(seq, original_seq, article_id, duplicate_of) of one entry: from the months held,
        else from its month's files (the row groups whose day and seq statistics hold it)."""
        month = month_of(day)
        if month in self._months:
            entries = self._months[month]
            pos = entries.at_seq(seq)
            if pos is not None:
                return seq, int(entries.original[pos]), entries.article_ids[pos], entries.duplicate_of[pos]
        if self.directory is None:
            return None
        import pyarrow.dataset as ds

        files = [str(p) for p in index_files(self.directory, month)]
        on_day = pc.field("day") == pa.scalar(day, pa.int32()).cast(pa.date32())
        rows = ds.dataset(files, format="parquet", schema=INDEX_SCHEMA).to_table(
            columns=["seq", "original_seq", "article_id", "duplicate_of"],
            filter=on_day & (pc.field("seq") == seq)).to_pylist()
        if not rows:
            return None
        r = rows[0]
        return seq, -1 if r["original_seq"] is None else r["original_seq"], r["article_id"], r["duplicate_of"]

    def _add(self, entries: pa.Table) -> None:
        """A marked batch's entries join the months held (and wait to be written)."""
        self._next_seq += entries.num_rows
        months = [month_of(d) for d in pc.cast(entries.column("day"), pa.int32()).to_pylist()]
        keys, seqs = keys_column(entries.column("content_key")), entries.column("seq").to_numpy()
        order = np.argsort(keys, kind="stable")
        at = np.searchsorted(self._keys, keys[order], "right")
        self._keys = np.insert(self._keys, at, keys[order])
        self._key_seq = np.insert(self._key_seq, at, seqs[order])
        days = pc.cast(entries.column("day"), pa.int32()).to_numpy()
        self._key_day = np.insert(self._key_day, at, days[order])
        self._live = np.concatenate([self._live, seqs])
        by_month = pa.array(months)
        for month in sorted(set(months)):
            rows = entries.filter(pc.equal(by_month, month))
            if month in self._months:
                self._months[month].extend(rows)
            elif self.directory is None:
                self._month(month, set()).extend(rows)
        if self.directory is not None:
            self._pending = entries if self._pending is None else pa.concat_tables([self._pending, entries])

    def write_batch(self, name: str, removed: Sequence[tuple[str, int]] = ()) -> list[Path]:
        """The entries of the articles a batch wrote go into its index files (`name`, one per
        month); `removed`: (article_id, day) of the rows it replaced, whose earlier entries
        are listed as gone (REMOVED_DIR; compact drops them from the month files)."""
        from tasks.write import atomic_write_table

        assert self.directory is not None, "an index in memory has no files"
        pending, self._pending = self._pending, None
        gone = self._forget(self.directory, removed)
        written = []
        if gone:
            table = pa.table({"seq": pa.array(sorted(gone), pa.int64())})
            written.append(atomic_write_table(table, self.directory / REMOVED_DIR / name))
        return written + (_write_by_month(pending, self.directory, name) if pending is not None else [])

    def _forget(self, directory: Path, removed: Sequence[tuple[str, int]]) -> set[int]:
        """The seqs of the live entries of `removed` (only their article_id and seq columns
        are read), now gone."""
        import pyarrow.dataset as ds

        by_month: dict[str, set[str]] = {}
        for article_id, day in removed:
            by_month.setdefault(month_of(day), set()).add(article_id)
        gone: set[int] = set()
        for month, article_ids in sorted(by_month.items()):
            files = [str(p) for p in index_files(directory, month)]
            if not files:
                continue
            found = ds.dataset(files, format="parquet").to_table(
                columns=["seq"], filter=pc.field("article_id").isin(sorted(article_ids))).column("seq").to_pylist()
            gone.update(s for s in found if self._alive(s))
            self._months.pop(month, None)      # read again when needed, without what went
            self._ranges.pop(month, None)
        self._removed |= gone
        return gone


def _convert_legacy(version: Path) -> None:
    """The one-file index of khabar ≤ 0.6 rewritten as month files: its order is the seq, the
    articles give each entry its day."""
    from tasks.write import dataset_files

    index_dir = version / "index"
    legacy = pq.read_table(index_dir / LEGACY_INDEX_FILE)
    dated: dict[str, int] = {}
    for path in dataset_files(version / "articles"):
        t = pq.ParquetFile(path).read(columns=["article_id", "published_at", "ingested_at"])
        dated.update(zip(t.column("article_id").to_pylist(), entry_days(t).tolist()))
    ids = legacy.column("article_id").to_pylist()
    seq_of = {a: i for i, a in enumerate(ids)}
    keep = pa.array([i for i, a in enumerate(ids) if a in dated], pa.int64())
    kept = legacy.take(keep)
    table = pa.table({
        "article_id": kept.column("article_id"), "seq": keep,
        "content_key": key_array(keys_of(kept.column("content_hash").to_pylist())),
        "signature": kept.column("signature").cast(pa.binary(NUM_PERM * 4)),
        "original_seq": pa.array([seq_of.get(o) if o else None for o in kept.column("duplicate_of").to_pylist()],
                                 pa.int64()),
        "duplicate_of": kept.column("duplicate_of"),
        "day": pa.array([dated[a] for a in kept.column("article_id").to_pylist()], pa.int32()).cast(pa.date32()),
    }, schema=INDEX_SCHEMA)
    _write_by_month(table, index_dir, "part-legacy.parquet")
    (index_dir / LEGACY_INDEX_FILE).unlink()


def _write_by_month(entries: pa.Table, index_dir: Path, name: str) -> list[Path]:
    from tasks.write import atomic_write_table

    months = pa.array([month_of(d) for d in pc.cast(entries.column("day"), pa.int32()).to_pylist()])
    order = [("day", "ascending"), ("seq", "ascending")]
    return [atomic_write_table(entries.filter(pc.equal(months, month)).sort_by(order), month_dir(index_dir, month) / name,
                               row_group_size=ROW_GROUP_ENTRIES)
            for month in sorted(set(months.to_pylist()))]


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


@dataclass(frozen=True)
class Fingerprinted:
    """A batch's articles and their MinHash signatures, row by row."""
    articles: pa.Table
    signatures: np.ndarray


@dataclass(frozen=True)
class Deduped:
    """A batch's articles with `duplicate_of` set, and how many of them are duplicates."""
    articles: pa.Table
    duplicates: int


@timed
def fingerprint_batch(articles: pa.Table) -> StageResult[Fingerprinted]:
    return StageResult(output=Fingerprinted(articles, fingerprints(articles)))


@timed
def dedup_batch(index: DedupIndex, batch: Fingerprinted | pa.Table,
                former_names: dict[str, str] | None = None) -> StageResult[Deduped]:
    """`batch`: fingerprinted articles, or articles to fingerprint here; `former_names`: see
    DedupIndex.mark."""
    if isinstance(batch, pa.Table):
        batch = Fingerprinted(batch, fingerprints(batch, index._hasher))
    return StageResult(output=Deduped(*index.mark(batch.articles, batch.signatures, former_names)))


def rebuild_index(version: Path) -> int:
    """The duplicate index of a version from its rows, one article file at a time: originals
    first (earliest ingested first), each row's `duplicate_of` kept as the data says it.
    Returns the number of entries."""
    import shutil

    from tasks.write import dataset_files

    index_dir = version / "index"
    shutil.rmtree(entries_dir(index_dir), ignore_errors=True)
    shutil.rmtree(index_dir / REMOVED_DIR, ignore_errors=True)
    (index_dir / LEGACY_INDEX_FILE).unlink(missing_ok=True)
    files = dataset_files(version / "articles")
    order_columns = ["article_id", "duplicate_of", "ingested_at"]
    parts = []
    for number, path in enumerate(files):
        t = pq.ParquetFile(path).read(columns=order_columns)
        parts.append(t.append_column("file", pa.array(np.full(t.num_rows, number, np.int32))))
    if not parts:
        return 0
    order = pa.concat_tables(parts)
    order = order.append_column("is_copy", pc.is_valid(order.column("duplicate_of")))
    order = order.sort_by([("is_copy", "ascending"), ("ingested_at", "ascending"), ("article_id", "ascending")])
    order = order.append_column("seq", pa.array(np.arange(order.num_rows, dtype=np.int64)))
    order = order.append_column("original_seq", pc.take(order.column("seq"), pc.index_in(
        order.column("duplicate_of"), value_set=order.column("article_id"))))
    order = order.sort_by("file").select(["article_id", "file", "seq", "original_seq"])
    bounds = np.searchsorted(order.column("file").to_numpy(), np.arange(len(files) + 1))
    for number, path in enumerate(files):
        rows = pq.ParquetFile(path).read(columns=["article_id", "content_hash", "title_search", "body_search",
                                                  "duplicate_of", "published_at", "ingested_at"])
        mine = order.slice(bounds[number], bounds[number + 1] - bounds[number])
        at = pc.index_in(rows.column("article_id"), value_set=mine.column("article_id"))
        entries = pa.table({
            "article_id": rows.column("article_id"), "seq": pc.take(mine.column("seq"), at),
            "content_key": key_array(keys_of(rows.column("content_hash").to_pylist())),
            "signature": pa.array([s.tobytes() for s in fingerprints(rows)], pa.binary(NUM_PERM * 4)),
            "original_seq": pc.take(mine.column("original_seq"), at), "duplicate_of": rows.column("duplicate_of"),
            "day": pa.array(entry_days(rows), pa.int32()).cast(pa.date32()),
        }, schema=INDEX_SCHEMA)
        _write_by_month(entries, index_dir, f"part-rebuilt-{number:06d}.parquet")
    return order.num_rows
