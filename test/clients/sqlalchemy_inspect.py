"""SQLAlchemy's inspector (what Superset, pandas and notebooks use to list tables and columns) against
tollgate's demo tables, through psycopg2. Prints "ok NAME" or "not ok NAME: why" per check, then "done".
Usage: /usr/bin/python3 sqlalchemy_inspect.py HOST PORT DATABASE USER PASSWORD
"""
import sys

import sqlalchemy as sa

host, port, database, user, password = sys.argv[1:6]
engine = sa.create_engine(f"postgresql+psycopg2://{user}:{password}@{host}:{port}/{database}")
failed = False


def check(name, fn):
    global failed
    try:
        fn()
        print(f"ok {name}")
    except Exception as e:  # noqa: BLE001 - every failure is reported, none stops the run
        failed = True
        print(f"not ok {name}: {type(e).__name__}: {e}".replace("\n", " "))


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


insp = sa.inspect(engine)


def schemas():
    expect("lake" in insp.get_schema_names(), insp.get_schema_names())


def tables():
    expect(sorted(insp.get_table_names(schema="lake")) == ["bookings", "hotels", "searches"], insp.get_table_names(schema="lake"))


def columns():
    cols = insp.get_columns("bookings", schema="lake")
    by_name = {c["name"]: c for c in cols}
    expect(len(cols) == 14, [c["name"] for c in cols])
    expect(isinstance(by_name["booking_id"]["type"], sa.BigInteger), by_name["booking_id"]["type"])
    expect(isinstance(by_name["price_usd"]["type"], sa.Numeric) and by_name["price_usd"]["type"].scale == 2, by_name["price_usd"]["type"])
    expect(isinstance(by_name["booked_at"]["type"], sa.DateTime), by_name["booked_at"]["type"])
    expect(all(c.get("comment") for c in cols), "every column has its comment")


def keys_and_comment():
    expect(insp.get_pk_constraint("hotels", schema="lake")["constrained_columns"] == [], "no primary key")
    expect(insp.get_foreign_keys("bookings", schema="lake") == [], "no foreign keys")
    expect("Hotels" in (insp.get_table_comment("hotels", schema="lake")["text"] or ""), "table comment")


def bound_query():
    with engine.connect() as c:
        n = c.execute(sa.text("select count(*) from lake.hotels where star_rating >= :s"), {"s": 4}).scalar()
        total = c.execute(sa.text("select count(*) from lake.hotels")).scalar()
        expect(0 < n < total, (n, total))


check("inspector_schemas", schemas)
check("inspector_tables", tables)
check("inspector_columns", columns)
check("inspector_keys_and_comment", keys_and_comment)
check("bound_parameter_query", bound_query)
print("done")
sys.exit(1 if failed else 0)
