"""Placements: what happens after a booking (departures, returns, benefit paid)."""
