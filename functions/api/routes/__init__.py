"""The API's routes, one module per concern, each a Powertools ``Router``."""
