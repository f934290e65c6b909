"""psycopg2 smoke test for tollgate's PostgreSQL wire protocol, run by test/wire/psycopg2.test.ts.

    /usr/bin/python3 test/clients/psycopg2_smoke.py HOST PORT DBNAME USER PASSWORD [CHECK ...]

Debian's python3-psycopg2 is importable only by /usr/bin/python3. Prints one line per check,
"ok NAME # N ms" or "not ok NAME: WHY", then "done"; exits 1 if any check failed. With CHECK names, runs
only those. psycopg2 binds %s parameters on the client: every statement reaches the server as a simple
Query with the values written as SQL literals ('...'::timestamp, '\\x...'::bytea, ...).
"""

import datetime
import sys
import threading
import time
import traceback
import uuid
from decimal import Decimal

import psycopg2
import psycopg2.errors
import psycopg2.extensions as ext
import psycopg2.extras

psycopg2.extras.register_uuid()

HOST, PORT, DBNAME, USER, PASSWORD = sys.argv[1:6]
ONLY = set(sys.argv[6:])
FAILURES = 0

UTC = datetime.timezone.utc
TYPES_SQL = (
    "select 1::int2 as c_int2, 2::int4 as c_int4, 3::int8 as c_int8, 1.5::float4 as c_float4, 2.5::float8 as c_float8,"
    " 12.34::numeric(10,2) as c_numeric, 'x'::text as c_text, true as c_bool, date '2024-01-02' as c_date,"
    " timestamp '2024-01-02 03:04:05.678' as c_timestamp, timestamptz '2024-01-02 03:04:05+00' as c_timestamptz,"
    " 'abc'::bytea as c_bytea, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid as c_uuid,"
    " (-9223372036854775808)::int8 as e_int8_min, (-12345678.901)::numeric(12,3) as e_numeric,"
    " date '1999-12-31' as e_date, timestamp '2024-01-02 03:04:05.123456' as e_timestamp,"
    " timestamptz '2024-06-30 23:59:59.5+02' as e_timestamptz, 'h\u00e9llo \u2713'::text as e_text, null::int4 as e_null"
)
TYPES_EXPECTED = [
    ("c_int2", 21, 1),
    ("c_int4", 23, 2),
    ("c_int8", 20, 3),
    ("c_float4", 700, 1.5),
    ("c_float8", 701, 2.5),
    ("c_numeric", 1700, Decimal("12.34")),
    ("c_text", 25, "x"),
    ("c_bool", 16, True),
    ("c_date", 1082, datetime.date(2024, 1, 2)),
    ("c_timestamp", 1114, datetime.datetime(2024, 1, 2, 3, 4, 5, 678000)),
    ("c_timestamptz", 1184, datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ("c_bytea", 17, b"abc"),
    ("c_uuid", 2950, uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")),
    ("e_int8_min", 20, -9223372036854775808),
    ("e_numeric", 1700, Decimal("-12345678.901")),
    ("e_date", 1082, datetime.date(1999, 12, 31)),
    ("e_timestamp", 1114, datetime.datetime(2024, 1, 2, 3, 4, 5, 123456)),
    ("e_timestamptz", 1184, datetime.datetime(2024, 6, 30, 21, 59, 59, 500000, tzinfo=UTC)),
    ("e_text", 25, "h\u00e9llo \u2713"),
    ("e_null", 23, None),
]
HUNDRED_K = "select i::int4 as i, i * 1.5::float8 as d, 'row ' || i as s from generate_series(1, 100000) as t(i)"
LONG_QUERY = "select count(*) as n from generate_series(1, 1000000) as a(i), generate_series(1, 1000000) as b(j)"


def connect(**overrides):
    args = dict(host=HOST, port=PORT, dbname=DBNAME, user=USER, password=PASSWORD, connect_timeout=10)
    args.update(overrides)
    return psycopg2.connect(**args)


def check(fn):
    global FAILURES
    name = fn.__name__
    if ONLY and name not in ONLY:
        return fn
    t0 = time.monotonic()
    try:
        fn()
        print(f"ok {name} # {int((time.monotonic() - t0) * 1000)} ms", flush=True)
    except Exception as e:  # noqa: BLE001 - report every failure as a line
        FAILURES += 1
        code = getattr(e, "pgcode", None)
        why = f"{type(e).__name__}{' ' + code if code else ''}: {e}".strip()
        tb = traceback.extract_tb(e.__traceback__)[-1]
        print(f"not ok {name}: {why} (line {tb.lineno})".replace("\n", " "), flush=True)
    return fn


def eq(expected, actual, what):
    if expected != actual or type(expected) is not type(actual):
        raise AssertionError(f"{what}: expected {expected!r} ({type(expected).__name__}) but got {actual!r} ({type(actual).__name__})")


def sqlstate(fn):
    """The pgcode of the psycopg2.Error that fn raises, or "(no error)"."""
    try:
        fn()
    except psycopg2.Error as e:
        return e.pgcode
    return "(no error)"


def normalize(v):
    return bytes(v) if isinstance(v, memoryview) else v


@check
def connect_and_session_parameters():
    with connect() as conn:
        assert 150000 <= conn.server_version < 160000, conn.server_version
        eq("UTF8", conn.encoding, "client encoding")
        eq("on", conn.get_parameter_status("integer_datetimes"), "integer_datetimes")
        eq("on", conn.get_parameter_status("standard_conforming_strings"), "standard_conforming_strings")
        eq(ext.TRANSACTION_STATUS_IDLE, conn.get_transaction_status(), "idle after connect")
    conn.close()


@check
def fetchall_types():
    with connect() as conn, conn.cursor() as cur:
        cur.execute(TYPES_SQL)
        eq([(n, oid) for n, oid, _ in TYPES_EXPECTED], [(d.name, d.type_code) for d in cur.description], "description")
        rows = cur.fetchall()
        eq(1, len(rows), "rows")
        for (name, _, expected), actual in zip(TYPES_EXPECTED, rows[0]):
            eq(expected, normalize(actual), name)
        eq(datetime.timedelta(0), rows[0][10].utcoffset(), "timestamptz offset in a UTC session")
        eq(None, rows[0][9].tzinfo, "timestamp has no time zone")
    conn.close()


@check
def execute_params_many_types():
    params = (
        41,
        "h\u00e9llo 'quoted' \\ back",
        2**62,
        2.5,
        Decimal("12.34"),
        True,
        None,
        datetime.date(2024, 1, 2),
        datetime.datetime(2024, 1, 2, 3, 4, 5, 678000),
        datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    )
    sql = (
        "select %s::int4 + 1 as a, %s::text as b, %s::int8 as c, %s::float8 * 2 as d, %s::numeric(10,2) as e,"
        " %s::bool as f, %s::text as g, %s::date as h, %s::timestamp as i, %s::timestamptz as j, %s::uuid as k"
    )
    with connect() as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        row = list(cur.fetchone())
        expected = [42, params[1], 2**62, 5.0, Decimal("12.34"), True, None, params[7], params[8], params[9], params[10]]
        for n, (e, a) in enumerate(zip(expected, row)):
            eq(e, a, cur.description[n].name)
        # named parameters
        cur.execute("select %(x)s::int4 * %(y)s::int4 as p, %(x)s::int4 as x", {"x": 6, "y": 7})
        eq((42, 6), cur.fetchone(), "named parameters")
    conn.close()


@check
def execute_param_bytea():
    # psycopg2 writes bytes as the PostgreSQL hex literal '\\xdeadbeef00ff'::bytea (which DuckDB would read
    # as the byte 0xDE followed by the characters "adbeef00ff").
    with connect() as conn, conn.cursor() as cur:
        data = b"\xde\xad\xbe\xef\x00\xff"
        cur.execute("select %s::bytea as k, %s as l", (data, psycopg2.Binary(b"abc")))
        k, l = cur.fetchone()
        eq(data, bytes(k), "bytes parameter")
        eq(b"abc", bytes(l), "psycopg2.Binary parameter")
    conn.close()


@check
def fetchmany_100k_rows():
    with connect() as conn, conn.cursor() as cur:
        cur.execute(HUNDRED_K)
        eq(100000, cur.rowcount, "rowcount")
        expected = 1
        while True:
            rows = cur.fetchmany(1000)
            if not rows:
                break
            for i, d, s in rows:
                if (i, d, s) != (expected, expected * 1.5, f"row {expected}"):
                    raise AssertionError(f"row {expected}: {(i, d, s)!r}")
                expected += 1
        eq(100001, expected, "rows + 1")
    conn.close()


def autocommit_conn():
    conn = connect()
    conn.autocommit = True
    return conn


def still_usable(cur):
    cur.execute("select 1::int4 as a")
    eq((1,), cur.fetchone(), "connection still usable")


@check
def error_syntax_42601():
    conn = autocommit_conn()
    with conn.cursor() as cur:
        try:
            cur.execute("select 1,, 2")
            raise AssertionError("no error raised")
        except psycopg2.errors.SyntaxError as e:
            eq("42601", e.pgcode, "pgcode")
            eq("10", e.diag.statement_position, "position")
            eq("ERROR", e.diag.severity, "severity")
        still_usable(cur)
    conn.close()


@check
def error_unknown_table_42P01():
    conn = autocommit_conn()
    with conn.cursor() as cur:
        try:
            cur.execute("select * from no_such_table")
            raise AssertionError("no error raised")
        except psycopg2.errors.UndefinedTable as e:
            eq("42P01", e.pgcode, "pgcode")
        still_usable(cur)
    conn.close()


@check
def error_division_by_zero_22012():
    conn = autocommit_conn()
    with conn.cursor() as cur:
        try:
            cur.execute("select 1 / 0 as x")
            raise AssertionError("no error raised")
        except psycopg2.errors.DivisionByZero as e:
            eq("22012", e.pgcode, "pgcode")
            eq("division by zero", e.diag.message_primary, "message")
        still_usable(cur)
    conn.close()


@check
def error_data_exceptions_22003_22P02():
    conn = autocommit_conn()
    with conn.cursor() as cur:
        eq("22003", sqlstate(lambda: cur.execute("select 2147483647::int4 + 1 as x")), "integer overflow")
        eq("22P02", sqlstate(lambda: cur.execute("select %s::int4 as x", ("abc",))), "bad integer text")
        still_usable(cur)
    conn.close()


@check
def autocommit_off_transactions():
    conn = connect()
    eq(False, conn.autocommit, "psycopg2 default")
    with conn.cursor() as cur:
        cur.execute("select 1::int4 as a")  # psycopg2 sends BEGIN first
        eq(ext.TRANSACTION_STATUS_INTRANS, conn.get_transaction_status(), "in a transaction after a select")
        conn.commit()
        eq(ext.TRANSACTION_STATUS_IDLE, conn.get_transaction_status(), "idle after commit")
        eq("42P01", sqlstate(lambda: cur.execute("select * from no_such_table")), "error inside the transaction")
        eq(ext.TRANSACTION_STATUS_INERROR, conn.get_transaction_status(), "failed transaction")
        try:
            cur.execute("select 1::int4 as a")
            raise AssertionError("no error raised")
        except psycopg2.errors.InFailedSqlTransaction as e:
            eq("25P02", e.pgcode, "statement in a failed transaction")
        conn.rollback()
        eq(ext.TRANSACTION_STATUS_IDLE, conn.get_transaction_status(), "idle after rollback")
        cur.execute("select 2::int4 as a")
        eq((2,), cur.fetchone(), "usable after rollback")
        conn.rollback()
    with conn:  # the context manager commits
        with conn.cursor() as cur:
            cur.execute("select 3::int4 as a")
            eq((3,), cur.fetchone(), "inside with conn")
    eq(ext.TRANSACTION_STATUS_IDLE, conn.get_transaction_status(), "committed by the context manager")
    conn.close()


@check
def autocommit_on():
    conn = connect()
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("select 1::int4 as a")
        eq(ext.TRANSACTION_STATUS_IDLE, conn.get_transaction_status(), "no transaction left open")
        eq("42P01", sqlstate(lambda: cur.execute("select * from no_such_table")), "error")
        eq(ext.TRANSACTION_STATUS_IDLE, conn.get_transaction_status(), "no failed transaction either")
        cur.execute("select 2::int4 as a")
        eq((2,), cur.fetchone(), "next statement needs no rollback")
        cur.execute("begin")
        eq(ext.TRANSACTION_STATUS_INTRANS, conn.get_transaction_status(), "explicit BEGIN")
        cur.execute("commit")
        eq(ext.TRANSACTION_STATUS_IDLE, conn.get_transaction_status(), "explicit COMMIT")
    conn.close()


@check
def copy_expert_csv():
    import io

    with connect() as conn, conn.cursor() as cur:
        buf = io.StringIO()
        cur.copy_expert(
            "copy (select i::int4 as i, 'row, ' || i as s, null::text as n from generate_series(1, 3) as t(i)) to stdout with (format csv, header)",
            buf,
        )
        eq('i,s,n\n1,"row, 1",\n2,"row, 2",\n3,"row, 3",\n', buf.getvalue(), "csv")
    conn.close()


@check
def cancel_long_query():
    conn = connect()
    conn.autocommit = True
    timer = threading.Timer(0.5, conn.cancel)
    timer.start()
    t0 = time.monotonic()
    with conn.cursor() as cur:
        try:
            cur.execute(LONG_QUERY)
            raise AssertionError("no error raised")
        except psycopg2.errors.QueryCanceled as e:
            eq("57014", e.pgcode, "pgcode")
        assert time.monotonic() - t0 < 10, "cancelled within 10 s"
        cur.execute("select 1::int4 as a")
        eq((1,), cur.fetchone(), "usable after cancel")
    conn.close()


@check
def wrong_password():
    try:
        connect(password=PASSWORD + "-wrong").close()
        raise AssertionError("connected")
    except psycopg2.OperationalError as e:
        assert f'password authentication failed for user "{USER}"' in str(e), str(e)


# DECISION NEEDED (tollgate): a named cursor makes psycopg2 send DECLARE "c" CURSOR WITHOUT HOLD FOR ...,
# then FETCH FORWARD n FROM "c" and CLOSE "c", all as simple queries inside a transaction. tollgate may
# not support DECLARE/FETCH yet; psycopg2_smoke reports it as its own check so it can be judged apart.
@check
def declare_cursor_named():
    conn = connect()
    with conn.cursor(name="c") as cur:
        cur.itersize = 1000
        cur.execute(HUNDRED_K)
        expected = 1
        for i, d, s in cur:
            if (i, d, s) != (expected, expected * 1.5, f"row {expected}"):
                raise AssertionError(f"row {expected}: {(i, d, s)!r}")
            expected += 1
        eq(100001, expected, "rows + 1")
    with conn.cursor(name="c2") as cur:
        cur.execute("select i::int4 as i from generate_series(1, 100) as t(i) where i > %s", (90,))
        eq([(91,), (92,), (93,)], cur.fetchmany(3), "fetchmany")
        eq((94,), cur.fetchone(), "fetchone")
        eq(6, len(cur.fetchall()), "fetchall the rest")
    conn.commit()
    conn.close()


print("done", flush=True)
sys.exit(1 if FAILURES else 0)
