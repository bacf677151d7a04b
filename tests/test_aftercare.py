"""The aftercare book: phone numbers, limits, ownership, the plan, and the text helpers."""

from __future__ import annotations

import pytest

from bot.aftercare import (
    CASE_MANAGER,
    FRIEND,
    MAX_CONTACTS,
    MAX_STEPS,
    REST,
    SPONSOR,
    SUGGESTIONS,
    WALK,
    AftercareBook,
    AftercareError,
    AftercareProblem,
    PhoneError,
    PhoneProblem,
    card_name,
    format_phone,
    parse_phone,
    parse_shared_phone,
)
from bot.aftercare_text import contact_lines, plan_lines
from bot.i18n import translator
from bot.storage import Database

ANA, BEN = 1001, 1002


@pytest.fixture
def book(database: Database) -> AftercareBook:
    return AftercareBook(database, "US")


@pytest.mark.parametrize(
    ("typed", "region", "expected"),
    [
        ("202-555-0123", "US", "+12025550123"),
        ("(514) 555-0199", "CA", "+15145550199"),
        ("+1 202 555 0123", "FR", "+12025550123"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("  1-800-FLOWERS ", "US", "+18003569377"),
    ],
)
def test_numbers_are_read_in_the_default_region_and_kept_in_e164(
    typed: str, region: str, expected: str
) -> None:
    assert parse_phone(typed, region) == expected


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", PhoneProblem.EMPTY),
        ("call me maybe", PhoneProblem.NOT_A_NUMBER),
        ("12", PhoneProblem.TOO_SHORT),
        ("202555012345678", PhoneProblem.TOO_LONG),
        ("555-0123", PhoneProblem.NEEDS_AREA_CODE),
        ("+999 1234567", PhoneProblem.UNKNOWN_COUNTRY_CODE),
        ("000-000-0000", PhoneProblem.INVALID_FOR_REGION),
        ("+1 555 555 5555", PhoneProblem.INVALID),
        ("202-555-0123 ext. 55", PhoneProblem.HAS_EXTENSION),
        ("9" * 41, PhoneProblem.TOO_LONG),
    ],
)
def test_refused_numbers_say_why(typed: str, problem: PhoneProblem) -> None:
    with pytest.raises(PhoneError) as caught:
        parse_phone(typed, "US")
    assert caught.value.problem == problem
    assert caught.value.region == "US"


def test_shared_numbers_may_lack_their_plus() -> None:
    # Telegram sends a person's own number as international digits without the +.
    assert parse_shared_phone("33612345678", "US", own=True) == "+33612345678"
    assert parse_shared_phone("12025550123", "FR", own=True) == "+12025550123"
    # A card from the address book holds what was typed there: local first, then with a +.
    assert parse_shared_phone("2025550123", "US", own=False) == "+12025550123"
    assert parse_shared_phone("33612345678", "US", own=False) == "+33612345678"
    with pytest.raises(PhoneError) as caught:
        parse_shared_phone("12", "US", own=False)
    assert caught.value.problem == PhoneProblem.TOO_SHORT


def test_numbers_are_shown_in_international_form() -> None:
    assert format_phone("+12025550123") == "+1 202-555-0123"
    assert format_phone("+33612345678") == "+33 6 12 34 56 78"


def test_card_names_are_joined_and_cut_never_refused() -> None:
    assert card_name("Sam", "Lee") == "Sam Lee"
    assert card_name("  Sam\n", None) == "Sam"
    assert len(card_name("x" * 80, "y" * 80)) == 100


def test_contacts_are_added_listed_and_kept_per_person(book: AftercareBook) -> None:
    sam = book.add_contact(ANA, name="  Sam   Lee ", relationship=FRIEND, phone="202-555-0123")
    assert (sam.name, sam.phone, sam.share_with_coordinators) == (
        "Sam Lee",
        "+12025550123",
        False,
    )
    book.add_contact(BEN, name="Jo", relationship=SPONSOR, phone="+33612345678")
    assert [c.name for c in book.contacts(ANA)] == ["Sam Lee"]
    assert book.contact(BEN, sam.id) is None  # type: ignore[arg-type]
    again = book.add_contact(ANA, name="Sam Lee", relationship=FRIEND, phone="+1 202 555 0123")
    assert again.id == sam.id, "a double tap on Save keeps one contact"


def test_contact_rules(book: AftercareBook) -> None:
    def problem(**fields: str) -> AftercareProblem:
        values = {"name": "Sam", "relationship": FRIEND, "phone": "202-555-0123"} | fields
        with pytest.raises(AftercareError) as caught:
            book.add_contact(ANA, **values)
        return caught.value.problem

    assert problem(name="   ") == AftercareProblem.NAME_EMPTY
    assert problem(name="x" * 101) == AftercareProblem.NAME_TOO_LONG
    assert problem(relationship="boss") == AftercareProblem.UNKNOWN_RELATIONSHIP
    with pytest.raises(PhoneError):
        book.add_contact(ANA, name="Sam", relationship=FRIEND, phone="12")
    assert book.contacts(ANA) == []


