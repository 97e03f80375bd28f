"""Back-test: do real relocations 2005-2020 land in the model's top lists?

Run: python benchmarks/backtest.py [--cases FILE] [--k 10] [--k-site 3]. Reads `benchmarks/backtest_cases.csv`
(one real relocation per row, each with its source: see backtest_cases.md) and prints, per industry, hit@k = the
share of the industry's distinct destination prefectures that are in its top-k shortlist, and for the site
direction hit@k-site = the share of (destination, industry) cases whose industry is among the site's top k-site
industries. Two models are compared in the same run on the same data:

- **before**: the previous industry weights (`backtest_weights_before.yaml`), sizes not log-transformed, and the
  site direction ranked by raw score;
- **after**: the current catalogue (`geodata/industries.yaml`), log-transformed sizes, and the site direction ranked
  by comparative position (the site's percentile among the industry's eligible sites).

The cases are for understanding the model, not for fitting weights: famous cases are large firms, and the
destinations are where firms went, not where they would have done best.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
import yaml

from transfer.industries import load_industries
from transfer.pipeline import load_base, run
from transfer.scenarios import Scenario
from transfer.scoring import ScoreResult, score

HERE = Path(__file__).resolve().parent


def _before(base, res) -> ScoreResult:  # type: ignore[no-untyped-def]
    old = yaml.safe_load((HERE / "backtest_weights_before.yaml").read_text(encoding="utf-8"))["weights"]
    import dataclasses

    opts = dataclasses.replace(res.scores.options, size_transform="none")
    # the old weights replace each profile's weights outright (criteria they do not name get 0)
    crit = res.scores.criteria
    weights = {ind: {c: float(w.get(c, 0.0)) for c in crit} for ind, w in old.items()}
    return score(res.table, base.catalogue, weights=weights, options=opts)


def _hits(result: ScoreResult, cases: pd.DataFrame, *, k: int, k_site: int, site_by: str) -> pd.DataFrame:
    rows = []
    for ind, group in cases.groupby("industry_id"):
        if ind not in result.industries:
            continue
        top = set(result.shortlist(ind, top=k)["adcode"].astype(int))
        dest = set(group["destination_adcode"].astype(int))
        site_hits = 0
        for site in group["destination_adcode"].astype(int):
            prof = result.site_profile(site, by=site_by)
            site_hits += ind in list(prof["industry"].head(k_site))
        rows.append(
            {
                "industry": ind,
                "cases": len(group),
                "destinations": len(dest),
                f"hit@{k}": len(dest & top) / len(dest),
                f"site_hit@{k_site}": site_hits / len(group),
            }
        )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=Path, default=HERE / "backtest_cases.csv")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--k-site", type=int, default=3)
    args = p.parse_args(argv)
    cases = pd.read_csv(args.cases, dtype={"destination_adcode": "Int64"})
    base = load_base()
    res = run(base, Scenario(name="default"), match=False)
    known = set(res.scores.site_ids)
    cases = cases[cases["destination_adcode"].isin(known) & cases["industry_id"].isin(load_industries().ids)]
    before = _hits(_before(base, res), cases, k=args.k, k_site=args.k_site, site_by="score")
    after = _hits(res.scores, cases, k=args.k, k_site=args.k_site, site_by="position")
    table = before.merge(after, on=["industry", "cases", "destinations"], suffixes=(" before", " after"))
    total = {
        "industry": "ALL (case-weighted)",
        "cases": int(table["cases"].sum()),
        "destinations": int(table["destinations"].sum()),
    }
    for col in table.columns[3:]:
        total[col] = float((table[col] * table["cases"]).sum() / table["cases"].sum())
    table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.float_format", "{:.2f}".format):
        print(f"back-test: {len(cases)} cases, {cases['industry_id'].nunique()} industries ({args.cases.name})")
        print(table.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
