"""Code that runs inside the Rasa server process (Python 3.10 environment).

Kept apart from `actions/` (the action server) and `bot/` (the gateway, Python 3.11).
"""
