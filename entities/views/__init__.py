"""Pages of the business and zone registers."""
