"""Turn one benchmark run into figures: targets checked, JSON written, Markdown rendered.

docs/performance.md keeps its hand-written text; only the part between the two markers
below is replaced by each run, so the explanation and the recommendations stay put.
"""

import contextlib
import json
import os
import platform
import re
from datetime import UTC, datetime
from pathlib import Path

from .harness import cpu_per_request

START_MARKER = "<!-- bench:results:start -->"
END_MARKER = "<!-- bench:results:end -->"

# The targets (issue 19).
MIN_RATIO_TO_FLOOR = 0.4
MAX_P95_MS = 100
MAX_SWEEP_RATIO_TO_INSERT = 3
MAX_SWEEP_PEAK_RSS_MB = 300
# Growth: a page's p50 at the largest panel is within this factor of the smallest's.
MAX_GROWTH_P50_RATIO = 1.5
# Growth counts as linear when the time per due assignment at the largest size is no more
# than this many times the time per assignment at the smallest.
MAX_PER_ROW_GROWTH = 1.5
MAX_BULK_ASSIGN_SECONDS = 2.0

GROWTH_PAGES = {
    "my_patients": 'Clinician "My patients" (/patients/)',
    "api_assignments": "GET /api/v1/assignments/ (clinician)",
}

ENDPOINT_KEYS = (
    "label",
    "floor",
    "requests",
    "errors",
    "error_rate",
    "rps",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "ratio_to_floor",
    "meets_targets",
)


def _gibibytes(kilobytes: str) -> str:
    """/proc/meminfo's "24684084 kB" as "23.5 GiB"."""
    number = kilobytes.split()[0] if kilobytes else ""
    return f"{int(number) / 1024 / 1024:.1f} GiB" if number.isdigit() else kilobytes


def machine_info() -> dict:
    meminfo = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            name, _sep, value = line.partition(":")
            meminfo[name] = value.strip()
    cpu_model = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu_model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_total": _gibibytes(meminfo.get("MemTotal", "")),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average_at_start": list(os.getloadavg()),
    }


def _ratio(value: float | None, floor: float | None) -> float | None:
    if not value or not floor:
        return None
    return round(value / floor, 2)


def evaluate(results: dict) -> dict:
    """Fill in ratios and which targets each figure meets. Returns `results`, changed."""
    floors = results.get("floors", {})
    for endpoint in results.get("endpoints", {}).values():
        floor = floors.get(endpoint.get("floor") or "", {})
        # The floor runs right before and after this endpoint when the run recorded them.
        floor_rps = endpoint.get("floor_rps") or floor.get("rps")
        endpoint["ratio_to_floor"] = _ratio(endpoint.get("rps"), floor_rps)
        endpoint["meets_targets"] = bool(
            endpoint["ratio_to_floor"] is not None
            and endpoint["ratio_to_floor"] >= MIN_RATIO_TO_FLOOR
            and endpoint.get("p95_ms") is not None
            and endpoint["p95_ms"] <= MAX_P95_MS
            and endpoint.get("errors") == 0
        )
    sweep = results.get("sweep")
    if sweep and sweep.get("runs"):
        runs = sorted(sweep["runs"], key=lambda run: run["due"])
        for run in runs:
            run["ratio_to_insert"] = _ratio(run["seconds"], run["insert_seconds"])
            run["ms_per_1000"] = round(1000 * run["seconds"] / run["due"] * 1000, 1)
            run["meets_targets"] = bool(
                run["ratio_to_insert"] is not None
                and run["ratio_to_insert"] <= MAX_SWEEP_RATIO_TO_INSERT
                and run.get("peak_rss_mb") is not None
                and run["peak_rss_mb"] < MAX_SWEEP_PEAK_RSS_MB
                and run.get("created") == run["due"]
            )
        smallest, largest = runs[0], runs[-1]
        growth = (
            (largest["seconds"] / largest["due"]) / (smallest["seconds"] / smallest["due"])
            if smallest["seconds"]
            else None
        )
        sweep["per_row_growth"] = round(growth, 2) if growth is not None else None
        sweep["linear"] = growth is not None and growth <= MAX_PER_ROW_GROWTH
    growth = results.get("growth")
    if growth and growth.get("sizes"):
        growth["pages"] = {}
        for page in GROWTH_PAGES:
            figures = [size[page] for size in growth["sizes"].values() if page in size]
            p50s = [figure["p50_ms"] for figure in figures if figure.get("p50_ms")]
            queries = {figure.get("queries") for figure in figures}
            spread = round(max(p50s) / min(p50s), 2) if len(p50s) == len(figures) else None
            growth["pages"][page] = {
                "p50_spread": spread,
                "same_queries": len(queries) == 1 and None not in queries,
                "meets_targets": bool(
                    spread is not None
                    and spread <= MAX_GROWTH_P50_RATIO
                    and len(queries) == 1
                    and None not in queries
                    and not growth.get("errors")
                ),
            }
    bulk = results.get("bulk_assign")
    if bulk and bulk.get("seconds") is not None:
        counts = list((bulk.get("query_counts") or {}).values())
        bulk["constant_queries"] = len(set(counts)) == 1 if len(counts) > 1 else None
        bulk["meets_targets"] = bool(
            bulk["seconds"] < MAX_BULK_ASSIGN_SECONDS
            and bulk.get("constant_queries")
            and bulk.get("created") == bulk.get("patients")
        )
    return results


