"""Admin workbench (issue 7): edit training data, train, evaluate and activate models.

The service layer (data.py, models.py, learn.py, audit.py) is shared by the HTTP API
(api.py, mounted under /api/admin) and the command line (`python -m bot.admin ...`).
"""
