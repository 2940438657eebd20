from bot.render.text import clip, safe


def test_safe_escapes_markdown_even_around_links() -> None:
    text = "I like [this](http://x) and **that** (really) __u__ ~~s~~ `c` ||spoiler||\n> quote\n# head\n - item"
    escaped = safe(text)
    for raw in ("**", "__", "~~", "`c`", "||", " [this", "\n>", "\n#", "\n -"):
        assert raw not in escaped, raw
    assert "\\[this](" in escaped
    # Removing the escapes gives the text back: nothing is lost, only neutralised.
    assert escaped.replace("\\", "") == text


def test_safe_defuses_mentions() -> None:
    escaped = safe("@everyone <@123> @here")
    assert "@everyone" not in escaped and "@here" not in escaped and "<@1" not in escaped


def test_clip_marks_the_cut() -> None:
    assert clip("abcdef", 4) == "abc…" and clip("abc", 4) == "abc"
