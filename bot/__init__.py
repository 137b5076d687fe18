"""The Rasa bot's own code: everything that runs inside the Rasa engine (Python 3.10, .venv-engine):
NLU components (intent classifier, sentence encoder, anger scorer), the escalation policy, the
hub's channel into Rasa and Rasa's launcher. It imports nothing from the application."""
