"""SciPy's drift statistics on the samples DriftScipyTest wrote, for the Java side to agree with.

Usage: drift_scipy.py SAMPLES_DIR. SAMPLES_DIR holds, per case, <case>.reference.txt and
<case>.current.txt (one value per line; 'nan' or an empty line for a missing value) and
cases.json ({case: {"kind": "numeric"|"categorical", "edges": [...], "ks_d": D}}), where edges are
lakeml's PSI bin edges and ks_d lakeml's sketched D (its p-value is checked for that D). Prints one
JSON object per case on standard output.
"""
import json
import math
import sys
from pathlib import Path

import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon


def numbers(path):
    values = []
    for line in path.read_text().splitlines():
        line = line.strip()
        values.append(float("nan") if line in ("", "nan") else float(line))
    return np.array(values, dtype=float)


def words(path):
    return [None if line == "" else line for line in path.read_text().split("\n")[:-1]]


def numeric(ref_all, cur_all, case):
    ref = ref_all[~np.isnan(ref_all)]
    cur = cur_all[~np.isnan(cur_all)]
    ks = stats.ks_2samp(ref, cur, method="asymp")
    m, n = sorted([float(len(ref)), float(len(cur))], reverse=True)
    en = m * n / (m + n)
    edges = np.array(case["edges"], dtype=float)
    # Bin j holds edge[j-1] < v <= edge[j]: the number of edges below v.
    ref_bins = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=len(edges) + 1)
    cur_bins = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=len(edges) + 1)
    p = np.where(ref_bins == 0, 1e-4, ref_bins / len(ref))
    q = np.where(cur_bins == 0, 1e-4, cur_bins / len(cur))
    # The reference's deciles, to check lakeml's sketched edges by rank.
    edge_ranks = [float(np.mean(ref <= e)) for e in edges]
    return {
        "ks_d": float(ks.statistic),
        "ks_p_value_scipy_d": float(ks.pvalue),
        "ks_p_value_lakeml_d": float(stats.kstwo.sf(case["ks_d"], np.round(en))),
        "wasserstein": float(stats.wasserstein_distance(ref, cur)),
        "psi": float(np.sum((q - p) * np.log(q / p))),
        "null_share": float(np.mean(np.isnan(cur_all))),
        "out_of_range_share": float(np.mean((cur < ref.min()) | (cur > ref.max()))),
        "edge_ranks": edge_ranks,
        "reference_std": float(np.std(ref)),
    }


def categorical(ref_all, cur_all):
    ref = [v for v in ref_all if v is not None]
    cur = [v for v in cur_all if v is not None]
    categories = sorted(set(ref) | set(cur))
    ref_counts = np.array([ref.count(c) for c in categories], dtype=float)
    cur_counts = np.array([cur.count(c) for c in categories], dtype=float)
    known = ref_counts > 0
    observed = cur_counts[known]
    expected = ref_counts[known] / ref_counts.sum() * observed.sum()
    chi = stats.chisquare(observed, expected)
    return {
        "chi_squared": float(chi.statistic),
        "chi_squared_p_value": float(chi.pvalue),
        "js_distance": float(jensenshannon(ref_counts, cur_counts, base=2)),
        "new_category_share": float(cur_counts[~known].sum() / len(cur)),
        "null_share": float(sum(v is None for v in cur_all) / len(cur_all)),
    }


def main():
    folder = Path(sys.argv[1])
    cases = json.loads((folder / "cases.json").read_text())
    out = {}
    for name, case in cases.items():
        ref_path = folder / f"{name}.reference.txt"
        cur_path = folder / f"{name}.current.txt"
        if case["kind"] == "numeric":
            out[name] = numeric(numbers(ref_path), numbers(cur_path), case)
        else:
            out[name] = categorical(words(ref_path), words(cur_path))
    json.dump(out, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
