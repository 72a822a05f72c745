"""The identifier rules: 统一社会信用代码 (GB 32100-2015), phone numbers, and an entity's USCC."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import override

from baobao.validators import (
    uscc_check_char,
    uscc_complete,
    validate_mobile,
    validate_phone,
    validate_uscc,
)
from entities.models import BusinessType, Entity
from tests.factories import EntityFactory, valid_uscc, village

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def _code(callable_, value) -> str:
    with pytest.raises(ValidationError) as exc_info:
        callable_(value)
    return exc_info.value.code


# --- USCC -----------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["91520602MA6DKXYW", "1252060000900000", "52520602MA6H2B3C"])
def test_a_code_completed_with_its_computed_check_chars_is_valid(body):
    # given 16 characters from the allowed set, completed with the organisation code's check
    # digit and the code's check character
    code = uscc_complete(body)
    # when / then it validates without error
    validate_uscc(code)


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91440300708461136T"])
def test_published_codes_are_valid(code):
    # given codes printed on real business licences (their check digits verify by hand)
    # when / then they validate
    validate_uscc(code)


def test_check_char_of_a_published_code_is_what_the_standard_gives():
    # given the first 17 characters of a published code
    # when the check character is computed
    # then it is the 18th character printed on the licence
    assert uscc_check_char("91350100M000100Y4") == "3"


@pytest.mark.parametrize(
    ("body", "check"),
    [("91520602000000007", "Y"), ("91520602000000017", "0")],
)
def test_check_char_is_a_letter_or_wraps_to_zero(body, check):
    # given a body whose weighted sum leaves remainder 1 (→ 30, "Y") or 0 (31 wraps to "0")
    # when its check character is computed
    # then it is the one the standard's table gives
    assert uscc_check_char(body) == check


@pytest.mark.parametrize("value", ["", "9135010", "91350100M000100Y4", "91350100M000100Y433"])
def test_a_code_of_the_wrong_length_is_refused(value):
    # when a code that is not 18 characters is validated
    # then it is refused for its length
    assert _code(validate_uscc, value) == "uscc_length"


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_forbidden_letters_are_refused(letter):
    # given an otherwise well-formed code with a forbidden letter in the organisation code
    code = "91350100M000100Y43"
    code = code[:8] + letter + code[9:]
    # then it is refused for its characters, not for its check digit
    assert _code(validate_uscc, code) == "uscc_chars"


def test_letters_in_the_division_part_are_refused():
    # given letters where the six-digit administrative division code belongs
    # then the shape is refused
    assert _code(validate_uscc, "91AB0100M000100Y43") == "uscc_chars"


def test_a_wrong_check_digit_is_refused():
    # given a published code with its last character changed
    # then it is refused for its check digit
    assert _code(validate_uscc, "91350100M000100Y44") == "uscc_check"


def test_a_typo_in_the_body_is_caught_by_the_check_digit():
    # given a published code with two characters swapped
    # then the check digit catches it
    assert _code(validate_uscc, "91351000M000100Y43") == "uscc_check"


def test_lowercase_and_surrounding_spaces_are_accepted():
    # when a code is typed in lowercase with spaces around it
    # then it validates: the validator normalises before checking
    validate_uscc("  91350100m000100y43 ")


# --- phones ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["13912345678", "199 1234 5678", "(139)12345678"])
def test_mainland_mobiles_are_accepted(value):
    validate_mobile(value)
    validate_phone(value)


@pytest.mark.parametrize(
    "value", ["", "12912345678", "1391234567", "139123456789", "23912345678", "1391234567a"]
)
def test_bad_mobiles_are_refused(value):
    assert _code(validate_mobile, value) == "mobile"


@pytest.mark.parametrize(
    "value", ["0856-5221234", "08565221234", "010-12345678", "0856-5221234-801"]
)
def test_a_landline_is_a_phone_but_not_a_mobile(value):
    # given a landline with its area code
    # then it is a valid phone
    validate_phone(value)
    # and not a valid mobile
    assert _code(validate_mobile, value) == "mobile"


@pytest.mark.parametrize(
    "value", ["5221234", "0856-0221234", "0856-522123", "856-5221234", "0856-5221234-1234567"]
)
def test_bad_landlines_are_refused(value):
    # given a number without area code, a local number starting with 0, too short, or a long
    # extension
    # then it is refused as a phone
    assert _code(validate_phone, value) == "phone"


# --- an entity's USCC -----------------------------------------------------------------------


def _entity(**fields) -> Entity:
    return EntityFactory.build(division=village(), **fields)


def test_an_entity_without_uscc_is_refused_unless_it_is_a_stall():
    # given a restaurant with no credit code
    entity = _entity(uscc="", business_type=BusinessType.CATERING)
    # when it is validated
    with override("en"):
        with pytest.raises(ValidationError) as exc_info:
            entity.full_clean()
        # then the code is required for it (Entity.clean gives this error no code, so the
        # message is what can be checked)
        assert exc_info.value.message_dict == {
            "uscc": ["A unified social credit code is required for this business type."]
        }


def test_a_stall_may_have_no_uscc():
    # given a food stall with only a registration card
    entity = _entity(uscc="", business_type=BusinessType.STALL)
    # when / then it validates
    entity.full_clean()


def test_an_entity_with_a_bad_uscc_is_refused_on_that_field():
    # given a restaurant with a wrong check digit
    entity = _entity(uscc="91350100M000100Y44")
    # when it is validated in Chinese
    with override("zh-hans"), pytest.raises(ValidationError) as exc_info:
        entity.full_clean()
    # then the error sits on the uscc field with its code
    assert [e.code for e in exc_info.value.error_dict["uscc"]] == ["uscc_check"]


def test_an_entity_uscc_is_stored_uppercase():
    # given a code typed in lowercase
    entity = _entity(uscc=valid_uscc(424242).lower())
    # when it is validated
    entity.full_clean()
    # then the stored code is normalised
    assert entity.uscc == valid_uscc(424242)


def test_an_entity_uscc_must_be_unique():
    # given a business already registered under a code
    existing = EntityFactory()
    # when another is validated with the same code typed in lowercase
    entity = _entity(uscc=existing.uscc.lower())
    # then it is refused by the partial unique constraint (a non-field error for now)
    with pytest.raises(ValidationError) as exc_info:
        entity.full_clean()
    assert exc_info.value.error_dict


def test_a_bad_uscc_is_explained_in_chinese():
    # NOTE: the one test that depends on the zh_Hans catalogue (locale/zh_Hans/LC_MESSAGES);
    # it fails if the catalogue is missing, uncompiled or lacks the USCC messages.
    # given a restaurant with a wrong check digit
    entity = _entity(uscc="91350100M000100Y44")
    # when it is validated with the Chinese interface language
    with override("zh-hans"):
        with pytest.raises(ValidationError) as exc_info:
            entity.full_clean()
        # then the message is in Chinese
        (message,) = exc_info.value.message_dict["uscc"]
    assert CJK.search(message), message
