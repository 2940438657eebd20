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


def test_safe_leaves_out_invisible_formatting_stored_before_it_was_refused() -> None:
    assert safe("evil\u202eexe.txt\u200b") == "evilexe.txt"
    assert safe("@everyone") == "@\u200beveryone"  # its own zero-width space stays


def test_a_debates_source_is_shown_as_it_is_never_masked() -> None:
    from bot.models import Debate, Item
    from bot.render.debate import author_ranking_pages

    def shown(source: str) -> str:
        debate = Debate(1, "s", "T", "Q", "A", (Item(1, "x"), Item(2, "y")), source=source)
        return author_ranking_pages(debate)[0].description or ""

    assert "source: <https://example.com/post>" in shown("https://example.com/post")
    assert "](" not in shown("https://example.com/post")
    # Stored before sources were checked: not shown at all rather than shown masked.
    assert "evil" not in shown("https://ok.example/)[x](https://evil.example")
