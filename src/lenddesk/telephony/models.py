"""Models of the telephony app."""
