"""The report writer: targets checked and figures written, from a made-up run."""

import json

import pytest

from apps.bench import report
from apps.bench.harness import read_locust_stats


def fake_results() -> dict:
    return {
        "run": {"finished_at": "2026-11-27T12:00:00+00:00", "workers": 5, "users": 5},
        "machine": {"nproc": 2, "load_average_at_start": [1.0, 1.0, 1.0]},
        "seed": {"patients": 10_000, "assignments": 98_000, "seconds": 31.5},
        "floors": {
            "floor_web_patient": {"label": "Floor, web", "rps": 200.0, "p95_ms": 40.0, "errors": 0},
        },
        "endpoints": {
            "my_reading": {
                "label": "My reading",
                "floor": "floor_web_patient",
                "requests": 3000,
                "errors": 0,
                "error_rate": 0.0,
                "rps": 120.0,
                "p50_ms": 30.0,
                "p95_ms": 80.0,
                "p99_ms": 120.0,
            },
            "my_patients": {
                "label": "My patients",
                "floor": "floor_web_patient",
                "requests": 900,
                "errors": 2,
                "error_rate": 0.002,
                "rps": 60.0,
                "p50_ms": 90.0,
                "p95_ms": 200.0,
                "p99_ms": 300.0,
            },
        },
        "sweep": {
            "moment": "2026-11-27T19:00:00+00:00",
            "deliver": "enqueue",
            "runs": [
                {
                    "due": 10_000,
                    "seconds": 1.2,
                    "insert_seconds": 0.4,
                    "peak_rss_mb": 120.0,
                    "created": 10_000,
                    "dispatched": 10_000,
                },
                {
                    "due": 100_000,
                    "seconds": 12.0,
                    "insert_seconds": 1.5,
                    "peak_rss_mb": 140.0,
                    "created": 100_000,
                    "dispatched": 100_000,
                },
            ],
        },
        "bulk_assign": {
            "patients": 1000,
            "request": {
                "through": "through the web form, POST /patients/assign/",
                "status": 302,
                "seconds": 0.8,
                "created": 1000,
            },
            "service_seconds": 0.6,
            "service_created": 1000,
            "figure": "request",
            "created": 1000,
            "seconds": 0.8,
            "query_counts": {"100": 7, "1000": 7},
        },
        "missing": [],
    }


def test_every_endpoint_gets_its_ratio_to_the_floor_and_a_verdict():
    results = report.evaluate(fake_results())

    reading = results["endpoints"]["my_reading"]
    assert set(report.ENDPOINT_KEYS) <= set(reading)
    assert reading["ratio_to_floor"] == 0.6
    assert reading["meets_targets"] is True
    patients = results["endpoints"]["my_patients"]
    assert patients["ratio_to_floor"] == 0.3
    assert patients["meets_targets"] is False


def test_sweep_is_compared_with_the_insert_and_checked_for_linear_growth():
    sweep = report.evaluate(fake_results())["sweep"]

    small, large = sweep["runs"]
    assert small["ratio_to_insert"] == 3.0
    assert small["meets_targets"] is True
    assert large["ratio_to_insert"] == 8.0
    assert large["meets_targets"] is False
    assert sweep["per_row_growth"] == 1.0
    assert sweep["linear"] is True


def _growth(my_patients: list[tuple[float, int]]) -> dict:
    return {
        "errors": 0,
        "sizes": {
            str(size): {
                "clinician": f"c{size}@bench.invalid",
                "my_patients": {"p50_ms": p50, "queries": queries, "requests": 30},
                "api_assignments": {"p50_ms": 20.0, "queries": 6, "requests": 30},
            }
            for size, (p50, queries) in zip((200, 2000, 20000), my_patients, strict=True)
        },
    }


def test_growth_needs_a_flat_p50_and_the_same_queries_at_every_size():
    results = fake_results()
    results["growth"] = _growth([(30.0, 9), (33.0, 9), (44.0, 9)])
    pages = report.evaluate(results)["growth"]["pages"]
    assert pages["my_patients"] == {"p50_spread": 1.47, "same_queries": True, "meets_targets": True}
    assert "| 30.0 / 9 | 33.0 / 9 | 44.0 / 9 | 1.47 | yes |" in report.render_markdown(results)

    results["growth"] = _growth([(30.0, 9), (33.0, 9), (46.0, 9)])
    assert report.evaluate(results)["growth"]["pages"]["my_patients"]["meets_targets"] is False
    results["growth"] = _growth([(30.0, 9), (30.0, 9), (30.0, 10)])
    verdict = report.evaluate(results)["growth"]["pages"]["my_patients"]
    assert verdict["same_queries"] is False
    assert verdict["meets_targets"] is False


def test_bulk_assign_needs_the_same_query_count_at_every_size():
    results = fake_results()
    assert report.evaluate(results)["bulk_assign"]["meets_targets"] is True

    results = fake_results()
    results["bulk_assign"]["query_counts"] = {"100": 7, "1000": 16}
    bulk = report.evaluate(results)["bulk_assign"]
    assert bulk["constant_queries"] is False
    assert bulk["meets_targets"] is False


