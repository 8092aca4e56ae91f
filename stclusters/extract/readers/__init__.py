"""Readers: one module per input format, converting what users hold to the contract.

A reader is a function ``read(path, source) -> (frame, bad)``:

* ``path``: the file (or folder) a config ``inputs`` entry names.
* ``source``: ``pct``, ``pub`` or ``vc``, to stamp on every row: the entry's ``source``,
  else the format's default source from :data:`stclusters.extract.formats.FORMATS`
  (``None`` only for a format without a default, such as ``generic``, whose rows carry
  their own).
* ``frame``: one row per contributor address with the contract's columns
  (:data:`~stclusters.extract.contract.CONTRACT_COLUMNS`: strings, blank = missing) that
  :func:`stclusters.extract.contract.validate` accepts, plus
  :data:`~stclusters.extract.contract.ROW_COLUMN`: the 1-based data row (line) of the
  input file the row comes from. Several rows may share one input row (an OpenAlex work
  gives one row per author-institution).
* ``bad``: the input rows that could not be converted at all
  (:data:`~stclusters.extract.contract.BAD_COLUMNS`: ``input_row``, ``reason``,
  ``detail``, ``raw``), e.g. a JSON line that does not parse or a TSV line with the wrong
  number of fields. The extract stage adds them to the rejects table, so
  ``rows_in == rows_used + rows_rejected`` still holds.

A file that cannot be used at all (missing, empty, not UTF-8, missing a required column)
raises :class:`stclusters.extract.contract.ExtractError` naming the file and the problem.

Readers import the contract and :mod:`._common` (the helpers they share), never each
other nor :mod:`stclusters.extract.formats`, which lists them. This package imports none
of its modules: adding a format is a new module here plus one line in that table.
"""
