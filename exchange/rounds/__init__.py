"""Matching rounds: draft, run (a durable background job), proposed, closed."""
