"""Idempotency keys for posting creation: replay the first response, refuse a different body."""
