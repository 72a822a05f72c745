"""The security audit log (等保 安全审计): every security-relevant event writes one row with who,
when, from where, what and the result; the rows cannot be changed or deleted before 180 days."""

import datetime
import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audit.models import AuditEvent, AuditKind, AuditResult
from audit.services import audit_purge, audit_record
from baobao import clock
from baobao.models import Role
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    admin_user,
    county,
    office_user,
    village,
)

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-1"


def events(kind, **filters):
    return list(AuditEvent.objects.filter(kind=kind, **filters))


def login(client, user, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": user.username, "password": password}, **extra)


def test_a_sign_in_writes_one_row_with_user_address_and_result(client):
    user = office_user(county())
    login(client, user, REMOTE_ADDR="10.2.3.4")
    [event] = events(AuditKind.LOGIN)
    assert (event.user_id, event.username, event.ip, event.result) == (
        user.pk,
        user.username,
        "10.2.3.4",
        AuditResult.SUCCESS,
    )
    assert event.at is not None


def test_a_failed_sign_in_writes_the_name_typed(client):
    user = office_user(county())
    login(client, user, "wrong")
    [event] = events(AuditKind.LOGIN_FAILED)
    assert (event.username, event.user_id, event.result) == (user.username, None, "failure")


def test_a_lockout_writes_one_row(client):
    user = office_user(county())
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, user, "wrong")
    assert len(events(AuditKind.LOGIN_FAILED)) == settings.AXES_FAILURE_LIMIT
    assert [e.username for e in events(AuditKind.LOCKOUT)] == [user.username]


def test_a_sign_out_writes_one_row(client):
    user = office_user(county())
    client.force_login(user)
    client.post(reverse("logout"))
    assert [e.user_id for e in events(AuditKind.LOGOUT)] == [user.pk]


