"""axe-core in the browser journeys: WCAG 2.1 A/AA and best practice on every page a journey visits.

axe comes from the npm registry (tests/e2e/package.json, installed by `make test`), for the tests only:
it is never served to users. It is evaluated through Playwright's page.evaluate (the DevTools protocol),
which the page's CSP does not govern, so the CSP stays exactly as users get it and the CSP listener keeps
listening. Serious and critical violations fail the test; moderate and minor ones go to
tests/artifacts/axe-report.md (and .json), which CI keeps as an artefact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

E2E_DIR = Path(__file__).resolve().parent
AXE_JS = E2E_DIR / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING = {"serious", "critical"}

_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""


@dataclass
class Finding:
    where: str  # test, path and viewport
    rule: str
    impact: str
    help: str
    targets: list[str]
    summaries: list[str]

    def line(self) -> str:
        shown = "; ".join(f"{t} ({s.splitlines()[-1].strip() if s else ''})"
                          for t, s in zip(self.targets[:4], self.summaries[:4], strict=False))
        return f"[{self.impact}] {self.rule}: {self.help} — {shown}"


@dataclass
class AxeReport:
    """Everything axe found below serious, across the run (written once at the end)."""

    pages: int = 0
    findings: list[Finding] = field(default_factory=list)

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "axe-report.json").write_text(json.dumps(
            {"pages_checked": self.pages, "findings": [f.__dict__ for f in self.findings]},
            ensure_ascii=False, indent=1))
        lines = [f"# axe-core: moderate and minor findings ({self.pages} page states checked)", ""]
        if not self.findings:
            lines.append("None.")
        for f in self.findings:
            lines.append(f"- {f.where}: {f.line()}")
        (folder / "axe-report.md").write_text("\n".join(lines) + "\n")


def load_axe() -> str:
    if not AXE_JS.exists():
        raise RuntimeError(f"{AXE_JS} is missing: run `make test` (it runs `npm ci --prefix tests/e2e`)")
    return AXE_JS.read_text()


def viewport_name(page) -> str:
    size = page.viewport_size or {}
    return "phone" if size.get("width", 1280) < 576 else "desktop"


def audit(page, report: AxeReport, test_name: str, state: str = "") -> None:
    """Run axe on the page as it is now; fail on serious or critical violations, report the rest."""
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(load_axe())
    violations = page.evaluate(_RUN, TAGS)
    where = f"{test_name} {urlsplit(page.url).path}{' [' + state + ']' if state else ''} ({viewport_name(page)})"
    report.pages += 1
    failing = []
    for v in violations:
        finding = Finding(where, v["id"], v["impact"] or "minor", v["help"],
                          [n["target"] for n in v["nodes"]], [n["summary"] or "" for n in v["nodes"]])
        (failing if finding.impact in FAILING else report.findings).append(finding)
    assert not failing, f"axe: {len(failing)} serious/critical violation(s) on {where}:\n" + "\n".join(
        f.line() for f in failing)
