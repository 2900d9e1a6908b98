"""The text-dump cleaner on a folder of dev-set inputs, without Prefect: extract → strip →
normalize, rows written as one Parquet file that ../shared/devset/score.py reads.

    python -m bench.devset INPUT_DIR OUT.parquet

For quick comparisons while changing the cleaner; the figures quoted for an issue come from
a real `khabar run` on the same inputs."""
from __future__ import annotations

import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tasks.extract import ExtractError, extract
from tasks.normalize import normalize_batch
from tasks.records import InputRef, RunContext, sha256_hex
from tasks.strip import strip_batch

BATCH = 500


def main(inputs: Path, out: Path) -> None:
    files = sorted(p for p in inputs.iterdir() if p.is_file())
    run = RunContext("devset", datetime.now(timezone.utc), "dev")
    rows, rejected, started = [], {}, time.perf_counter()
    for i in range(0, len(files), BATCH):
        pages = []
        for path in files[i:i + BATCH]:
            data = path.read_bytes()
            try:
                pages.append(extract(InputRef(str(path.resolve()), sha256_hex(data), len(data)), data))
            except ExtractError as e:
                rejected[e.reason] = rejected.get(e.reason, 0) + 1
        stripped = strip_batch(pages)
        normalized = normalize_batch(stripped.output, run)
        for r in stripped.rejections + normalized.rejections:
            rejected[r.reason] = rejected.get(r.reason, 0) + 1
        rows.extend(normalized.output)
    pq.write_table(pa.Table.from_pylist(rows), out)
    print(f"{len(files)} inputs, {len(rows)} articles, {time.perf_counter() - started:.1f} s; rejected {rejected}",
          file=sys.stderr)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
