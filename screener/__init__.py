"""screener: a small-cap stock screener and scoring engine.

Data flows one way: universe -> providers -> store -> metrics -> rules -> result -> export.
``screener.cli`` is the only module that talks to a person.
"""

__version__ = "0.1.0"
