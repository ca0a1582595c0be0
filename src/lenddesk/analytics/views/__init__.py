"""Pages of the analytics app."""
