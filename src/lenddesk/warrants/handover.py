"""Departure step (registered with accounts.handover): a leaver's open warrant tasks
go to the colleague (or the team, in turn) the work is handed to, when that person
may handle warrant tasks; otherwise they wait unassigned on the task list.

Originals a leaver holds on a check-out stay on the register as they are (it is
append-only): the overdue flag and its daily notice bring them back.
"""

from lenddesk.accounts.handover import register_handover_step
from lenddesk.warrants.services.tasks import warrant_tasks_hand_over

register_handover_step("warrants.tasks", warrant_tasks_hand_over)
