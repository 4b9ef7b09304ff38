"""The Statuses API service."""
