"""Figures and reports (rules/figures.smk, rules/report.smk and the figure rules of
rules/sweep.smk and rules/geocode.smk).

Modules, from the bottom up:

* :mod:`~stclusters.report.style`: palette, fonts, figure size and DPI, the deterministic
  PNG + PDF save (:func:`~stclusters.report.style.figure`), titles, footers, chart axes;
* :mod:`~stclusters.report.regions`: map windows, continent -> window, GII regional groups
  (plain data; the Snakefile imports it);
* :mod:`~stclusters.report.data`: the rows a figure shows (top of a ranking, a regional
  ranking's noise);
* :mod:`~stclusters.report.basemap`: the Natural Earth countries under every map;
* :mod:`~stclusters.report.mapparts`: map axes, noise layer, circle sizes, map legends;
* :mod:`~stclusters.report.labels`: non-overlapping cluster labels on a map;
* :mod:`~stclusters.report.maps`: world, regional-window, regional-ranking and S&T
  intensity maps;
* :mod:`~stclusters.report.charts`: rank change, rank uncertainty, score composition,
  parameter-sweep heatmaps;
* :mod:`~stclusters.report.notebook`: helpers used inside notebooks/*.ipynb;
* :mod:`~stclusters.report.render`: executes a notebook and exports it to HTML.

A new figure is a function in ``maps.py`` (a map) or ``charts.py`` (anything else) that
draws inside ``with style.figure(size, out_png) as fig:``, plus a script in scripts/ and a
rule in rules/figures.smk. Import the modules themselves (``from stclusters.report.maps
import map_top_clusters``): this file imports nothing, so that the notebooks and the
Snakefile do not load matplotlib through it.
"""
