"""The People API service."""
