"""The what-if page (``sibkit whatif``)."""
