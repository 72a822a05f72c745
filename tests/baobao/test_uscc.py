"""Credit codes as people type them: separators dropped, the embedded 组织机构代码 (GB 11714)
checked, and agreement with python-stdnum's ``stdnum.cn.uscc`` on generated codes."""

import random

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from stdnum.cn import uscc as stdnum_uscc

from baobao.validators import (
    USCC_CHARSET,
    normalize_uscc,
    org_code_check_char,
    uscc_check_char,
    uscc_complete,
    validate_uscc,
)
from entities.models import Entity
from tests.factories import county, office_user, valid_uscc, village


def _ours(code: str) -> bool:
    try:
        validate_uscc(code)
    except ValidationError:
        return False
    return True


def _error_code(code: str) -> str:
    with pytest.raises(ValidationError) as exc_info:
        validate_uscc(code)
    return exc_info.value.code


@pytest.mark.parametrize(
    "typed",
    [
        "9135 0100 M000 100Y 43",
        "91350100-M000100Y4-3",
        " 91350100m000100y43\t",
        "913 501 00M - 000100Y43",
    ],
)
def test_a_code_pasted_with_spaces_or_hyphens_is_accepted_after_normalising(typed):
    # when a published code is typed with separators, in lower case
    # then it validates, and is stored as its 18 characters
    validate_uscc(typed)
    assert normalize_uscc(typed) == "91350100M000100Y43"


def test_the_organisation_code_check_digit_of_published_codes():
    # given the organisation codes inside codes printed on licences (computed by hand, GB 11714)
    # then the check digit is the one printed
    assert org_code_check_char("60003734") == "1"  # 91110000600037341L
    assert org_code_check_char("M000100Y") == "4"  # 91350100M000100Y43
    assert org_code_check_char("70846113") == "6"  # 91440300708461136T


def test_the_organisation_code_check_digit_can_be_x_or_wrap_to_zero():
    # 11 - sum % 11 is 10 → "X"; 11 → "0"
    assert org_code_check_char("00000006") == "X"  # 6 × 2 = 12, 12 % 11 = 1
    assert org_code_check_char("00000000") == "0"


def test_a_code_whose_organisation_code_is_broken_is_refused_though_its_check_char_fits():
    # given a published code whose organisation code check digit is changed, and whose own
    # check character is recomputed so that only the GB 11714 digit is wrong
    first17 = "91350100M000100Y5"
    code = first17 + uscc_check_char(first17)
    # then stdnum (which does not read GB 11714) takes it, and we refuse it with our reason
    assert stdnum_uscc.is_valid(code)
    assert _error_code(code) == "uscc_org_check"


def _generated_codes(rng: random.Random, count: int) -> list[str]:
    """Codes as people type them: valid, with separators, in lower case, with a wrong check
    character, a wrong length, a forbidden letter, letters in the division part, and a letter
    as the registration authority. Their organisation codes carry their GB 11714 digit."""
    alphabet = USCC_CHARSET
    codes = []
    for n in range(count):
        head = rng.choice(["91", "92", "93", "12", "52"]) + f"{rng.randrange(110000, 660000)}"
        org = "".join(rng.choice(alphabet) for _ in range(8))
        code = uscc_complete(head + org)
        kind = n % 8
        if kind == 1:
            cut = rng.randrange(1, 17)
            code = code[:cut] + rng.choice([" ", "-", " - ", "  "]) + code[cut:]
        elif kind == 2:
            code = code.lower()
        elif kind == 3:
            code = code[:17] + rng.choice([c for c in alphabet if c != code[17]])
        elif kind == 4:
            code = code[: rng.choice([17, 19])] if rng.random() < 0.5 else code + "1"
        elif kind == 5:
            spot = rng.randrange(8, 17)
            code = code[:spot] + rng.choice("IOSVZ") + code[spot + 1 :]
        elif kind == 6:
            spot = rng.randrange(2, 8)
            first17 = code[:spot] + rng.choice("ABCDEF") + code[spot + 1 : 17]
            code = first17 + uscc_check_char(first17)
        elif kind == 7:
            first17 = rng.choice("ABCY") + code[1:17]
            code = first17 + uscc_check_char(first17)
        codes.append(code)
    return codes


def test_the_validator_agrees_with_stdnum_on_3000_generated_codes():
    # given 3,000 codes of every kind people type, their organisation codes well formed
    codes = _generated_codes(random.Random(20), 3000)
    # when both validators read them
    disagreements = [code for code in codes if _ours(code) != stdnum_uscc.is_valid(code)]
    # then they agree on every one, and both accept and refuse a fair share
    accepted = sum(stdnum_uscc.is_valid(code) for code in codes)
    assert disagreements == []
    assert 1000 < accepted < 2000


def test_generated_codes_with_a_broken_organisation_code_are_the_only_difference():
    # given 300 codes with a good check character but a wrong GB 11714 digit
    rng = random.Random(11714)
    codes = []
    for code in _generated_codes(rng, 300):
        first17 = normalize_uscc(code)[:17]
        if len(first17) < 17 or not stdnum_uscc.is_valid(code):
            continue
        wrong = rng.choice([c for c in "0123456789X" if c != first17[16]])
        first17 = first17[:16] + wrong
        codes.append(first17 + uscc_check_char(first17))
    # then stdnum takes each, we refuse each for its organisation code
    assert len(codes) > 100
    assert all(stdnum_uscc.is_valid(code) for code in codes)
    assert {_error_code(code) for code in codes} == {"uscc_org_check"}


@pytest.mark.django_db
def test_the_register_form_stores_a_pasted_code_without_its_separators(client):
    # given the county clerk and a code pasted with spaces
    client.force_login(office_user(county()))
    code = valid_uscc(990001)
    pasted = f"{code[:4]} {code[4:8]}-{code[8:12]} {code[12:]}".lower()
    # when a business is registered with it
    response = client.post(
        reverse("entities:create"),
        {
            "name": "碧江区粘贴餐馆",
            "uscc": pasted,
            "licence_no": "JY15206020009901",
            "business_type": "catering",
            "grade": "D",
            "division": village().pk,
            "zone": "",
            "address": "环北路9号",
            "director_name": "王总监",
            "director_phone": "13900000001",
            "officer_name": "李安全",
            "officer_phone": "0856-5221234",
            "contact_phone": "13900000002",
            "grade_reason": "小餐饮",
        },
    )
    # then it is registered with the 18 characters
    assert response.status_code == 302, response.context["form"].errors
    assert Entity.objects.get(name="碧江区粘贴餐馆").uscc == code
