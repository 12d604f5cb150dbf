"""HTTP(S) check: status code, a keyword in the body, and the TLS certificate's lifetime.

Redirects are not followed: the check judges the URL it was given. A 301/302 is an answer
of that server (accepted by the default ``expect_status``, with its ``Location`` reported),
while following it could carry the probe to another host, out of the monitored target, and
would judge that host's status and certificate instead. Point the check at the final URL
to test what the redirect leads to.

Proxy settings of the environment (``HTTP_PROXY``...) are ignored, so the probe measures
the target itself, not a proxy. Certificates are verified against certifi's CA bundle (the
one httpx uses), or against ``ca_file`` alone when given.
"""

from __future__ import annotations

import asyncio
import functools
import math
import ssl
import time
from collections.abc import Collection
from datetime import UTC, datetime

import httpx

from jaga.monitoring.probes import (
    ServiceOutcome,
    _check_timeout,
    _elapsed_ms,
    _timeout_reason,
)
from jaga.monitoring.probes.tcp import os_error_reason

DEFAULT_EXPECT_STATUS: Collection[int] = range(200, 400)
BODY_LIMIT = 1024 * 1024  # bytes of the (decoded) body searched for the keyword
USER_AGENT = "Jaga-monitor/1"

_X509_EXPIRED = 10  # X509_V_ERR_CERT_HAS_EXPIRED
_X509_NOT_YET_VALID = 9  # X509_V_ERR_CERT_NOT_YET_VALID
_X509_HOSTNAME_MISMATCH = 62  # X509_V_ERR_HOSTNAME_MISMATCH
_X509_IP_MISMATCH = 64  # X509_V_ERR_IP_ADDRESS_MISMATCH


async def check_http(
    url: str,
    timeout: float,
    *,
    expect_status: Collection[int] = DEFAULT_EXPECT_STATUS,
    keyword: str | None = None,
    cert_min_days: int | None = None,
    verify_tls: bool = True,
    ca_file: str | None = None,
) -> ServiceOutcome:
    """GET ``url`` once (no redirects followed) and judge the answer.

    - ``url``: an ``http://`` or ``https://`` URL.
    - ``timeout``: seconds for the whole check (connect, TLS, request, reading the body).
    - ``expect_status``: the accepted status codes (default 200..399, any 2xx or 3xx).
    - ``keyword``: text that must occur (case-sensitive) in the first 1 MiB of the body,
      decoded with the response's charset (UTF-8 without one; undecodable bytes replaced).
    - ``cert_min_days``: for https, fail when the certificate expires in fewer days.
    - ``verify_tls``: verify the certificate chain and host name (default); when False any
      certificate is accepted, but an expired one still fails.
    - ``ca_file``: a PEM bundle of CAs trusted instead of certifi's (e.g. an agency's own
      CA); ignored when ``verify_tls`` is False.

    Returns a ``ServiceOutcome`` whose ``rtt_ms`` is the milliseconds from sending the request
    (name resolution, connection and TLS handshake included) to receiving the response
    headers, or ``None`` when no response came. ``values`` has ``"status"`` (int), for https
    ``"cert_days"`` (float days until the certificate's notAfter, negative when expired),
    ``"cert_not_after"`` (ISO 8601 UTC) and ``"tls"`` (e.g. ``"TLSv1.3"``), and for a redirect
    ``"location"``. A failure's ``reason``: ``"HTTP 503 (expected 200-399)"``,
    ``"keyword 'Selamat' not found"``, ``"certificate expires in 5 days (at least 14
    wanted)"``, ``"certificate expired"``, ``"certificate not trusted: ..."``,
    ``"certificate does not match the host name"``, ``"connection refused"``,
    ``"timeout after 2 s"``...; several failed expectations are joined with ``"; "``.

    Raises ``ValueError`` for a URL that is not http(s) or has no host, an empty or invalid
    ``expect_status``, ``cert_min_days`` on an http URL, a bad timeout or an unreadable
    ``ca_file``.
    """
    _check_timeout(timeout)
    target = _parse_url(url)
    statuses = _check_statuses(expect_status)
    https = target.scheme == "https"
    if cert_min_days is not None and not https:
        raise ValueError(f"cert_min_days needs an https URL, not {url!r}")
    # Plain http gets the cheap unverified context: httpx would load a CA bundle otherwise.
    context = _ssl_context(verify_tls, ca_file) if https else _ssl_context(False, None)

    values: dict[str, float | int | str] = {}
    rtt_ms: float | None = None
    certificate_problem: str | None = None
    body = bytearray()
    encoding = "utf-8"
    try:
        async with (
            asyncio.timeout(timeout),
            httpx.AsyncClient(
                verify=context,
                timeout=timeout,
                follow_redirects=False,
                trust_env=False,
                headers={"User-Agent": USER_AGENT},
            ) as client,
        ):
            started = time.perf_counter()
            async with client.stream("GET", target) as response:
                rtt_ms = _elapsed_ms(started, time.perf_counter())
                values["status"] = response.status_code
                if response.is_redirect and "location" in response.headers:
                    values["location"] = response.headers["location"]
                certificate_problem = _read_certificate(response, values)
                if keyword is not None:
                    encoding = response.charset_encoding or "utf-8"
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) >= BODY_LIMIT:
                            break
    except (TimeoutError, httpx.TimeoutException):
        return ServiceOutcome(False, rtt_ms, _timeout_reason(timeout), values)
    except httpx.HTTPError as error:
        return ServiceOutcome(False, rtt_ms, _error_reason(error), values)
    except OSError as error:
        return ServiceOutcome(False, rtt_ms, os_error_reason(error), values)

    failures: list[str] = []
    status = int(values["status"])
    if status not in statuses:
        failures.append(f"HTTP {status} (expected {_describe_statuses(statuses)})")
    if keyword is not None and keyword not in _decode(bytes(body[:BODY_LIMIT]), encoding):
        failures.append(f"keyword {keyword!r} not found")
    cert_days = values.get("cert_days")
    if certificate_problem is not None:
        failures.append(certificate_problem)
    elif isinstance(cert_days, float) and cert_days < 0:
        failures.append(f"certificate expired {_days(-cert_days)} ago")
    elif isinstance(cert_days, float) and cert_min_days is not None and cert_days < cert_min_days:
        failures.append(
            f"certificate expires in {_days(cert_days)} (at least {cert_min_days} wanted)"
        )
    if failures:
        return ServiceOutcome(False, rtt_ms, "; ".join(failures), values)
    return ServiceOutcome(True, rtt_ms, None, values)


