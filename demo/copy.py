"""The one way the demo writes rows: ``COPY`` on PostgreSQL, ``bulk_create`` elsewhere.

On PostgreSQL the rows' ids are taken from the table's own sequence in one block before the
``COPY`` (rows referenced by others need their ids first), so the sequence stays ahead of every
row and later inserts by the services never collide. Foreign keys are still checked by the
database; each ``COPY`` holds at most ``COPY_CHUNK`` rows so the checks queued for the end of the
statement stay bounded.
"""

from collections.abc import Iterable, Sequence

from django.db import connection, models

from baobao import clock
from baobao.batches import batched

COPY_CHUNK = 50_000
# Fields whose Python values psycopg writes as they are; others go through the field's own
# conversion (files, JSON, …).
NATIVE = (
    models.AutoField,
    models.BigAutoField,
    models.BooleanField,
    models.CharField,
    models.DateField,  # and DateTimeField
    models.IntegerField,  # and its small, big and positive kinds
    models.TextField,
    models.UUIDField,
)


def copy_supported() -> bool:
    return connection.vendor == "postgresql"


def reserve_ids(model: type[models.Model], count: int) -> range:
    """``count`` fresh ids from the model's id sequence, as one block (PostgreSQL only)."""
    if count <= 0:
        return range(0)
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(s, nextval(s) + %s - 1) FROM pg_get_serial_sequence(%s, %s) AS s",
            [count, table, pk],
        )
        last = cursor.fetchone()[0]
    return range(last - count + 1, last + 1)


def write_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[tuple]) -> int:
    """COPY ``rows`` (tuples of database values, in ``fields`` order: column names) into the
    model's table, in chunks; return how many were written. PostgreSQL only."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f) for f in fields)
    sql = f"COPY {table} ({columns}) FROM STDIN"
    written = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, inside Django's connection
        for chunk in batched(rows, COPY_CHUNK):
            with raw.copy(sql) as copy:
                for row in chunk:
                    copy.write_row(row)
            written += len(chunk)
    return written


def write_objects(
    model: type[models.Model], objs: Sequence[models.Model], *, batch_size: int = 2000
) -> None:
    """Insert unsaved instances and give each its id, as ``bulk_create`` does.

    Related instances must already be written: their ids are read through the relation.
    ``auto_now``/``auto_now_add`` fields are stamped with one moment unless switched off (the
    demo's past timestamps switch them off and carry their own values).
    """
    if not objs:
        return
    if not copy_supported():
        model.objects.bulk_create(objs, batch_size=batch_size)
        return
    fields = list(model._meta.concrete_fields)
    now = clock.now()
    getters = [_getter(f, now) for f in fields]
    for obj, pk in zip(objs, reserve_ids(model, len(objs)), strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    write_rows(
        model,
        [f.column for f in fields],
        (tuple(get(obj) for get in getters) for obj in objs),
    )


def _getter(field: models.Field, now):
    attname = field.attname
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):

        def stamp(obj):
            setattr(obj, attname, now)
            return now

        return stamp
    if field.is_relation:

        def related(obj):
            value = getattr(obj, attname)
            if value is None and field.is_cached(obj):
                target = field.get_cached_value(obj)
                value = None if target is None else target.pk
            return value

        return related
    if isinstance(field, NATIVE):
        return lambda obj: getattr(obj, attname)
    return lambda obj: field.get_db_prep_save(getattr(obj, attname), connection)


def load_mode() -> None:
    """Prepare the current transaction for a bulk load.

    On PostgreSQL as a superuser, the per-row foreign key triggers are skipped until the
    transaction ends (``SET LOCAL session_replication_role``): every row the demo writes refers
    to rows it wrote itself, by the ids it reserved. Elsewhere nothing changes.
    """
    if not copy_supported():
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if row and row[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")


def analyze(models_: Iterable[type[models.Model]]) -> None:
    """Refresh the planner's statistics of the tables just loaded (PostgreSQL only)."""
    if not copy_supported():
        return
    with connection.cursor() as cursor:
        for model in models_:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def new(model: type[models.Model], **values) -> models.Model:
    """An unsaved instance, as ``model(**values)`` makes it but without ``Model.__init__``'s
    per-field work (signals, descriptors): the demo makes millions of them. Related objects
    are given by field name and may be unsaved: their ids are read when the row is written."""
    plan = _plans.get(model) or _plan(model)
    constants, factories, relations = plan
    obj = model.__new__(model)
    state = obj._state = models.base.ModelState()
    state.fields_cache = cache = {}
    data = obj.__dict__
    data.update(constants)
    for attname, make in factories:
        data[attname] = make()
    for name, value in values.items():
        attname = relations.get(name)
        if attname is None:
            data[name] = value
        else:
            cache[name] = value
            data[attname] = None if value is None else value.pk
    return obj


_plans: dict = {}


def _plan(model: type[models.Model]) -> tuple:
    constants, factories, relations = {}, [], {}
    for field in model._meta.concrete_fields:
        if field.has_default() and callable(field.default):
            factories.append((field.attname, field.default))
        else:
            constants[field.attname] = field.get_default()
        if field.is_relation:
            relations[field.name] = field.attname
    _plans[model] = constants, factories, relations
    return _plans[model]
