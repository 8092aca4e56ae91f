"""Top cluster briefs: one page per leading cluster of a variant, as HTML and PDF.

A brief holds, for one cluster of a variant's top N, what WIPO's "Top Clusters Briefs"
show: the footprint map, the key numbers, the rank under every variant with its 90 %
sensitivity interval, the top applicants, organisations and VC companies, output per year
and source, and the places it covers.

* :mod:`stclusters.briefs.data` reads a variant's tables and assembles every number
  (also used by :mod:`stclusters.explorer`);
* :mod:`stclusters.briefs.basemap` reads the shipped Natural Earth countries;
* :mod:`stclusters.briefs.page` draws the page (one matplotlib figure reused for every
  cluster);
* :mod:`stclusters.briefs.html` writes the self-contained HTML pages and the index;
* :func:`stclusters.briefs.build.write_briefs` ties them together (one call per variant).
"""