def test_at_most_ten_contacts(book: AftercareBook) -> None:
    for index in range(MAX_CONTACTS):
        book.add_contact(ANA, name=f"P{index}", relationship=FRIEND, phone=f"20255501{index:02}")
    with pytest.raises(AftercareError) as caught:
        book.add_contact(ANA, name="One more", relationship=FRIEND, phone="2025550199")
    assert caught.value.problem == AftercareProblem.TOO_MANY_CONTACTS
    assert len(book.contacts(ANA)) == MAX_CONTACTS


def test_update_sharing_and_removal_only_touch_the_owners_contacts(book: AftercareBook) -> None:
    sam = book.add_contact(ANA, name="Sam", relationship=FRIEND, phone="2025550123")
    assert sam.id is not None
    assert book.update_contact(BEN, sam.id, name="Mallory") is None
    assert book.set_sharing(BEN, sam.id, True) is None
    assert book.remove_contact(BEN, sam.id) is False

    changed = book.update_contact(
        ANA, sam.id, name="Sam L.", relationship=CASE_MANAGER, phone="+44 20 7946 0958"
    )
    assert changed is not None
    assert (changed.name, changed.relationship, changed.phone) == (
        "Sam L.",
        CASE_MANAGER,
        "+442079460958",
    )
    with pytest.raises(PhoneError):
        book.update_contact(ANA, sam.id, phone="not a number")
    assert book.shared_contacts(ANA) == []
    book.set_sharing(ANA, sam.id, True)
    book.set_sharing(ANA, sam.id, True)
    assert [c.id for c in book.shared_contacts(ANA)] == [sam.id]
    assert book.remove_contact(ANA, sam.id) is True
    assert book.remove_contact(ANA, sam.id) is False
    assert book.contacts(ANA) == []


def test_the_plan_keeps_suggestions_and_own_words_in_order(book: AftercareBook) -> None:
    book.set_suggestion(ANA, WALK, chosen=True)
    book.set_suggestion(ANA, WALK, chosen=True)  # a double tap
    book.add_step(ANA, "  Make tea\nand watch a film ")
    book.set_suggestion(ANA, REST, chosen=True)
    steps = book.plan(ANA)
    assert [(s.suggestion, s.text) for s in steps] == [
        (WALK, None),
        (None, "Make tea and watch a film"),
        (REST, None),
    ]
    assert book.chosen_suggestions(ANA) == {WALK, REST}
    book.set_suggestion(ANA, WALK, chosen=False)
    own = next(s for s in book.plan(ANA) if s.text)
    assert own.id is not None
    assert book.remove_step(BEN, own.id) is False
    assert book.remove_step(ANA, own.id) is True
    assert [s.suggestion for s in book.plan(ANA)] == [REST]
    assert book.plan(BEN) == []


def test_plan_rules(book: AftercareBook) -> None:
    with pytest.raises(AftercareError) as caught:
        book.add_step(ANA, " ")
    assert caught.value.problem == AftercareProblem.STEP_EMPTY
    with pytest.raises(AftercareError) as caught:
        book.add_step(ANA, "x" * 201)
    assert caught.value.problem == AftercareProblem.STEP_TOO_LONG
    with pytest.raises(AftercareError) as caught:
        book.set_suggestion(ANA, "skydive", chosen=True)
    assert caught.value.problem == AftercareProblem.UNKNOWN_SUGGESTION
    for key in SUGGESTIONS:
        book.set_suggestion(ANA, key, chosen=True)
    book.add_step(ANA, "one")
    book.add_step(ANA, "two")
    assert len(book.plan(ANA)) == MAX_STEPS
    with pytest.raises(AftercareError) as caught:
        book.add_step(ANA, "three")
    assert caught.value.problem == AftercareProblem.TOO_MANY_STEPS


def test_ready_means_someone_to_call_and_something_to_do(book: AftercareBook) -> None:
    assert not book.is_ready(ANA)
    book.add_contact(ANA, name="Sam", relationship=FRIEND, phone="2025550123")
    assert not book.is_ready(ANA)
    book.set_suggestion(ANA, REST, chosen=True)
    assert book.is_ready(ANA)


def test_text_helpers_escape_names_and_translate(book: AftercareBook) -> None:
    book.add_contact(ANA, name="<b>Sam</b> & co", relationship=SPONSOR, phone="2025550123")
    book.add_step(ANA, "<i>tea</i> & rest")
    book.set_suggestion(ANA, WALK, chosen=True)
    lines = contact_lines(book.contacts(ANA), translator("en"))
    assert lines == "• <b>&lt;b&gt;Sam&lt;/b&gt; &amp; co</b> (Sponsor): +1 202-555-0123"
    assert plan_lines(book.plan(ANA), translator("en")) == (
        "• &lt;i&gt;tea&lt;/i&gt; &amp; rest\n• Go for a walk"
    )
    assert contact_lines([], translator("en")) == "" == plan_lines([], translator("en"))
