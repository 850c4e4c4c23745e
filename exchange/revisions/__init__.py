"""Change counters the database keeps: a number that moves whenever a set of tables changes."""
