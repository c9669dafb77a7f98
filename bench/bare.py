"""The bare reference route: a Flask app rendering a 50-row, 8-column table of constant data.

Served by gunicorn next to the real app with the same worker settings (`gunicorn bench.bare:app`), so
the driver can compare every Yinjian page with what Flask + Jinja alone does on this machine, in the
same run. No database, no session, no extensions: the cost of the stack, not of the app.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from flask import Flask, render_template

ROOT = Path(__file__).resolve().parent.parent

app = Flask(__name__, template_folder=str(Path(__file__).resolve().parent / "bare_templates"),
            static_folder=str(ROOT / "app" / "static"))

SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军"]
# Objects, not dicts: Jinja tries attribute access first (see shared/performance.md).
ROWS = [
    SimpleNamespace(
        id=1000 + i,
        tier="ABC"[i % 3],
        name=SURNAMES[i % 10] + "*" * len(GIVEN[(i * 7) % 10]),
        mobile=f"1{38 + i % 2}****{1000 + i * 37 % 9000:04d}",
        status=("潜在客户", "客户", "休眠", "流失")[i % 4],
        source=("到店", "电话", "客户转介绍", "合作方转介绍", "外拓")[i % 5],
        owner=("张伟", "李强", "刘洋")[i % 3],
        updated=f"2026-11-{1 + i % 28:02d}",
    )
    for i in range(50)
]
NAV = [SimpleNamespace(label=label, url=url) for label, url in (("我的一天", "/"), ("客户", "/bare"))]


@app.route("/bare")
def bare():
    return render_template("bare_table.html", rows=ROWS, nav=NAV)
