"""Members' write requests as the API shows them: status, typed data to sign, outcome."""