def _cell(value, suffix: str = "") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        value = f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"
    elif isinstance(value, int):
        value = f"{value:,}"
    return f"{value}{suffix}"


def _yes_no(value) -> str:
    if value is None:
        return "n/a"
    return "yes" if value else "**no**"


def _data_line(seeded: dict) -> str:
    statuses = seeded.get("assignments_by_status") or {}
    return (
        f"- Seeded: {_cell(seeded.get('clinicians'))} clinicians, "
        f"{_cell(seeded.get('care_team_links'))} care-team links, "
        f"{_cell(seeded.get('modules'))} published modules; assignments "
        + ", ".join(f"{status} {_cell(count)}" for status, count in sorted(statuses.items()))
        + f"; {_cell(seeded.get('section_progress'))} section views, "
        f"{_cell(seeded.get('check_attempts'))} check attempts, "
        f"{_cell(seeded.get('questions'))} questions, {_cell(seeded.get('replies'))} replies, "
        f"{_cell(seeded.get('notifications'))} notifications."
    )


def _cpu_lines(results: dict) -> list[str]:
    """Server CPU per request of each endpoint next to its floor's, when the run measured it."""
    endpoints = [
        endpoint
        for endpoint in results.get("endpoints", {}).values()
        if endpoint.get("cpu_ms_per_request")
    ]
    if not endpoints:
        return []
    lines = [
        "",
        'Server CPU per request, in milliseconds: the gunicorn processes ("app"), PostgreSQL '
        "and Redis, from /proc before and after each load run, divided by its requests. The "
        "floor's is the mean of its runs next to the endpoint. The two cores are shared by the "
        "server, the database and the load generator, so throughput follows the CPU a request "
        "costs: × floor req/s is close to the floor's CPU ÷ the endpoint's. After each run the "
        "tables it wrote are vacuumed and a checkpoint taken, so that upkeep is not charged to "
        'the next run; "upkeep after" is its CPU, per request of the run, and is not in the '
        "other columns.",
        "",
        "| endpoint | app | PostgreSQL | Redis | total | floor total | floor ÷ endpoint "
        "| upkeep after |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for endpoint in endpoints:
        cpu = endpoint["cpu_ms_per_request"]
        floor_total = (endpoint.get("floor_cpu_ms_per_request") or {}).get("total")
        upkeep = (endpoint.get("maintenance_after") or {}).get("cpu_seconds") or {}
        upkeep_ms = cpu_per_request(upkeep, endpoint.get("requests") or 0) if upkeep else None
        lines.append(
            f"| {endpoint['label']} | {_cell(cpu['app'])} | {_cell(cpu['database'])} "
            f"| {_cell(cpu['redis'])} | {_cell(cpu['total'])} | {_cell(floor_total)} "
            f"| {_cell(_ratio(floor_total, cpu['total']))} "
            f"| {_cell((upkeep_ms or {}).get('total'))} |"
        )
    return lines


def _growth_lines(growth: dict | None) -> list[str]:
    if not growth or not growth.get("sizes"):
        return []
    sizes = growth["sizes"]
    lines = [
        "",
        "#### Growth: one clinician's panel in the same clinic",
        "",
        "p50 of sequential requests (the sizes in turn) and the queries of one request.",
        "",
        "| page | "
        + " | ".join(f"{int(size):,} patients: p50 ms / queries" for size in sizes)
        + " | largest p50 ÷ smallest | targets met |",
        "| --- | " + " | ".join("---:" for _size in sizes) + " | ---: | --- |",
    ]
    for page, label in GROWTH_PAGES.items():
        verdict = (growth.get("pages") or {}).get(page, {})
        cells = [
            f"{_cell(size.get(page, {}).get('p50_ms'))} / {_cell(size.get(page, {}).get('queries'))}"
            for size in sizes.values()
        ]
        lines.append(
            f"| {label} | {' | '.join(cells)} | {_cell(verdict.get('p50_spread'))} "
            f"| {_yes_no(verdict.get('meets_targets'))} |"
        )
    if growth.get("errors"):
        lines += ["", f"Errors during the growth requests: {growth['errors']}."]
    return lines


def render_markdown(results: dict) -> str:
    """The figures of one run as Markdown (the part between the markers)."""
    lines = [START_MARKER, ""]
    run = results.get("run", {})
    machine = results.get("machine", {})
    lines += [
        f"### Latest run: {run.get('finished_at', 'n/a')}",
        "",
        f"- Machine: {machine.get('nproc')} cores ({machine.get('cpu_model') or 'unknown CPU'}), "
        f"{machine.get('memory_total')} memory; load average "
        f"{', '.join(f'{v:.1f}' for v in machine.get('load_average_at_start', []))} at the "
        f"start and {', '.join(f'{v:.1f}' for v in machine.get('load_average_at_end', []))} "
        "at the end (the machine is shared).",
        f"- {machine.get('postgresql', 'PostgreSQL ?')}; Redis {machine.get('redis', '?')}; "
        f"Python {machine.get('python')}; gunicorn {run.get('gunicorn')}; locust {run.get('locust')}.",
        f"- Server: gunicorn, {run.get('workers')} sync workers, the production settings "
        "(portal.settings.bench: DEBUG off, hashed static files, HTTPS via the proxy header), "
        f"CONN_MAX_AGE={run.get('conn_max_age')}. Load: locust, {run.get('users')} concurrent "
        f"users without pauses, {run.get('seconds')} s per run after a warm-up, each endpoint "
        f"run {run.get('rounds', 1)} times in turn with the others, "
        "from a separate process on 127.0.0.1.",
        f"- Data: {_cell(results.get('seed', {}).get('patients'))} patients, "
        f"{_cell(results.get('seed', {}).get('assignments'))} assignments "
        f"(seeded in {_cell(results.get('seed', {}).get('seconds'))} s), "
        f"whole run {_cell(run.get('total_seconds'))} s.",
        _data_line(results.get("seed", {})),
        f"- Command: `{run.get('command', 'make bench')}`",
        "",
        "#### Endpoints",
        "",
        "| endpoint | req/s | p50 ms | p95 ms | p99 ms | errors | floor req/s | × floor "
        "| × floor, each run | targets met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    floors = results.get("floors", {})
    for endpoint in results.get("endpoints", {}).values():
        floor_rps = endpoint.get("floor_rps") or floors.get(endpoint.get("floor") or "", {}).get(
            "rps"
        )
        lines.append(
            f"| {endpoint['label']} | {_cell(endpoint.get('rps'))} | {_cell(endpoint.get('p50_ms'))} "
            f"| {_cell(endpoint.get('p95_ms'))} | {_cell(endpoint.get('p99_ms'))} "
            f"| {_cell(endpoint.get('errors'))} of {_cell(endpoint.get('requests'))} "
            f"| {_cell(floor_rps)} | {_cell(endpoint.get('ratio_to_floor'))} "
            f"| {', '.join(_cell(r) for r in endpoint.get('round_ratios') or []) or 'n/a'} "
            f"| {_yes_no(endpoint.get('meets_targets'))} |"
        )
    lines += [
        "",
        "Floors: each endpoint is divided by the floor that logs in the same way, measured right "
        'before and right after each of its runs (the mean of those runs is its "floor req/s" '
        "above; each run's own ratio to its two floor runs is in the column after). "
        "This table combines every run of each floor:",
        "",
        "| floor | req/s | p50 ms | p95 ms | p99 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for floor in results.get("floors", {}).values():
        lines.append(
            f"| {floor['label']} | {_cell(floor.get('rps'))} | {_cell(floor.get('p50_ms'))} "
            f"| {_cell(floor.get('p95_ms'))} | {_cell(floor.get('p99_ms'))} "
            f"| {_cell(floor.get('errors'))} of {_cell(floor.get('requests'))} |"
        )
    lines += _cpu_lines(results)
    for missing in results.get("missing", []):
        lines.append(f"\nNot measured: {missing}")
    for note in results.get("notes", []):
        lines.append(f"\nNote: {note}")

    lines += _growth_lines(results.get("growth"))
    sweep = results.get("sweep")
    if sweep:
        lines += [
            "",
            "#### Reminder sweep",
            "",
            f'`run_full_sweep(deliver="{sweep.get("deliver")}")` in a child process at '
            f"{sweep.get('moment')}, against one `INSERT ... SELECT` of as many Notification rows.",
            "",
            "| due assignments | sweep s | ms per 1,000 | plain INSERT s | × INSERT | peak RSS MB | reminders created / handed to delivery | targets met |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
        ]
        for run_row in sweep.get("runs", []):
            lines.append(
                f"| {_cell(run_row['due'])} | {_cell(run_row.get('seconds'))} "
                f"| {_cell(run_row.get('ms_per_1000'))} | {_cell(run_row.get('insert_seconds'))} "
                f"| {_cell(run_row.get('ratio_to_insert'))} | {_cell(run_row.get('peak_rss_mb'))} "
                f"| {_cell(run_row.get('created'))} / {_cell(run_row.get('dispatched'))} "
                f"| {_yes_no(run_row.get('meets_targets'))} |"
            )
        lines += [
            "",
            f"Time per due assignment at the largest size ÷ at the smallest: "
            f"{_cell(sweep.get('per_row_growth'))} (linear: {_yes_no(sweep.get('linear'))}). "
            "The plain INSERT is the best of three attempts.",
        ]
    bulk = results.get("bulk_assign")
    if bulk:
        counts = bulk.get("query_counts") or {}
        request = bulk.get("request") or {}
        lines += [
            "",
            "#### Bulk assignment",
            "",
            f"One module to {_cell(bulk.get('patients'))} patients in one request, "
            f"{request.get('through', 'n/a')}: HTTP {request.get('status', 'n/a')}, "
            f"{_cell(request.get('seconds'))} s, {_cell(request.get('created'))} assignments "
            "created"
            + (f" ({request['error']})" if request.get("error") else "")
            + f". The service alone (`assignment_create_bulk`): {_cell(bulk.get('service_seconds'))} s, "
            f"{_cell(bulk.get('service_created'))} created. Checked against the target: the "
            f"{bulk.get('figure', 'n/a')}, {_cell(bulk.get('seconds'))} s. Queries of the "
            "service call by number of patients: "
            + ", ".join(f"{n} → {q}" for n, q in counts.items())
            + f" (constant: {_yes_no(bulk.get('constant_queries'))}). "
            f"Targets met: {_yes_no(bulk.get('meets_targets'))}.",
        ]
    lines += ["", END_MARKER]
    return "\n".join(lines)


DOC_HEADER = """# Performance

How fast the portal is on one machine, measured by `make bench` (apps/bench).

"""


def write_report(results: dict, *, json_path: Path, markdown_path: Path) -> None:
    """Write the JSON and replace the figures in the Markdown document (or create it)."""
    results.setdefault("run", {}).setdefault("finished_at", datetime.now(UTC).isoformat())
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=2, sort_keys=True, default=str) + "\n")
    figures = render_markdown(results)
    if markdown_path.exists():
        text = markdown_path.read_text()
        pattern = re.compile(re.escape(START_MARKER) + r".*?" + re.escape(END_MARKER), re.S)
        if pattern.search(text):
            text = pattern.sub(lambda _match: figures, text)
        else:
            text = text.rstrip() + "\n\n" + figures + "\n"
    else:
        text = DOC_HEADER + figures + "\n"
    markdown_path.write_text(text)
