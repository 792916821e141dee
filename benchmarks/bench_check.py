"""The full local `check` battery against pingouin's single t-test, on the same data.

Run: ``.venv/bin/python -m benchmarks.bench_check``. Aim: the battery no slower than
``pingouin.ttest`` at every size (ratio <= 1).
"""

from __future__ import annotations

import warnings

import numpy as np

from assistant_core.data import make_dataset
from assistant_core.stats import check
from benchmarks._timing import compare, print_table


def main() -> None:
    import pingouin

    warnings.simplefilter("ignore")
    rng = np.random.default_rng(20261126)
    rows = []
    for size, repeats in ((10, 30), (10_000, 10), (1_000_000, 3)):
        a = rng.normal(40, 4, size)
        b = rng.normal(44, 5, size)
        dataset = make_dataset({"A": a.tolist(), "B": b.tolist()})

        def ours(dataset=dataset) -> object:
            return check(dataset).to_dict()

        def baseline(a=a, b=b) -> object:
            return pingouin.ttest(a, b)

        ours_s, base_s = compare(ours, baseline, repeats)
        rows.append(
            [
                f"2 x {size:,}",
                f"{ours_s * 1000:.2f}",
                f"{base_s * 1000:.2f}",
                f"{ours_s / base_s:.2f}",
            ]
        )
    print_table(["data", "check battery (ms)", "pingouin.ttest (ms)", "ratio"], rows)


if __name__ == "__main__":
    main()