def test_the_address_behind_the_trusted_proxy_is_recorded(client, settings):
    settings.PROXY_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.LOGIN_PROXY_COUNT = 1
    user = office_user(county())
    # the client's own header claims 1.1.1.1; the proxy appended the real address
    login(client, user, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 172.16.5.9")
    assert events(AuditKind.LOGIN)[0].ip == "172.16.5.9"


def test_a_forged_forwarded_header_is_ignored_without_a_proxy(client, settings):
    settings.LOGIN_PROXY_COUNT = 0
    user = office_user(county())
    login(client, user, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1")
    assert events(AuditKind.LOGIN)[0].ip == "10.0.0.1"


def test_superuser_use_is_flagged(client):
    admin = admin_user()
    login(client, admin)
    assert [e.user_id for e in events(AuditKind.SUPERUSER_LOGIN)] == [admin.pk]


def test_user_creation_role_change_and_deactivation_on_the_admin_site(client):
    admin = admin_user()
    client.force_login(admin)
    user = office_user(county())
    response = client.post(
        reverse("admin:baobao_user_change", args=[user.pk]),
        {
            "username": user.username,
            "role": Role.AUDITOR,
            "division": "",
            "is_active": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "08:00:00",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    [role] = events(AuditKind.ROLE_CHANGE, target=user.username)
    assert role.user_id == admin.pk
    assert role.detail["role"] == [Role.COUNTY_OFFICE, Role.AUDITOR]
    assert len(events(AuditKind.USER_DEACTIVATE, target=user.username)) == 1
    [change] = events(AuditKind.ADMIN_CHANGE)
    assert change.target.startswith(f"baobao.user:{user.pk}")
    assert len(events(AuditKind.USER_CREATE, target=user.username)) == 1


def test_a_save_that_changes_nothing_of_the_role_writes_no_role_row():
    user = office_user(county())
    user.first_name = "改名"
    user.save()
    assert not events(AuditKind.ROLE_CHANGE)


def test_an_export_records_what_and_how_many_rows(client):
    from tests.factories import EntityFactory

    EntityFactory(division=village())
    EntityFactory(division=village())
    client.force_login(office_user(county()))
    response = client.post(reverse("ledgers:export"), {"ledger": "entities", "period_kind": "all"})
    assert response.status_code == 200
    [event] = events(AuditKind.EXPORT)
    assert event.detail["rows"] == 2 and event.target.endswith(".xlsx")


def test_an_import_records_the_file_and_the_counts(client):
    from ledgers.imports import import_job_run
    from ledgers.models import ImportBatch
    from tests.factories import valid_uscc
    from tests.ledgers.conftest import open_xlsx, response_bytes

    client.force_login(office_user(county()))
    wb = open_xlsx(
        response_bytes(client.get(reverse("ledgers:import-template", args=["entities"])))
    )
    ws = wb.worksheets[0]
    ws.cell(row=2, column=2, value=valid_uscc(778))
    ws.cell(row=2, column=6, value=village().code)
    buffer = io.BytesIO()
    wb.save(buffer)
    client.post(
        reverse("ledgers:import"),
        {"kind": "entities", "file": SimpleUploadedFile("mine.xlsx", buffer.getvalue())},
    )
    # the check and the import run as the worker runs them
    batch = ImportBatch.objects.get()
    import_job_run(batch_id=batch.pk, now=batch.queued_at)
    client.post(reverse("ledgers:import-batch", args=[batch.pk]), {"mode": "all"})
    batch.refresh_from_db()
    import_job_run(batch_id=batch.pk, now=batch.queued_at)
    [event] = events(AuditKind.IMPORT)
    assert event.target == "mine.xlsx" and event.detail["created"] == 1
    # applying the same batch again is refused, and that is written too
    client.post(reverse("ledgers:import-batch", args=[batch.pk]), {"mode": "all"})
    assert [e.result for e in events(AuditKind.IMPORT)] == ["failure", "success"]


def test_a_bulk_transfer_records_how_many_holdings_moved(client):
    client.force_login(office_user(county()))
    cadre = CadreFactory()
    holdings = [AssignmentFactory(cadre=cadre) for _ in range(2)]
    successor = CadreFactory()
    client.post(
        f"{reverse('holdings:bulk-transfer')}?cadre={cadre.pk}",
        {"holdings": [h.pk for h in holdings], "to_cadre": successor.pk, "reason": "均衡"},
    )
    [event] = events(AuditKind.BULK_TRANSFER)
    assert event.detail["rows"] == 2


def test_an_update_of_an_audit_row_fails_at_the_database():
    event = audit_record(kind=AuditKind.LOGIN, username="someone")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(username="someone else")
    event.refresh_from_db()
    assert event.username == "someone"


def test_a_delete_of_a_young_audit_row_fails_at_the_database():
    event = audit_record(kind=AuditKind.LOGIN, username="someone")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_a_truncate_fails_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's (SQLite has DELETE only, guarded above)")
    audit_record(kind=AuditKind.LOGIN, username="someone")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.exists()


def test_the_purge_deletes_rows_past_retention_and_never_younger_ones():
    # given a row of today and one written in 2020 (an INSERT is always allowed)
    audit_record(kind=AuditKind.LOGIN, username="now")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (at, kind, username, target, result, detail) "
            "VALUES (%s, 'login', 'in 2020', '', 'success', '{}')",
            [datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)],
        )
    # when the purge runs, even asked to keep a single day
    deleted = audit_purge(now=clock.now(), days=1)
    # then only the 2020 row went: the purge keeps the 180-day floor
    assert deleted == 1
    assert list(AuditEvent.objects.values_list("username", flat=True)) == ["now"]


def test_the_purge_task_runs_with_the_retention_setting(settings):
    from audit.tasks import audit_purge_old

    audit_record(kind=AuditKind.LOGIN, username="now")
    assert audit_purge_old.apply().get() == 0
    assert AuditEvent.objects.count() == 1
