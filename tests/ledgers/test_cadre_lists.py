"""The cadre's commitment letter (承诺书) and three lists: the page and the .docx equal the
selectors' lists, they are scoped (a cadre only their own, an office its area, forged ids 404),
and an area's file holds each cadre in post once, with memory that does not grow with them."""

import datetime
import io
import tracemalloc

import pytest
import time_machine
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn

from baobao.models import Level
from cadres.models import Assignment, Cadre
from entities.models import Entity, Grade
from inspections.models import IssueStatus
from inspections.quarters import Quarter
from inspections.selectors import due_entities
from ledgers.documents.commitment import area_document
from ledgers.selectors.cadre_lists import (
    area_cadre_lists,
    cadre_rectifications,
    cadre_responsibilities,
)
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    IssueFactory,
    VisitFactory,
    cadre_login,
    cadre_user,
    county,
    office_user,
    village,
    wanshan,
    wanshan_village,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zh")]

NOW = datetime.datetime(2026, 5, 20, 2, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 5, 20)


@pytest.fixture(autouse=True)
def _pinned():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def held():
    """A county cadre holding two businesses (one visited this quarter, with an open issue and a
    closed one), and another cadre's business with an open issue."""
    cadre = CadreFactory(name="张三", level=Level.COUNTY, unit="区市场监管局", post="局长")
    first = AssignmentFactory(
        cadre=cadre, entity=EntityFactory(name="金滩饭店", grade=Grade.B, address="环北路1号")
    )
    AssignmentFactory(
        cadre=cadre, entity=EntityFactory(name="环北小吃", grade=Grade.D, address="环北路2号")
    )
    visit = VisitFactory(assignment=first)
    IssueFactory(
        visit=visit, description="后厨地面油污", deadline=TODAY - datetime.timedelta(days=3)
    )
    IssueFactory(visit=visit, description="已整改", status=IssueStatus.CLOSED, closed_at=NOW)
    IssueFactory(description="别人的问题")
    return cadre


def _tables(doc) -> list[list[list[str]]]:
    return [[[cell.text for cell in row.cells] for row in t.rows] for t in doc.tables]


def test_the_cadre_sees_their_letter_and_lists_on_the_phone(client, held):
    # given the cadre's own login
    client.force_login(cadre_login(held))
    # when they open their letter and lists
    response = client.get(reverse("ledgers:cadre-lists", args=[held.pk]))
    # then the letter names them, their unit, post and holdings, with signature lines
    assert response.status_code == 200
    paragraphs = response.context["paragraphs"]
    assert "张三" in paragraphs[0] and "区市场监管局" in paragraphs[0] and "局长" in paragraphs[0]
    assert "2" in paragraphs[1]
    # and the three lists are the selectors' lists
    (_t1, _h1, responsibilities, _e1), (_t2, _h2, tasks, _e2), (_t3, _h3, issues, _e3) = (
        response.context["sections"]
    )
    assert [row[1] for row in responsibilities] == [
        h.entity.name for h in cadre_responsibilities(cadre=held)
    ]
    assert [row[1] for row in responsibilities] == ["金滩饭店", "环北小吃"]
    assert [(row[1], row[2], row[3]) for row in responsibilities] == [
        ("金滩饭店", "B", "环北路1号"),
        ("环北小吃", "D", "环北路2号"),
    ]
    due = list(due_entities(cadre=held, quarter=Quarter.of(TODAY), today=TODAY))
    assert [row[1] for row in tasks] == [e.name for e in due] == ["环北小吃", "金滩饭店"]
    assert [row[3] for row in tasks] == ["2026-06-30", "2026-06-30"]
    assert [row[1:] for row in issues] == [
        ["金滩饭店", "后厨地面油污", (TODAY - datetime.timedelta(days=3)).isoformat(), "待整改", 3]
    ]
    assert [i.description for i in cadre_rectifications(cadre=held)] == ["后厨地面油污"]
    # and the page links the Word file and prints
    assert "data-print" in response.text and "?format=docx" in response.text


def test_the_word_file_holds_the_letter_and_the_three_lists(client, held):
    client.force_login(office_user(county()))
    response = client.get(reverse("ledgers:cadre-lists", args=[held.pk]), {"format": "docx"})
    assert response.status_code == 200
    doc = Document(io.BytesIO(response.content))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "食品安全责任与任务承诺书"
    assert any("张三" in t and "局长" in t for t in texts)
    responsibilities, tasks, issues = _tables(doc)
    assert [row[1] for row in responsibilities[1:]] == ["金滩饭店", "环北小吃"]
    assert [row[1] for row in tasks[1:]] == ["环北小吃", "金滩饭店"]
    assert [row[2] for row in issues[1:]] == ["后厨地面油污"]
    # and it is on the official page
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.top_margin.mm)) == (210, 37)


