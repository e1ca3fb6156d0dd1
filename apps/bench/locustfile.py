"""The load generator for `manage.py run_bench` (run by it, not by hand).

BENCH_PLAN names a JSON file: {"name", "max_requests", "users": [{"headers", "requests"}]};
a request may carry its own "headers" (the warm-up mixes people); "every_request" holds the
headers sent with every request (the proxy's X-Forwarded-Proto).
Each simulated user takes the next entry of "users" (its own session cookie or token) and
sends its requests in a loop, with no pause, so the measured concurrency is the user count.
Anything but a 2xx (a redirect to the login page included) counts as an error.
"""

import itertools
import json
import os

from locust import FastHttpUser, constant, task
from locust.exception import StopUser

with open(os.environ["BENCH_PLAN"]) as plan_file:
    PLAN = json.load(plan_file)

_next_user = itertools.count()
_sent = itertools.count(1)


class BenchUser(FastHttpUser):
    wait_time = constant(0)
    # A redirect means the session was refused (to the login page): never follow one.
    max_redirects = 0

    def on_start(self):
        entry = PLAN["users"][next(_next_user) % len(PLAN["users"])]
        self.headers = entry["headers"]
        self.common = PLAN.get("every_request", {})
        self.requests = itertools.cycle(entry["requests"])

    @task
    def send(self):
        if next(_sent) > PLAN["max_requests"]:
            raise StopUser()
        request = next(self.requests)
        with self.client.request(
            request["method"],
            request["path"],
            headers={**self.common, **request.get("headers", self.headers)},
            json=request.get("json"),
            name=PLAN["name"],
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if not 200 <= response.status_code < 300:
                response.failure(f"HTTP {response.status_code}")
            else:
                response.success()
