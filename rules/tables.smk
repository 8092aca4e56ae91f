rule tables:
    """The top clusters of a variant as CSV and Markdown (GII appendix style)."""
    input:
        "results/ranking/{variant}/clusters.parquet",
    output:
        csv="results/tables/{variant}/top{top_n}.csv",
        md="results/tables/{variant}/top{top_n}.md",
    wildcard_constraints:
        top_n=r"\d+",
    log:
        "logs/tables/{variant}_{top_n}.log",
    threads: 1
    conda:
        ENV
    script:
        "../scripts/tables.py"
