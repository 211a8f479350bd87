"""csi-survey: structural-equation engine for customer-satisfaction surveys.

Data flows one way: questionnaire -> ingest -> response set -> estimate -> indices -> report.
"""

__version__ = "0.1.0"