def _parse_url(url: str) -> httpx.URL:
    """The URL, or ``ValueError`` unless it is an absolute http(s) URL with a host."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as error:
        raise ValueError(f"invalid URL {url!r}: {error}") from error
    if parsed.scheme not in ("http", "https"):
        raise ValueError(f"URL scheme must be http or https: {url!r}")
    if not parsed.host:
        raise ValueError(f"URL has no host: {url!r}")
    return parsed


def _check_statuses(expect_status: Collection[int]) -> Collection[int]:
    """``expect_status`` itself, or ``ValueError`` if empty or not all in 100..599."""
    if isinstance(expect_status, range):
        valid = len(expect_status) > 0 and 100 <= min(expect_status) <= max(expect_status) < 600
    else:
        valid = len(expect_status) > 0 and all(
            isinstance(code, int) and 100 <= code < 600 for code in expect_status
        )
    if not valid:
        raise ValueError(f"expect_status must hold status codes 100..599: {expect_status!r}")
    return expect_status


def _describe_statuses(statuses: Collection[int]) -> str:
    """``"200"``, ``"200, 204"`` or runs as ranges: ``"200-399"``, ``"200-204, 301"``."""
    codes = sorted(set(statuses))
    runs: list[str] = []
    start = previous = codes[0]
    for code in [*codes[1:], -1]:
        if code != previous + 1:
            runs.append(str(start) if start == previous else f"{start}-{previous}")
            start = code
        previous = code
    return ", ".join(runs)


def _decode(body: bytes, encoding: str) -> str:
    """``body`` decoded with ``encoding`` (UTF-8 if Python does not know it)."""
    try:
        return body.decode(encoding, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


@functools.lru_cache(maxsize=32)
def _ssl_context(verify_tls: bool, ca_file: str | None) -> ssl.SSLContext:
    """A client TLS context (cached: loading a CA bundle costs milliseconds). Raises
    ``ValueError`` when ``ca_file`` cannot be loaded."""
    if not verify_tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if ca_file is None:
        return httpx.create_ssl_context(verify=True, trust_env=False)
    try:
        return ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError) as error:
        raise ValueError(f"cannot load CA file {ca_file!r}: {error}") from error


def _days(days: float) -> str:
    """Whole days, rounded down, in words: ``"less than a day"``, ``"1 day"``, ``"5 days"``."""
    whole = math.floor(days)
    return "less than a day" if whole < 1 else "1 day" if whole == 1 else f"{whole} days"


def _read_certificate(response: httpx.Response, values: dict[str, float | int | str]) -> str | None:
    """Put the TLS version and the peer certificate's lifetime of ``response``'s connection
    into ``values`` (nothing for plain http). Returns a failure reason if the certificate
    cannot be read, else ``None``."""
    stream = response.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    if not isinstance(ssl_object, ssl.SSLObject | ssl.SSLSocket):
        return None
    values["tls"] = ssl_object.version() or "unknown"
    der = ssl_object.getpeercert(binary_form=True)
    try:
        if not der:
            raise ValueError("no peer certificate")
        not_after = certificate_not_after(der)
    except ValueError as error:
        return f"unreadable certificate: {error}"
    days = (not_after - datetime.now(UTC)).total_seconds() / 86400.0
    values["cert_days"] = round(days, 3)
    values["cert_not_after"] = not_after.isoformat()
    return None


def certificate_not_after(der: bytes) -> datetime:
    """The notAfter time (aware, UTC) of a DER-encoded X.509 certificate.

    Walks the DER structure Certificate > TBSCertificate > Validity (RFC 5280 4.1) without
    a crypto library; raises ``ValueError`` when the bytes are not such a certificate.
    """
    _tag, start, end = _der_element(der, 0, 0x30)  # Certificate
    _tag, start, end = _der_element(der, start, 0x30, end)  # TBSCertificate
    position = start
    tag, _content, after = _der_element(der, position, None, end)
    if tag == 0xA0:  # [0] EXPLICIT version, present from v2 on
        position = after
    for expected in (0x02, 0x30, 0x30):  # serialNumber, signature, issuer
        _tag, _content, position = _der_element(der, position, expected, end)
    _tag, validity, validity_end = _der_element(der, position, 0x30, end)
    _tag, _content, position = _der_element(der, validity, None, validity_end)  # notBefore
    tag, content, content_end = _der_element(der, position, None, validity_end)
    text = der[content:content_end].decode("ascii", errors="replace")
    if tag == 0x17:  # UTCTime YYMMDDHHMMSSZ; RFC 5280: YY < 50 means 20YY
        year = int(text[:2]) if text[:2].isdigit() else -1
        text = f"{2000 + year if year < 50 else 1900 + year}{text[2:]}"
    elif tag != 0x18:  # GeneralizedTime YYYYMMDDHHMMSSZ
        raise ValueError(f"notAfter has ASN.1 tag {tag:#x}, not a time")
    try:
        return datetime.strptime(text, "%Y%m%d%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"bad notAfter time {text!r}") from None


def _der_element(
    der: bytes, position: int, expected_tag: int | None, limit: int | None = None
) -> tuple[int, int, int]:
    """The DER element at ``position``: (tag, content start, content end). Raises
    ``ValueError`` if it is cut short, runs past ``limit`` or has another tag than
    ``expected_tag``."""
    limit = len(der) if limit is None else limit
    if position + 2 > limit:
        raise ValueError("truncated certificate")
    tag, length = der[position], der[position + 1]
    start = position + 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or start + count > limit:
            raise ValueError("bad DER length")
        length = int.from_bytes(der[start : start + count], "big")
        start += count
    if start + length > limit:
        raise ValueError("truncated certificate")
    if expected_tag is not None and tag != expected_tag:
        raise ValueError(f"unexpected ASN.1 tag {tag:#x} (wanted {expected_tag:#x})")
    return tag, start, start + length


def _error_reason(error: httpx.HTTPError) -> str:
    """A short reason for a transport error, from the exception chain's root cause."""
    cause: BaseException | None = error
    seen: set[int] = set()
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ssl.SSLCertVerificationError):
            return _verification_reason(cause)
        if isinstance(cause, ssl.SSLError):
            return f"TLS error: {cause.reason or cause}"
        if isinstance(cause, OSError) and (cause.errno is not None or cause.strerror):
            return os_error_reason(cause)
        cause = cause.__cause__ or cause.__context__
    if isinstance(error, httpx.RemoteProtocolError):
        return f"protocol error: {error}"
    text = str(error)
    if "All connection attempts failed" in text:
        return "connection failed (refused or unreachable)"
    return text or type(error).__name__


def _verification_reason(error: ssl.SSLCertVerificationError) -> str:
    """The reason for a certificate that failed verification."""
    code = error.verify_code
    if code == _X509_EXPIRED:
        return "certificate expired"
    if code == _X509_NOT_YET_VALID:
        return "certificate not yet valid"
    if code in (_X509_HOSTNAME_MISMATCH, _X509_IP_MISMATCH):
        return "certificate does not match the host name"
    return f"certificate not trusted: {error.verify_message or error.reason}"
