# Top cluster briefs (stclusters.briefs): one job per variant writes a page per cluster of
# its top briefs.top_n, as HTML and PDF, and an index. The explorer (stclusters.explorer):
# one job writes reports/explorer.html, a single offline file with every variant.
BRIEFS = config["briefs"]
EXPLORER = config["explorer"]
_SENS_CFG = config["sensitivity"]
# variants whose sensitivity stage runs: their briefs and explorer rows carry 90 % intervals
BRIEF_SENS = [v for v in VARIANTS if _SENS_CFG["enabled"] and v in _SENS_CFG["variants"]]
BRIEF_SENS_TOP_N = _SENS_CFG.get("top_n") or config["top_n"]



# every variant's ranking, membership, locations and (when run) rank intervals: the
# briefs show a cluster's rank under every variant, the explorer shows every variant
BRIEF_TABLES = {}
for _v in VARIANTS:
    BRIEF_TABLES[f"ranking_{_v}"] = f"results/ranking/{_v}/clusters.parquet"
    BRIEF_TABLES[f"membership_{_v}"] = f"results/cluster/{_v}/membership.parquet"
    BRIEF_TABLES[f"locations_{_v}"] = f"{locations_dir(_v)}/locations.parquet"
    if _v in BRIEF_SENS:
        BRIEF_TABLES[f"uncertainty_{_v}"] = f"results/sensitivity/{_v}/rank_uncertainty.csv"


rule briefs:
    """One brief per cluster of a variant's top briefs.top_n (HTML and PDF) and an index."""
    input:
        unpack(variant_tables("organizations", "location_places")),
        **BRIEF_TABLES,
        code=package_code("briefs"),
    output:
        index_html="results/briefs/{variant}/index.html",
        index_csv="results/briefs/{variant}/index.csv",
        pages=directory("results/briefs/{variant}/clusters"),
    params:
        variants=VARIANT,
        sensitivity=BRIEF_SENS,
        n_briefs=BRIEFS["top_n"],
        top_n=config["top_n"],
        sens_top_n=BRIEF_SENS_TOP_N,
    log:
        "logs/briefs/{variant}.log",
    benchmark:
        "results/benchmarks/briefs/{variant}.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_for("briefs"),
        runtime=runtime_for("briefs"),
    conda:
        ENV
    script:
        "../scripts/briefs.py"


rule explorer:
    """reports/explorer.html: map, variant switch, sortable table, two-variant diff."""
    input:
        **BRIEF_TABLES,
        briefs=[f"results/briefs/{v}/index.csv" for v in VARIANTS] if BRIEFS["enabled"] else [],
        code=package_code("explorer"),
        assets=[str(Path(workflow.basedir) / "stclusters" / "resources" / "explorer" / f)
                for f in ("explorer.html", "explorer.css", "explorer.js")],
    output:
        "reports/explorer.html",
    params:
        variants=VARIANT,
        sensitivity=BRIEF_SENS,
        briefs={v: f"results/briefs/{v}/index.csv" for v in VARIANTS} if BRIEFS["enabled"] else {},
        top_n=config["top_n"],
        sens_top_n=BRIEF_SENS_TOP_N,
        max_rank=EXPLORER["max_rank"],
        compare=[list(p) for p in COMPARE],
    log:
        "logs/explorer.log",
    benchmark:
        "results/benchmarks/explorer.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_for("explorer"),
        runtime=runtime_for("explorer"),
    conda:
        ENV
    script:
        "../scripts/explorer.py"
