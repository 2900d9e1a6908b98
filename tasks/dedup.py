"""Duplicates across runs and outlets: exact (same `content_hash`, computed from the search
form) and near (MinHash LSH over word shingles of the search form). Duplicates are kept and
marked: `duplicate_of` is the `article_id` of the first article seen with that content.

The index (article_id, content_hash, MinHash signature) is a Parquet file inside each
dataset version (store.py), so it changes exactly when the data does and survives crashes
the same way. `compact` rebuilds it from the data.
"""
from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from prefect import task
from prefect.cache_policies import NO_CACHE

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
    template: object

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


def _minhash(signature: np.ndarray, hasher: _Hasher):
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=1, hashfunc=zlib.crc32, hashvalues=signature,
                   permutations=hasher.template.permutations, scheme=hasher.template.scheme)


@dataclass
class DedupIndex:
    threshold: float = DEFAULT_THRESHOLD
    by_hash: dict[str, str] = field(default_factory=dict)          # content_hash → first article_id
    signatures: dict[str, np.ndarray] = field(default_factory=dict)  # article_id → signature
    hashes: dict[str, str] = field(default_factory=dict)            # article_id → content_hash
    originals: dict[str, str] = field(default_factory=dict)         # duplicate's article_id → original's
    rank: dict[str, int] = field(default_factory=dict)              # article_id → when first seen

    def __post_init__(self):
        from datasketch import MinHashLSH

        self._hasher = _Hasher.make()
        # LSH only proposes candidates: tuned for recall (a lower threshold, false negatives
        # weighted 4:1), then each candidate's estimated Jaccard decides.
        self._lsh = MinHashLSH(threshold=max(0.05, self.threshold - LSH_MARGIN), num_perm=NUM_PERM, weights=(0.2, 0.8))
        self._next_rank = 0

    def __len__(self) -> int:
        return len(self.signatures)

    # -- persistence ---------------------------------------------------------------------
    @classmethod
    def load(cls, index_dir: Path, threshold: float = DEFAULT_THRESHOLD) -> "DedupIndex":
        index = cls(threshold=threshold)
        path = index_dir / INDEX_FILE
        if path.is_file():
            table = pq.read_table(path, schema=INDEX_SCHEMA)
            for article_id, content_hash, blob, original in zip(
                    *(table.column(c).to_pylist() for c in INDEX_SCHEMA.names)):
                index._add(article_id, content_hash, np.frombuffer(blob, dtype=np.uint32), original)
        return index

    def save(self, index_dir: Path) -> Path:
        from tasks.write import atomic_write_table

        order = sorted(self.signatures, key=self.rank.__getitem__)
        table = pa.table({
            "article_id": order,
            "content_hash": [self.hashes[a] for a in order],
            "signature": [self.signatures[a].tobytes() for a in order],
            "duplicate_of": [self.originals.get(a) for a in order],
        }, schema=INDEX_SCHEMA)
        return atomic_write_table(table, index_dir / INDEX_FILE)

    # -- use ---------------------------------------------------------------------------
    def _add(self, article_id: str, content_hash: str, signature: np.ndarray, original: str | None) -> None:
        if article_id in self.signatures:
            self.remove(article_id)
        self.by_hash.setdefault(content_hash, article_id)
        self.signatures[article_id] = signature
        self.hashes[article_id] = content_hash
        if original:
            self.originals[article_id] = original
        self.rank[article_id] = self._next_rank
        self._next_rank += 1
        self._lsh.insert(article_id, _minhash(signature, self._hasher))

    def remember(self, article_id: str, content_hash: str, search_text: str, duplicate_of: str | None) -> None:
        """Add an article whose `duplicate_of` is already known (rebuilding from the data)."""
        self._add(article_id, content_hash, self._hasher.signature(search_text), duplicate_of)

    def remove(self, article_id: str) -> None:
        """Forget an article (its page changed or is gone), so it cannot be its own original."""
        if article_id not in self.signatures:
            return
        self._lsh.remove(article_id)
        content_hash = self.hashes.pop(article_id)
        del self.signatures[article_id], self.rank[article_id]
        self.originals.pop(article_id, None)
        if self.by_hash.get(content_hash) == article_id:
            # The next article seen with this content becomes the one others point at.
            rest = [a for a, h in self.hashes.items() if h == content_hash]
            if rest:
                self.by_hash[content_hash] = min(rest, key=self.rank.__getitem__)
            else:
                del self.by_hash[content_hash]

    def _root(self, article_id: str) -> str:
        return self.originals.get(article_id, article_id)

    def original_of(self, article_id: str, content_hash: str, search_text: str) -> str | None:
        """The first-seen article this one duplicates, exactly or nearly; then remember this one."""
        signature = self._hasher.signature(search_text)
        self.remove(article_id)          # a changed page is compared with others, not with itself
        original = self.by_hash.get(content_hash)
        if original is None:
            similar = [a for a in self._lsh.query(_minhash(signature, self._hasher))
                       if a != article_id and float(np.mean(self.signatures[a] == signature)) >= self.threshold]
            candidates = [a for a in {self._root(a) for a in similar} if a in self.rank and a != article_id]
            if candidates:
                original = min(candidates, key=self.rank.__getitem__)
        else:
            original = self._root(original)
        self._add(article_id, content_hash, signature, original)
        return original

    def mark(self, table: pa.Table) -> tuple[pa.Table, int]:
        """`table` with `duplicate_of` set for each row (rows taken in order), and the number marked."""
        if not table.num_rows:
            return table, 0
        columns = {c: table.column(c).to_pylist() for c in ("article_id", "content_hash", "title_search", "body_search")}
        marks = [self.original_of(a, h, f"{t}\n{b}") for a, h, t, b in zip(*columns.values())]
        at = table.schema.get_field_index("duplicate_of")
        table = table.set_column(at, table.schema.field(at), pa.array(marks, type=pa.string()))
        return table, sum(m is not None for m in marks)


def dedup_batch(index: DedupIndex, articles: pa.Table) -> StageResult:
    """items: [articles with duplicate_of set, how many of them are duplicates]."""
    started = time.perf_counter()
    result = StageResult(items=list(index.mark(articles)))
    result.stats.seconds = time.perf_counter() - started
    return result


@task(name="dedup", cache_policy=NO_CACHE, task_run_name="dedup-batch-{batch_no}")
def dedup_task(index: DedupIndex, articles: pa.Table, batch_no: int = 0) -> StageResult:
    return dedup_batch(index, articles)
