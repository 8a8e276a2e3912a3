"""Custom actions. Bot text lives in domain.yml; actions only pass values."""
