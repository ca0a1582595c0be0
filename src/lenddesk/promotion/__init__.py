"""Application forms, promotion materials, tracked links and share chains (M4)."""
