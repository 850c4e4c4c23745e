"""Users, roles and bearer tokens (stored only as hashes)."""
