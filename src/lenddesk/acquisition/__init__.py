"""Channels, ad accounts, traffic-platform intake and consent records (M4)."""
