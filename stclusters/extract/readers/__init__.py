"""Readers: one module per input format, converting what users hold to the contract.

A reader is a function ``read(path, source, encoding=None) -> (frame, bad)``:

* ``path``: the file (or folder) a config ``inputs`` entry names.
* ``source``: ``pct``, ``pub`` or ``vc``, to stamp on every row: the entry's ``source``,
  else the format's default source from :data:`stclusters.extract.formats.FORMATS`
  (``None`` only for a format without a default, such as ``generic``, whose rows carry
  their own).
* ``encoding``: the entry's ``encoding``, None to detect it. A reader whose format is
  marked ``parallel`` also takes ``workers`` (processes parsing at once).
* ``frame``: one row per contributor address with the contract's columns
  (:data:`~stclusters.extract.contract.CONTRACT_COLUMNS`: strings, blank = missing) that
  :func:`stclusters.extract.contract.validate` accepts, plus
  :data:`~stclusters.extract.contract.ROW_COLUMN`: the 1-based data row of the input
  file the row comes from (for delimited text the physical line it starts on, the line
  after the header being 1). Several rows may share one input row (an OpenAlex work gives
  one row per author-institution). ``frame.attrs[LINES_ATTR]`` says how the input's
  physical lines were used (:class:`._delimited.LineCounts`), for the line accounting.
* ``bad``: the input rows that could not be converted at all
  (:data:`~stclusters.extract.contract.BAD_COLUMNS`: ``input_row``, ``reason``,
  ``detail``, ``raw``): ``bad_line``, ``bad_quote``, ``bad_encoding`` from the delimited
  parser, ``bad_json``, ``no_authorships`` from the OpenAlex reader. The extract stage
  adds them to the rejects table, so ``rows_in == rows_used + rows_rejected`` still holds.

Each reader also comes chunked (``iter_<format>``, the format's ``stream`` in
:data:`stclusters.extract.formats.FORMATS`):
``stream(path, source, encoding=None, chunk_rows=..., lines=dict) -> iterator of (frame,
bad)``: chunks of ``chunk_rows`` rows in input order (more where one input row's rows
would be split: they stay in one chunk), each chunk with the bad rows of its stretch of
the input (:func:`._common.rechunk`), and at least one chunk (maybe empty) so the columns
are seen; ``lines`` gets the ``attrs[LINES_ATTR]`` dict once the iterator is exhausted.
The same errors are raised, the one for a file without data rows at its end. The whole
reader is the chunks joined (:func:`._common.concat_chunks`), one code path: memory then
grows with the file, chunked only with the chunk (and the lookups a format needs:
PatentsView's locations and patents, Crunchbase's deal counters per
``company@date@type``).

A file that cannot be used at all (missing, empty, missing a required column, two
columns clashing but for case) raises :class:`stclusters.extract.contract.ExtractError`
naming the file and the problem. Delimited text (CSV, TSV) is read by
:mod:`._delimited`, which accounts for every physical line.

Readers import the contract and the private helpers (:mod:`._common`, :mod:`._delimited`),
never each other nor :mod:`stclusters.extract.formats`, which lists them. This package
imports none of its modules: adding a format is a new module here plus one line in that
table.
"""
