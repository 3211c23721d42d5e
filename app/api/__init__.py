"""The JSON API (``/api/v1``), FAB REST resources over the same services as the pages."""
