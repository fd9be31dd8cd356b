"""Staff dial Japanese numbers as they are written in Japan."""

from anpi.dashboard.templatetags.anpi_display import phone_display


def test_a_japanese_mobile_number_is_shown_in_national_form():
    assert phone_display("+819012345678") == "090-1234-5678"


def test_a_tokyo_landline_is_shown_with_its_area_code():
    assert phone_display("+81312345678") == "03-1234-5678"


def test_a_foreign_number_keeps_its_country_code():
    assert phone_display("+14155550100").startswith("+1 ")


def test_an_empty_or_odd_value_is_shown_as_it_is():
    assert phone_display("") == ""
    assert phone_display("not a number") == "not a number"
