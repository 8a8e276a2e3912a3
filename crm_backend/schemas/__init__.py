"""Request and response schemas. Requests forbid unknown fields and limit every text;
responses are separate *Public models built explicitly, so internals (password hashes,
token secrets, internal notes for customers) never leak."""
