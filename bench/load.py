"""Build (or reuse) the benchmark database: 10 branches, 100,000 customers, 1,000,000 activities, 100,000
appointments and 300,000 follow-ups.

    .venv/bin/python bench/load.py [--db sqlite|postgres] [--reload] [--customers 100000]

SQLite goes to bench/data/bench.db. PostgreSQL uses the server named by DATABASE_URL but always the
dedicated database `yinjian_bench` (or BENCH_PG_DATABASE; created through the `postgres` maintenance database);
no other database is touched. --customers builds a smaller database for smoke runs (10 activities each). The schema comes from the app's migrations (`flask db upgrade`), the rows from
app.demo_data, inserted in bulk (Core executemany on SQLite, COPY on PostgreSQL). A database whose
row counts and migration head match the manifest is reused; --reload rebuilds it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import lobby_data  # noqa: E402
import schedule_data  # noqa: E402

LOADER_VERSION = 10  # bump when what the loader writes changes, so old databases are rebuilt
SEED = 20261123
CHUNK = 20_000


def log(message: str) -> None:
    print(f"[load] {message}", flush=True)


# ---------------------------------------------------------------- database lifecycle


def _pg_admin_connect(server_url: str):
    import psycopg
    from common import with_database

    url = with_database(server_url, "postgres").replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(url, autocommit=True)


def drop_and_create(kind: str) -> None:
    if kind == "sqlite":
        common.DATA_DIR.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            path = Path(str(common.SQLITE_PATH) + suffix)
            if path.exists():
                path.unlink()
        return
    name = common.PG_DATABASE
    with _pg_admin_connect(common.pg_server_url()) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_exists(kind: str) -> bool:
    if kind == "sqlite":
        return common.SQLITE_PATH.exists()
    with _pg_admin_connect(common.pg_server_url()) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (common.PG_DATABASE,)).fetchone() is not None


def make_app():
    from app import create_app
    from app.core.config import Config

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]

    return create_app(BenchConfig)


def migration_head() -> str:
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(common.APP_DIR / "migrations"))
    return ScriptDirectory.from_config(cfg).get_current_head()


def current_counts() -> dict:
    from sqlalchemy import text

    from app.core.extensions import db

    counts = {}
    for table in ("branch", "user", "customer", "activity", "introduction", "referral", "appointment", "follow_up",
                  "walk_in"):
        counts[table] = db.session.execute(text(f'SELECT count(*) FROM "{table}"')).scalar()
    counts["alembic"] = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return counts


FULL_SIZE = common.BRANCHES * common.CUSTOMERS_PER_BRANCH


def expected_counts(customers: int = FULL_SIZE) -> dict:
    return {"branch": common.BRANCHES, "customer": customers, "activity": activities_for(customers),
            "appointment": appointments_for(customers),
            "follow_up": schedule_data.FOLLOW_UPS_PER_CUSTOMER * customers,
            "walk_in": walk_ins_for(customers)}


def walk_ins_for(customers: int) -> int:
    per_branch = lobby_data.WALK_INS_PER_BRANCH * customers // FULL_SIZE // lobby_data.DAYS * lobby_data.DAYS
    queue = lobby_data.QUEUE_WAITING + lobby_data.QUEUE_SERVING + lobby_data.QUEUE_DONE
    return (per_branch + queue) * common.BRANCHES


def appointments_for(customers: int) -> int:
    return schedule_data.APPOINTMENTS_PER_BRANCH * common.BRANCHES * customers // FULL_SIZE


def activities_for(customers: int) -> int:
    return common.ACTIVITIES * customers // FULL_SIZE


# ---------------------------------------------------------------- bulk insert


def _naive_utc(value):
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def bulk_insert(conn, table, rows: list[dict]) -> None:
    """Insert dict rows: COPY on PostgreSQL, Core executemany on SQLite."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        columns = list(rows[0])
        json_columns = {c for c in columns if table.c[c].type.__class__.__name__ == "JSON"}
        raw = conn.connection.driver_connection
        names = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(tuple(json.dumps(row[c], ensure_ascii=False) if c in json_columns
                                     else _naive_utc(row[c]) for c in columns))
    else:
        for start in range(0, len(rows), CHUNK):
            conn.execute(table.insert(), rows[start:start + CHUNK])


