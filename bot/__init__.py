"""The gateway: the product's one front door (FastAPI, Python 3.11, port 8000).

It serves the website widget, the agent console and the admin pages, speaks Rasa's
REST and socket.io channel contracts to clients, forwards customer messages to
Rasa, and hosts the NLG endpoint that writes every bot response in the
customer's language.
"""
