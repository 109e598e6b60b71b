"""A small closed-loop HTTP load generator: threads + http.client, standard library only.

Each of `concurrency` threads sends one GET at a time, waits for the whole response and sends the
next, until `requests` responses have arrived or `seconds` have passed. One new connection per
request, as gunicorn's sync workers close the connection after every response anyway.
"""

import http.client
import re
import statistics
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie

HOST = "127.0.0.1"


class Person:
    """Cookies of one signed-in browser (or none, for anonymous pages)."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    @property
    def cookie_header(self):
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        try:
            all_headers = {"Cookie": self.cookie_header} if self.cookies else {}
            all_headers.update(headers or {})
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read()
            for header in response.msg.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(header)
                for name, morsel in jar.items():
                    self.cookies[name] = morsel.value
            return response.status, response.getheader("Location"), data
        finally:
            conn.close()

    def post_form(self, path, fields):
        """GET the page for the CSRF cookie and token, then POST `fields` to it like its form."""
        status, _, html = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if not match or "csrftoken" not in self.cookies:
            raise RuntimeError(f"{path} carries no CSRF token")
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": match.group(1).decode(), **fields})
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://{HOST}:{self.port}{path}"}
        return self.request("POST", path, body=body, headers=headers)

    def sign_in(self, email, password, recovery_code=None):
        """The real allauth forms: email and password, then for staff the second step."""
        status, location, _ = self.post_form("/accounts/login/", {"login": email, "password": password})
        if status == 302 and location == "/accounts/2fa/authenticate/" and recovery_code:
            status, location, _ = self.post_form(location, {"code": recovery_code})
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"signing in as {email} failed: {status} (redirect to {location!r})")
        return self


def measure(person, path, *, concurrency, requests, seconds):
    """Fire `requests` GETs (fewer if `seconds` run out) from `concurrency` threads.

    Returns rps, p50_ms, p95_ms, the number of completed requests and the errors (status or
    exception text of every response that was not 200, at most a few kept).
    """
    headers = {"Cookie": person.cookie_header} if person.cookies else {}
    lock = threading.Lock()
    issued = 0
    latencies = []
    errors = []
    deadline = time.perf_counter() + seconds

    def worker():
        nonlocal issued
        local = []
        while True:
            with lock:
                if issued >= requests or time.perf_counter() >= deadline:
                    break
                issued += 1
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(HOST, person.port, timeout=60)
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                status = f"{type(exc).__name__}: {exc}"
            elapsed = time.perf_counter() - started
            if status == 200:
                local.append(elapsed)
            else:
                with lock:
                    errors.append(status)
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    done = len(latencies)
    if done >= 2:
        cuts = statistics.quantiles(latencies, n=100, method="inclusive")
        p50, p95 = cuts[49], cuts[94]
    else:
        p50 = p95 = latencies[0] if latencies else 0.0
    return {
        "rps": done / wall if wall else 0.0,
        "p50_ms": 1000 * p50,
        "p95_ms": 1000 * p95,
        "completed": done,
        "errors": errors,
    }