# ---------------------------------------------------------------- the data


def build(kind: str, customers: int = FULL_SIZE) -> dict:
    """Schema through the migrations, then org, customers, history and activities. Returns facts."""
    from faker import Faker
    from flask_migrate import upgrade
    from sqlalchemy import event, select

    from app.auth.passwords import hash_password
    from app.core.demo_data import UniqueMobiles, activity_rows, customer_rows
    from app.core.extensions import db
    from app.customers.name_keys import key_rows
    from app.models import Activity, AuditEvent, Branch, Customer, CustomerNameKey, Team, TierChange, User
    from app.models.tally import recount

    app = make_app()
    timings: dict[str, float] = {}
    with app.app_context():
        t0 = time.perf_counter()
        upgrade(directory=str(common.APP_DIR / "migrations"))
        timings["migrate"] = time.perf_counter() - t0

        db.session.remove()
        db.engine.dispose()

        @event.listens_for(db.engine, "connect")
        def _fast_load(dbapi_connection, _record) -> None:
            # Loading only: the bench database can be rebuilt, so durability is not needed here.
            cursor = dbapi_connection.cursor()
            if kind == "sqlite":
                for pragma in ("synchronous=OFF", "cache_size=-1000000", "temp_store=MEMORY"):
                    cursor.execute(f"PRAGMA {pragma}")
            else:
                cursor.execute("SET synchronous_commit = off")
            cursor.close()

        # Organisation: per branch one team, three managers, a supervisor and a lobby clerk.
        t0 = time.perf_counter()
        now = datetime.now(UTC)
        password_hash = hash_password(common.PASSWORD)
        branches = [Branch(code=f"BR{b:02d}", name=f"第{b}支行", created_at=now) for b in range(1, common.BRANCHES + 1)]
        db.session.add_all(branches)
        db.session.flush()
        org = []
        for b, branch in enumerate(branches, start=1):
            team = Team(branch_id=branch.id, name=f"第{b}支行营销团队")
            db.session.add(team)
            db.session.flush()
            managers = [User(username=f"bench{b:02d}m{k}", display_name=f"经理{b:02d}-{k}", employee_no=f"B{b:02d}M{k}",
                             role="manager", specialty="wealth", branch_id=branch.id, team_id=team.id,
                             password_hash=password_hash, language="zh_Hans_CN", created_at=now)
                        for k in range(1, common.MANAGERS_PER_BRANCH + 1)]
            supervisor = User(username=f"bench{b:02d}s", display_name=f"主管{b:02d}", employee_no=f"B{b:02d}S",
                              role="supervisor", branch_id=branch.id, team_id=team.id,
                              password_hash=password_hash, language="zh_Hans_CN", created_at=now)
            lobby = User(username=f"bench{b:02d}l", display_name=f"大堂{b:02d}", employee_no=f"B{b:02d}L",
                         role="lobby", branch_id=branch.id, password_hash=password_hash, language="zh_Hans_CN",
                         created_at=now)
            db.session.add_all([*managers, supervisor, lobby])
            db.session.flush()
            team.leader_id = supervisor.id
            org.append((branch, managers, supervisor))
        db.session.flush()
        timings["org"] = time.perf_counter() - t0

        # Customers: 10,000 per branch from the demo generator (names, encrypted numbers, blind indexes).
        t0 = time.perf_counter()
        rng = random.Random(SEED)
        faker = Faker("zh_CN")
        faker.seed_instance(SEED)
        mobiles = UniqueMobiles(rng)
        conn = db.session.connection()
        if kind != "sqlite":
            # Row triggers keep customer_tally; 10,000 updates of one tally row in one transaction grow a
            # long version chain, so a bulk load turns them off and recounts once at the end.
            conn.exec_driver_sql("ALTER TABLE customer DISABLE TRIGGER USER")
        gen_seconds = 0.0
        for branch, managers, supervisor in org:
            g0 = time.perf_counter()
            rows = list(customer_rows(branch_id=branch.id, owner_ids=[m.id for m in managers],
                                      creator_id=supervisor.id, count=customers // common.BRANCHES, rng=rng,
                                      faker=faker, mobiles=mobiles, now=now))
            gen_seconds += time.perf_counter() - g0
            bulk_insert(conn, Customer.__table__, rows)
        if kind != "sqlite":
            conn.exec_driver_sql("ALTER TABLE customer ENABLE TRIGGER USER")
            recount(conn)
        timings["customers"] = time.perf_counter() - t0
        timings["customers_generate"] = gen_seconds

        # What create_customer leaves behind for each customer: its name search keys, the first tier decision
        # and the audit row.
        t0 = time.perf_counter()
        created = conn.execute(select(Customer.id, Customer.branch_id, Customer.owner_id, Customer.created_at,
                                      Customer.created_by_id, Customer.tier, Customer.kind, Customer.source,
                                      Customer.status, Customer.name).order_by(Customer.id)).all()
        for start in range(0, len(created), CHUNK):
            bulk_insert(conn, CustomerNameKey.__table__,
                        key_rows((c.id, c.branch_id, c.owner_id, c.name) for c in created[start:start + CHUNK]))
        timings["name_keys"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        tier_rows, audit_rows = [], []
        for c in created:
            tier_rows.append({"customer_id": c.id, "from_tier": None, "to_tier": c.tier, "suggested_tier": c.tier,
                              "reason": "按分层规则建议", "user_id": c.created_by_id, "at": c.created_at})
            audit_rows.append({"at": c.created_at, "actor_id": c.created_by_id, "actor_role": "supervisor",
                               "branch_id": c.branch_id, "action": "customer_create", "subject_type": "customer",
                               "subject_id": c.id, "customer_id": c.id, "ip": None,
                               "details": {"fields": {"kind": c.kind, "source": c.source, "status": c.status}}})
        bulk_insert(conn, TierChange.__table__, tier_rows)
        bulk_insert(conn, AuditEvent.__table__, audit_rows)
        del tier_rows, audit_rows
        timings["history"] = time.perf_counter() - t0

        # Activities: exactly 1,000,000 (10 per customer), each given to a random customer (Poisson-like).
        t0 = time.perf_counter()
        per_customer = [0] * len(created)
        for index in rng.choices(range(len(created)), k=activities_for(customers)):
            per_customer[index] += 1
        batch: list[dict] = []
        for c, count in zip(created, per_customer, strict=True):
            if count:
                batch.extend(activity_rows(customer_id=c.id, branch_id=c.branch_id, user_id=c.owner_id, count=count,
                                           rng=rng, since=c.created_at, now=now))
            if len(batch) >= 100_000:
                bulk_insert(conn, Activity.__table__, batch)
                batch = []
        bulk_insert(conn, Activity.__table__, batch)
        timings["activities"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        load_referrals(conn, org, created, rng, now)
        timings["referrals"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        load_schedule(conn, created, rng, now, appointments_for(customers))
        timings["schedule"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        load_walk_ins(conn, org, created, rng, now, walk_ins_for(customers) // common.BRANCHES)
        timings["walk_ins"] = time.perf_counter() - t0
        db.session.commit()

        t0 = time.perf_counter()
        if kind == "sqlite":
            raw = db.engine.raw_connection()  # autocommit (isolation_level None): no BEGIN around these
            try:
                raw.driver_connection.execute("ANALYZE")
                raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.close()
        else:
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c2:
                # FREEZE: every page all-visible at once, so list counts get index-only scans from the start
                # (a plain VACUUM right after COPY left the visibility map unset and counts read the heap).
                c2.exec_driver_sql("VACUUM (FREEZE, ANALYZE)")
        timings["analyze"] = time.perf_counter() - t0
        facts = describe()
        db.session.remove()
        db.engine.dispose()
    facts["timings"] = {k: round(v, 2) for k, v in timings.items()}
    return facts


def load_referrals(conn, org, created, rng: random.Random, now: datetime) -> None:
    """Partners, introductions (branch 1 holds the 5,000-customer tree) and internal referrals, per branch."""
    import referral_data
    from sqlalchemy import select, text

    from app.introducers import tally
    from app.models import CustomerShare, Introduction, Partner, Referral

    by_branch: dict[int, list] = {}
    for c in created:
        by_branch.setdefault(c.branch_id, []).append(c)
    for number, (branch, managers, _supervisor) in enumerate(org):
        owner_ids = [m.id for m in managers]
        bulk_insert(conn, Partner.__table__, referral_data.partner_rows(branch.id, owner_ids, rng, now))
        partner_ids = list(conn.scalars(select(Partner.id).where(Partner.branch_id == branch.id)))
        customers_here = by_branch.get(branch.id, [])
        bulk_insert(conn, Introduction.__table__,
                    referral_data.introduction_rows(customers_here, partner_ids, rng, with_tree=number == 0))
        referrals, shares = referral_data.referral_rows(customers_here, owner_ids, rng, now)
        bulk_insert(conn, Referral.__table__, referrals)
        bulk_insert(conn, CustomerShare.__table__, list({(s["customer_id"], s["user_id"]): s for s in shares}.values()))
    for statement in tally.RECOUNT:  # bulk rows bypass the app's upkeep of each introducer's yield
        conn.execute(text(statement))


def load_schedule(conn, created, rng: random.Random, now: datetime, appointments: int) -> None:
    """Appointments (each branch's share, spread over its managers) and three follow-ups per customer."""
    from app.models import Appointment, FollowUp

    by_branch: dict[int, dict[int, list]] = {}
    for c in created:
        by_branch.setdefault(c.branch_id, {}).setdefault(c.owner_id, []).append(c)
    for branch_id in sorted(by_branch):
        bulk_insert(conn, Appointment.__table__, schedule_data.appointment_rows(
            by_branch[branch_id], rng, now, appointments // len(by_branch)))
    for start in range(0, len(created), CHUNK):
        bulk_insert(conn, FollowUp.__table__, schedule_data.follow_up_rows(created[start:start + CHUNK], rng, now))


def load_walk_ins(conn, org, created, rng: random.Random, now: datetime, per_branch: int) -> None:
    """Each branch's past walk-ins (lobby_data) and the queue of the load's day, logged by its lobby clerk."""
    from sqlalchemy import select

    from app.models import User, WalkIn

    by_branch: dict[int, list] = {}
    for c in created:
        by_branch.setdefault(c.branch_id, []).append(c)
    for branch, managers, _supervisor in org:
        lobby_id = conn.scalar(select(User.id).where(User.branch_id == branch.id, User.role == "lobby"))
        rows = lobby_data.walk_in_rows(branch.id, by_branch[branch.id], lobby_id, [m.id for m in managers], rng, now)
        for start in range(0, len(rows), CHUNK):
            bulk_insert(conn, WalkIn.__table__, rows[start:start + CHUNK])
        assert len(rows) == per_branch, (len(rows), per_branch)


# Common names and their pinyin: the pinyin search term is the one of these branch 1 has most of.
PINYIN = {"张伟": "zhangwei", "王伟": "wangwei", "王芳": "wangfang", "李伟": "liwei", "李娜": "lina",
          "张敏": "zhangmin", "李静": "lijing", "王静": "wangjing", "刘伟": "liuwei", "王秀英": "wangxiuying",
          "张丽": "zhangli", "李强": "liqiang", "王磊": "wanglei", "张静": "zhangjing", "李敏": "limin"}


def contains_term(names: list[str]) -> tuple[str, int]:
    """The commonest given name of two characters that starts no name (so only a 'contains' search finds it),
    and how many names contain it."""
    given: dict[str, int] = {}
    for name in names:
        if len(name) == 3:
            given[name[1:]] = given.get(name[1:], 0) + 1
    starts = {name[:2] for name in names}
    for term, _count in sorted(given.items(), key=lambda kv: (-kv[1], kv[0])):
        if term not in starts:
            return term, sum(term in name for name in names)
    return "小明", sum("小明" in name for name in names)


def describe() -> dict:
    """What the benchmark driver needs: counts, the users of branch 1, ids, 尾号 and search terms that exist there."""
    from sqlalchemy import select

    from app.core.extensions import db
    from app.models import Customer, User

    branch1 = db.session.scalar(select(User.branch_id).where(User.username == "bench01m1"))
    users: dict[str, list[str]] = {}
    for username, role in db.session.execute(select(User.username, User.role).where(User.branch_id == branch1)
                                             .order_by(User.username)):
        users.setdefault(role, []).append(username)
    active = (Customer.branch_id == branch1, Customer.archived_at.is_(None))
    ids = list(db.session.scalars(select(Customer.id).where(*active).order_by(Customer.id)))
    rng = random.Random(7)
    sample_ids = rng.sample(ids, min(2000, len(ids)))
    last4 = list(db.session.scalars(select(Customer.mobile_last4).where(*active).order_by(Customer.id).limit(5000)))
    sample_last4 = rng.sample(sorted(set(last4)), min(200, len(set(last4))))
    rows = db.session.execute(select(Customer.name, Customer.name_search, Customer.tier).where(*active)).all()
    surname = "王"
    term, term_hits = contains_term([r.name for r in rows])
    name_counts: dict[str, int] = {}
    for r in rows:
        name_counts[r.name] = name_counts.get(r.name, 0) + 1
    pinyin_name = max(PINYIN, key=lambda n: (name_counts.get(n, 0), n))
    booker = users["manager"][0]
    booker_customers = list(db.session.scalars(
        select(Customer.id).join(User, User.id == Customer.owner_id)
        .where(User.username == booker, *active).order_by(Customer.id)))
    users["booker"] = [booker]  # the booking benchmark signs every client in as this one manager
    # The lobby's look-ups type full mobiles of branch 1's customers; its submits log non-A customers (an A-tier
    # walk-in alerts the owner, which the submit benchmark leaves out).
    lookup_rows = db.session.execute(select(Customer.id, Customer.mobile_enc, Customer.tier)
                                     .where(*active, Customer.mobile_enc.is_not(None)).order_by(Customer.id)
                                     .limit(400)).all()
    from app.core.privacy import decrypt_pfi

    lobby_mobiles = [decrypt_pfi("mobile", r.mobile_enc) for r in lookup_rows[:200]]
    lobby_customers = [r.id for r in lookup_rows if r.tier != "A"][:200]
    counts = current_counts()
    return {
        "booker_customer_ids": booker_customers,
        "lobby_mobiles": lobby_mobiles,
        "lobby_customer_ids": lobby_customers,
        "counts": counts,
        "branch1_id": branch1,
        "branch1_customers": len(ids),
        "client_users": users["manager"],
        "users": users,
        "password": common.PASSWORD,
        "customer_ids": sample_ids,
        "last4": sample_last4,
        "surname": surname,
        "surname_hits": sum(r.name_search.startswith(surname) for r in rows),
        "contains_term": term,
        "contains_hits": term_hits,
        "pinyin_name": pinyin_name,
        "pinyin_term": PINYIN[pinyin_name],
        "pinyin_hits": name_counts.get(pinyin_name, 0),
        "tier_a_hits": sum(r.tier == "A" for r in rows),
        "last_page": max(1, -(-len(ids) // 50)),
        "tree_root_id": ids[0] if ids else None,  # referral_data: branch 1's first customer roots 5,000
    }


# What the booking benchmark wrote (its offers lie years after the loaded calendar); run.py also runs this
# before each booking run, so every run books free times.
BOOKED_BY_THE_BENCHMARK = f"DELETE FROM appointment WHERE start_at >= '{schedule_data.BOOKING_FROM.isoformat()}'"


def reset_runtime_rows() -> None:
    """Forget what earlier benchmark runs wrote (sessions, sign-ins, page-view audits)."""
    from sqlalchemy import delete, text

    from app.core.extensions import db
    from app.models import AuditEvent, LoginFailure, UserSession

    db.session.execute(delete(AuditEvent).where(AuditEvent.action != "customer_create"))
    db.session.execute(text(BOOKED_BY_THE_BENCHMARK))
    db.session.execute(text(lobby_data.SUBMITTED_BY_THE_BENCHMARK))
    db.session.execute(delete(UserSession))
    db.session.execute(delete(LoginFailure))
    db.session.commit()


def load(kind: str, *, reload: bool = False, customers: int = FULL_SIZE) -> dict:
    """Reuse or build the database; returns the manifest (also written to bench/data)."""
    os.environ.update(common.app_env(kind))
    common.add_root_to_path()
    target = common.safe_url(os.environ["DATABASE_URL"])
    manifest = common.read_manifest(kind)
    head = migration_head()
    fingerprint = common.schema_fingerprint()
    same_schema = manifest and manifest.get("schema") == fingerprint and manifest.get("loader_version") == LOADER_VERSION
    if manifest and not same_schema and not reload:
        log(f"{kind}: the migrations or the loader changed since the database was built; rebuilding")
    if manifest and same_schema and manifest.get("url") != target:
        same_schema = False  # the manifest describes another database (BENCH_PG_DATABASE changed)
    if not reload and same_schema and database_exists(kind):
        t0 = time.perf_counter()
        app = make_app()
        with app.app_context():
            try:
                reset_runtime_rows()  # before counting: the booking benchmark's appointments are not the load's
                counts = current_counts()
            except Exception as exc:  # noqa: BLE001 - any problem means: rebuild
                counts = {"error": str(exc)}
            want = expected_counts(customers)
            if all(counts.get(k) == v for k, v in want.items()) and counts.get("alembic") == head:
                from app.core.extensions import db

                db.session.remove()
                db.engine.dispose()
                log(f"{kind}: reused {target} ({counts['customer']:,} customers, {counts['activity']:,} "
                    f"activities; built in {manifest['load_seconds']:.1f} s on {manifest['loaded_at']}); "
                    f"checked in {time.perf_counter() - t0:.1f} s. Use --reload to rebuild.")
                manifest["reused"] = True
                return manifest
            log(f"{kind}: existing database does not match ({counts}); rebuilding")
    log(f"{kind}: building {target} ...")
    t0 = time.perf_counter()
    drop_and_create(kind)
    facts = build(kind, customers)
    seconds = time.perf_counter() - t0
    manifest = {"loader_version": LOADER_VERSION, "schema": fingerprint, "code": common.code_version(),
                "kind": kind, "url": target, "load_seconds": round(seconds, 1),
                "loaded_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), **facts}
    common.DATA_DIR.mkdir(parents=True, exist_ok=True)
    common.manifest_path(kind).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    verdict = "under" if seconds < 180 else "OVER"
    log(f"{kind}: loaded {facts['counts']['customer']:,} customers and {facts['counts']['activity']:,} activities "
        f"in {seconds:.1f} s ({verdict} the 3-minute budget); steps: {facts['timings']}")
    manifest["reused"] = False
    return manifest


def customer_count(value: str) -> int:
    """--customers: whole hundreds per branch, so every branch has the same number and a last page."""
    count = int(value.replace(",", "").replace("_", ""))
    if count <= 0 or count % (common.BRANCHES * 100):
        raise argparse.ArgumentTypeError(f"a positive multiple of {common.BRANCHES * 100}, not {value}")
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres"), action="append",
                        help="database(s) to load (default: sqlite, plus postgres when DATABASE_URL is set)")
    parser.add_argument("--reload", action="store_true", help="rebuild even if a matching database exists")
    parser.add_argument("--app-dir", type=Path, help="use the app (models, migrations) of another checkout")
    parser.add_argument("--pg-database", help=f"PostgreSQL database to build (default {common.PG_DATABASE})")
    parser.add_argument("--customers", type=customer_count, default=FULL_SIZE,
                        help=f"customers in all (default {FULL_SIZE:,}); fewer for smoke runs, a multiple of "
                        f"{common.BRANCHES * 100}")
    args = parser.parse_args(argv)
    common.set_app_dir(args.app_dir)
    if args.pg_database:
        common.PG_DATABASE = args.pg_database
    kinds = args.db or (["sqlite", "postgres"] if common.pg_server_url() else ["sqlite"])
    if len(kinds) > 1:
        # app.config reads the environment once per process: one database per process.
        for kind in kinds:
            cmd = [sys.executable, __file__, "--db", kind, "--customers", str(args.customers),
                   *(["--reload"] if args.reload else []), *(["--app-dir", str(args.app_dir)] if args.app_dir else []),
                   *(["--pg-database", args.pg_database] if args.pg_database else [])]
            rc = subprocess.run(cmd, check=False).returncode
            if rc:
                return rc
        return 0
    manifest = load(kinds[0], reload=args.reload, customers=args.customers)
    return 0 if manifest.get("reused") or manifest["load_seconds"] < 180 else 1


if __name__ == "__main__":
    sys.exit(main())
