"""What Sentry would receive: the stack trace and the route, none of what a person sent."""

from apps.operations.errors import scrub_event


def test_request_bodies_cookies_queries_and_the_user_are_dropped():
    event = {
        "request": {
            "url": "https://portal.example.org/questions/ask/",
            "method": "POST",
            "data": {"body": "Is my rash from the pembrolizumab?"},
            "query_string": "q=Pat+Rivera",
            "cookies": {"__Host-sessionid": "abc"},
            "headers": {
                "Cookie": "__Host-sessionid=abc",
                "X-Session-Token": "token",
                "User-Agent": "Firefox",
                "X-Request-ID": "0f0e",
            },
            "env": {"REMOTE_ADDR": "192.0.2.1"},
        },
        "user": {"email": "pat@example.org", "ip_address": "192.0.2.1"},
        "breadcrumbs": {
            "values": [{"category": "query", "message": "SELECT", "data": {"params": ["Pat"]}}]
        },
        "exception": {"values": [{"type": "ValueError"}]},
    }
    scrubbed = scrub_event(event)
    flat = repr(scrubbed)
    for secret in ("pembrolizumab", "Pat", "abc", "token", "pat@example.org", "192.0.2.1"):
        assert secret not in flat
    assert scrubbed["request"]["url"] == "https://portal.example.org/questions/ask/"
    assert scrubbed["request"]["headers"] == {"User-Agent": "Firefox", "X-Request-ID": "0f0e"}
    assert scrubbed["exception"] == {"values": [{"type": "ValueError"}]}
