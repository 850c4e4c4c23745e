"""Scenarios: open postings frozen into the solver's input (MATCHING.md section 1)."""
