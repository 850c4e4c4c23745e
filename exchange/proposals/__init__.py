"""Proposals: one per match of a round, accepted or declined by both countries."""
