"""Loading a 1,000,000-row long CSV (about 20 MB): our loader against bare pandas + pyarrow.

Run: ``.venv/bin/python -m benchmarks.bench_csv``. Aim: ratio under 1.5. "Ours" is what the
page and the command line do: ``read_csv`` (delimiter and decimal detection) and
``dataset_from_frame`` (validation into a Dataset).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from assistant_core.data import dataset_from_frame, read_csv
from benchmarks._timing import compare, print_table

ROWS = 1_000_000


def main() -> None:
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "long.csv"
        frame = pd.DataFrame(
            {
                "treatment": rng.choice(["Treatment A", "Treatment B"], ROWS),
                "recovery_days": rng.normal(45, 5, ROWS).round(6),
            }
        )
        frame.to_csv(path, index=False)
        size_mb = path.stat().st_size / 1e6

        def ours() -> object:
            loaded = read_csv(path)
            return dataset_from_frame(loaded, group_col="treatment", value_col="recovery_days")

        def baseline() -> object:
            return pd.read_csv(path, engine="pyarrow")

        ours_s, base_s = compare(ours, baseline, 5)
    print_table(
        ["file", "ours: read + Dataset (s)", "pandas.read_csv(pyarrow) (s)", "ratio"],
        [
            [
                f"{ROWS:,} rows, {size_mb:.1f} MB",
                f"{ours_s:.3f}",
                f"{base_s:.3f}",
                f"{ours_s / base_s:.2f}",
            ]
        ],
    )


if __name__ == "__main__":
    main()
