"""The WHO monitoring indicators the exchange computes from its own records."""
