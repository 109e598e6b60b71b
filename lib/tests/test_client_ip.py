"""lib.client_ip: the client is the N-th address from the right of X-Forwarded-For with N trusted
proxies; the header is ignored without any, and whatever the client itself put in it is never
taken for its address."""

import pytest
from django.test import RequestFactory

from lib.client_ip import client_ip

PROXY = "10.0.0.2"  # REMOTE_ADDR: our last proxy


def _request(forwarded=None, remote=PROXY):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("203.0.113.9, 10.0.0.1")) == PROXY


def test_one_trusted_proxy_takes_the_right_most_address(settings):
    """Our one proxy appended what it saw (10.0.0.1); 203.0.113.9 is what the client sent."""
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request("203.0.113.9, 10.0.0.1")) == "10.0.0.1"


def test_two_trusted_proxies_take_the_second_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request("203.0.113.9, 10.0.0.1")) == "203.0.113.9"


def test_a_spoofed_left_most_entry_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request("6.6.6.6, 198.51.100.7")) == "198.51.100.7"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request("6.6.6.6, 6.6.6.7, 198.51.100.7, 10.0.0.1")) == "198.51.100.7"


@pytest.mark.parametrize("forwarded", [None, "", "203.0.113.9"])
def test_fewer_addresses_than_proxies_fall_back_to_remote_addr(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request(forwarded)) == PROXY


@pytest.mark.parametrize("junk", ["not-an-ip", "203.0.113.9<script>", "999.1.1.1", "unknown"])
def test_an_entry_that_is_no_ip_address_falls_back_to_remote_addr(settings, junk):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(f"203.0.113.9, {junk}")) == PROXY


def test_addresses_come_back_canonical(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request("2001:DB8:0:0::1")) == "2001:db8::1"
    assert client_ip(_request("[2001:db8::1]:443")) == "2001:db8::1"
    assert client_ip(_request(" 203.0.113.9:5000 ")) == "203.0.113.9"


def test_no_usable_address_at_all_is_none(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(remote="")) is None


def test_allauths_rate_limits_key_on_the_same_address(settings):
    from accounts.adapters import AccountAdapter

    settings.TRUSTED_PROXY_COUNT = 1
    assert AccountAdapter().get_client_ip(_request("6.6.6.6, 198.51.100.7")) == "198.51.100.7"