def test_writes_the_json_and_replaces_only_the_figures_in_the_document(tmp_path):
    markdown = tmp_path / "performance.md"
    markdown.write_text(
        "# Performance\n\nWritten by hand.\n\n"
        f"{report.START_MARKER}\nold figures\n{report.END_MARKER}\n\n## Recommendations\nKeep.\n"
    )
    json_path = tmp_path / "performance.json"

    results = fake_results()
    results["notes"] = ["The web form refused 1,000 patients."]
    report.write_report(report.evaluate(results), json_path=json_path, markdown_path=markdown)

    written = json.loads(json_path.read_text())
    assert {"run", "machine", "seed", "floors", "endpoints", "sweep", "bulk_assign"} <= set(written)
    assert written["endpoints"]["my_reading"]["ratio_to_floor"] == 0.6
    text = markdown.read_text()
    assert "old figures" not in text
    assert "Written by hand." in text and "## Recommendations\nKeep." in text
    assert (
        "| My reading | 120.0 | 30.0 | 80.0 | 120.0 | 0 of 3,000 | 200.0 | 0.60 | n/a | yes |"
        in text
    )
    assert "| My patients |" in text and "**no**" in text
    assert text.count(report.START_MARKER) == 1
    assert "Note: The web form refused 1,000 patients." in text
    assert (
        "One module to 1,000 patients in one request, through the web form, "
        "POST /patients/assign/: HTTP 302" in text
    )


def test_a_new_document_gets_a_title_and_the_figures(tmp_path):
    markdown = tmp_path / "performance.md"

    report.write_report(
        report.evaluate(fake_results()), json_path=tmp_path / "p.json", markdown_path=markdown
    )

    text = markdown.read_text()
    assert text.startswith("# Performance")
    assert report.START_MARKER in text and report.END_MARKER in text


def test_reads_one_endpoint_from_locust_csv(tmp_path):
    stats = tmp_path / "my_reading_stats.csv"
    stats.write_text(
        "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
        "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
        "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
        "GET,my_reading,1200,3,24,27.5,9,310,14093,79.96,0.2,24,28,31,33,40,48,60,75,250,310,310\n"
        ",Aggregated,1200,3,24,27.5,9,310,14093,79.96,0.2,24,28,31,33,40,48,60,75,250,310,310\n"
    )

    figures = read_locust_stats(stats, name="my_reading")

    assert figures == {
        "requests": 1200,
        "errors": 3,
        "error_rate": 0.0025,
        "rps": 80.0,
        "p50_ms": 24.0,
        "p95_ms": 48.0,
        "p99_ms": 75.0,
        "mean_ms": 27.5,
        "max_ms": 310.0,
    }
    with pytest.raises(ValueError):
        read_locust_stats(stats, name="not_there")


def test_an_endpoint_is_divided_by_the_floor_runs_next_to_it_when_recorded():
    results = fake_results()
    # The floor was slower around this endpoint than on average: that is what it is compared to.
    results["endpoints"]["my_reading"]["floor_rps"] = 150.0
    results["endpoints"]["my_reading"]["round_ratios"] = [0.75, 0.85]
    reading = report.evaluate(results)["endpoints"]["my_reading"]
    assert reading["ratio_to_floor"] == 0.8
    assert "| 150.0 | 0.80 | 0.75, 0.85 | yes |" in report.render_markdown(results)


def test_server_cpu_per_request_is_shown_next_to_the_floors():
    results = fake_results()
    results["endpoints"]["my_reading"]["cpu_ms_per_request"] = {
        "app": 6.0,
        "database": 1.5,
        "redis": 0.1,
        "total": 7.6,
    }
    results["endpoints"]["my_reading"]["floor_cpu_ms_per_request"] = {"total": 3.8}
    # Upkeep after the run: 0.6 s of CPU (PostgreSQL vacuuming what it wrote).
    results["endpoints"]["my_reading"]["maintenance_after"] = {
        "cpu_seconds": {"app": 0.0, "database": 0.6, "redis": 0.0}
    }
    requests = results["endpoints"]["my_reading"]["requests"]

    markdown = report.render_markdown(report.evaluate(results))

    upkeep = f"{round(0.6 * 1000 / requests, 2):.2f}"
    assert f"| My reading | 6.00 | 1.50 | 0.10 | 7.60 | 3.80 | 0.50 | {upkeep} |" in markdown
    # An endpoint measured without CPU figures gets no row.
    assert "| My patients | n/a" not in markdown


def test_no_cpu_table_when_the_run_could_not_read_it():
    assert "Server CPU per request" not in report.render_markdown(report.evaluate(fake_results()))


def test_an_endpoint_run_twice_is_compared_with_the_floor_runs_next_to_each_run():
    from apps.bench.runner import _with_adjacent_floors

    def run(rps, requests, upkeep):
        return {
            "label": "My patients",
            "floor": "floor_web",
            "rps": rps,
            "requests": requests,
            "errors": 0,
            "p50_ms": 10.0,
            "p95_ms": 20.0,
            "p99_ms": 30.0,
            "mean_ms": 11.0,
            "max_ms": 40.0,
            "cpu_seconds": {"app": 1.0, "database": 0.5, "redis": 0.1},
            "maintenance_after": {"cpu_seconds": {"app": 0.0, "database": upkeep, "redis": 0.0}},
        }

    floors = [run(400.0, 4000, 0.0), run(600.0, 6000, 0.0), run(500.0, 5000, 0.0)]
    first, second = run(250.0, 2500, 0.2), run(240.0, 2400, 0.4)

    figures = _with_adjacent_floors([(first, floors[0], floors[1]), (second, floors[1], floors[2])])

    # Each run against the mean of its own two floor runs: 250 / 500 and 240 / 550.
    assert figures["round_ratios"] == [0.5, 0.44]
    assert figures["floor_rps"] == 525.0  # the mean of 500 and 550
    assert figures["rps"] == 245.0 and figures["requests"] == 4900
    assert figures["maintenance_after"]["cpu_seconds"]["database"] == 0.6
    # The floor's CPU is that of the three floor runs, the one between them counted once.
    assert figures["floor_cpu_ms_per_request"]["total"] == round(3 * 1.6 * 1000 / 15000, 3)
