"""Pages of finance (the module 财务管理)."""
