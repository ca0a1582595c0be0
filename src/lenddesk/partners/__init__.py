"""Channel partners: three-level upline tree, invitations and the partner portal (M4)."""
