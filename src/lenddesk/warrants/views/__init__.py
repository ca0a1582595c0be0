"""Pages of the warrant centre: tasks (``tasks``) and the custody register
(``custody``)."""
