"""The ledger: append-only signed entries of workers and benefits moved by closed rounds."""
