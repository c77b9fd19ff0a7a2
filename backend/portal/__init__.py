"""The web portal: a static single-page app served by the API itself, on the public API only."""
