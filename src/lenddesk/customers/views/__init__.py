"""The customers pages, by page group: ``lists`` (the list, the public pool, to-dos,
the funnel, bulk actions), ``records`` (new, edit, claim/release/… actions),
``detail`` (one customer's page and what is done on it), ``exports`` and ``rules``
(the pool-rules settings page). ``urls`` imports each from its module."""
