"""The Products API service."""
