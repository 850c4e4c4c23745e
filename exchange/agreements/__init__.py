"""Bilateral agreements between an origin and a destination (G2G, quotas, benefits)."""