def test_a_cadre_sees_only_their_own_and_forged_ids_are_404(client, held):
    other = CadreFactory(level=Level.COUNTY)
    client.force_login(cadre_user(other))
    assert client.get(reverse("ledgers:cadre-lists", args=[held.pk])).status_code == 404
    assert client.get(reverse("ledgers:cadre-lists", args=[999999])).status_code == 404
    # and the area file is for offices only
    assert client.get(reverse("ledgers:area-cadre-lists")).status_code == 403


def test_another_county_office_gets_404(client, held):
    client.force_login(office_user(wanshan()))
    assert client.get(reverse("ledgers:cadre-lists", args=[held.pk])).status_code == 404
    url = reverse("ledgers:area-cadre-lists")
    assert client.get(url, {"division": county().pk}).status_code == 404


def test_the_area_file_holds_each_cadre_in_post_of_the_area_once(client, held):
    # given two more cadres in 碧江区 (one left their post) and one in 万山区
    CadreFactory(name="李四", level=Level.VILLAGE)
    gone = CadreFactory(name="王五", level=Level.VILLAGE)
    Cadre.objects.filter(pk=gone.pk).update(status="left", left_on=TODAY)
    CadreFactory(name="赵六", division=wanshan_village())
    client.force_login(office_user(county()))
    # when the county downloads its area's file
    response = client.get(reverse("ledgers:area-cadre-lists"), {"division": county().pk})
    # then one document: a letter per cadre in post of the area, a page break between them
    assert response.status_code == 200
    doc = Document(io.BytesIO(b"".join(response.streaming_content)))
    in_post = Cadre.objects.filter(status="active", division__path__startswith=county().path)
    assert in_post.count() == 3  # 张三, 李四 and the holder of the other business
    letters = [p for p in doc.paragraphs if p.text == "食品安全责任与任务承诺书"]
    assert len(letters) == 3
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "张三" in text and "李四" in text and "王五" not in text and "赵六" not in text
    breaks = doc.element.body.findall(f".//{qn('w:br')}")
    # one after each letter, one between cadres
    assert len([b for b in breaks if b.get(qn("w:type")) == "page"]) == 3 + 2


def test_the_page_reads_a_fixed_number_of_queries(client, held, django_assert_max_num_queries):
    for _n in range(10):
        AssignmentFactory(cadre=held, entity=EntityFactory(grade=Grade.B))
    client.force_login(cadre_login(held))
    with django_assert_max_num_queries(12):
        client.get(reverse("ledgers:cadre-lists", args=[held.pk]))


_phones = iter(range(10_000))


def _phone() -> str:
    return f"1370000{next(_phones):04d}"


def _many_cadres(count: int, holdings: int) -> None:
    """``count`` village cadres of 金滩社区, each holding ``holdings`` businesses (bulk)."""
    place = village()
    cadres = Cadre.objects.bulk_create(
        [
            Cadre(name=f"批量干部{n}", division=place, unit="村委", post="主任", phone=_phone())
            for n in range(count)
        ]
    )
    entities = Entity.objects.bulk_create(
        [
            Entity(
                name=f"批量主体{n}",
                business_type="stall",
                grade=Grade.D,
                division=place,
                division_path=place.path,
                address=f"批量路{n}号",
            )
            for n in range(count * holdings)
        ]
    )
    Assignment.objects.bulk_create(
        [
            Assignment(
                entity=entity, cadre=cadres[n // holdings], start_date=datetime.date(2026, 1, 5)
            )
            for n, entity in enumerate(entities)
        ]
    )


def _peak_bytes(user, count: int) -> tuple[int, int]:
    tracemalloc.start()
    handle, written = area_document(area_cadre_lists(user=user, division=county(), today=TODAY))
    _size, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    handle.close()
    assert written == count
    return peak, written


def test_an_area_file_of_many_cadres_keeps_memory_flat():
    # given 10 cadres with 10 businesses each, then 60
    user = office_user(county())
    _many_cadres(10, 10)
    small, _n = _peak_bytes(user, 10)
    _many_cadres(50, 10)
    large, _n = _peak_bytes(user, 60)
    # then six times the cadres takes less than twice the peak memory (one cadre at a time)
    assert large < 2 * small, (small, large)
