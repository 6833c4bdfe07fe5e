"""Sync with a live n9e: desired objects from the source, a pure plan/diff engine, one handler per kind."""
