"""Taking a person out of stored text and JSON: plain functions, no database."""

from core.redaction import ERASED, Needles, blank_texts, scrub

NEEDLES = Needles.of(
    emails=["Ann.Lee@Acme.example"],
    names=["Ann Lee", "Bo"],
    texts=["The export   breaks every Monday morning, please fix it before renewal"],
)


def test_a_string_holding_a_detail_is_replaced_whole_whatever_the_case_and_spacing():
    assert scrub("Call ANN LEE back", NEEDLES) == ERASED
    assert scrub("to: ann.lee@acme.example", NEEDLES) == ERASED
    # Quoted truncated, as timelines and 360° views quote comments.
    assert scrub('Comment: "The export breaks every Monday morning, plea…"', NEEDLES) == ERASED


def test_numbers_dates_keys_and_list_lengths_stay():
    snapshot = {"score": 3, "ok": True, "at": "2026-01-02T10:00:00+00:00", "who": ["Ann Lee", "x"]}

    assert scrub(snapshot, NEEDLES) == {
        "score": 3,
        "ok": True,
        "at": "2026-01-02T10:00:00+00:00",
        "who": [ERASED, "x"],
    }


def test_a_short_name_matches_only_on_its_own_or_quoted_not_inside_words():
    assert scrub("Bo", NEEDLES) == ERASED
    assert scrub('asked for "bo"', NEEDLES) == ERASED
    assert scrub("Book a call", NEEDLES) == "Book a call"


def test_blank_texts_blanks_every_free_text_but_keeps_dates_and_counts():
    result = {"attempts": [{"notes": "angry", "called_at": "2026-01-02T10:00:00", "n": 2}]}

    assert blank_texts(result) == {
        "attempts": [{"notes": ERASED, "called_at": "2026-01-02T10:00:00", "n": 2}]
    }


def test_no_needles_find_nothing():
    assert not Needles.of(emails=[" "], names=[""])
    assert scrub("anything", Needles.of()) == "anything"
