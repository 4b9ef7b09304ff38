"""The request and response models (pydantic v2), one module per resource."""
