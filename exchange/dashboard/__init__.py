"""Aggregates for dashboards: fill per country and cadre, round objectives, flows."""
