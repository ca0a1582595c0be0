"""Order pages, by subject: ``boards`` (the kanban board and its columns), ``lists``
(the list and the overdue list), ``detail`` (the order page, its progress fragment,
moves and the customer page's slot) and ``records`` (opening and editing)."""
