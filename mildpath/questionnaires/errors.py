"""What the questionnaire services refuse, for the views to explain."""

from __future__ import annotations


class QuestionnaireClosed(Exception):
    """The time point's answers are in, or its window has closed, or it was replaced."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


class AnswersIncomplete(Exception):
    """Some questions still wait for an answer: ``missing`` maps each instrument's code
    to its unanswered item codes."""

    def __init__(self, missing: dict[str, list[str]]) -> None:
        super().__init__(", ".join(missing))
        self.missing = missing


class AlreadyAnswered(Exception):
    """This questionnaire was completed at this time point already."""
