"""Custom actions (one module per topic). Bot text lives in domain.yml; actions only pass values."""
