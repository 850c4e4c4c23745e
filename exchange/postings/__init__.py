"""Postings: deposits (workers an origin offers) and withdrawals (positions a destination needs)."""
