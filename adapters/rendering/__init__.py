"""A session's timeline as text a person reads: one walk over its entries
(``transcript``), written out in one of two markups (``markup``): the terminal's
plain text (``caselog replay``) or Markdown (``caselog export --format markdown``)."""
