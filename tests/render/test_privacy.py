"""The answer to an erasure says what was erased."""

from bot.render.privacy import describe_erasure
from bot.storage.personal_data import Erasure


def test_the_answer_says_what_was_erased() -> None:
    erasure = Erasure(counted=(), revisions=3, debates=2, creator_links=1)
    assert describe_erasure(erasure, where="in this server") == (
        "Erased your ballots on 2 debates (3 saved versions, with their reasons) and your name "
        "on 1 debate or schedule in this server."
    )
    nothing = Erasure(counted=(), revisions=0, debates=0, creator_links=0)
    assert describe_erasure(nothing, where="anywhere", whom="them").startswith(
        "There was nothing about them to erase anywhere"
    )
