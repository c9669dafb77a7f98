"""Browser journeys (Playwright + Chromium against a live gunicorn server)."""
