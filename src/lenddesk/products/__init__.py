"""Funders, loan products, explainable matching, pre-screening and all-in cost (M6)."""
