"""Models of the commissions app."""
