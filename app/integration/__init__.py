"""Integrations with other platforms (12345 …): outbound delivery."""
