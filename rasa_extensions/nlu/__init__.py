"""Custom Rasa 3 NLU graph components used by config.yml (see docs/NLU_PIPELINE.md)."""
