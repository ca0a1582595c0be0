"""In-app notifications: the bell, the list and the senders other apps call (M14)."""
