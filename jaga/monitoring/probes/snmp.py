"""SNMP check: does an agent answer (v2c or v3), and are the listed interfaces up?

One ``SnmpEngine`` per event loop, as the architecture asks: ``snmp_engine()`` returns the
running loop's engine, made on first use; every check on that loop shares it, so one UDP
socket per address family serves all agents. Only numeric OIDs are used and answers are not
looked up in MIBs, so nothing is compiled or fetched at run time (pysnmp's MIB compiler,
``pysmi``, is not installed; if it were, pysnmp 7.1 only reads local directories).

pysnmp keeps one SNMPv3 user entry per user name in an engine: checks of the same user name
with different keys (or protocols) cannot be in flight together, as switching the entry
drops the key material of requests under way. ``check_snmp`` therefore admits concurrent v3
checks of one user name only while they use the same keys, and queues the others in arrival
order; checks with distinct user names, and v2c checks, never wait for each other.
"""

from __future__ import annotations

import asyncio
import ipaddress
import threading
import time
from collections import deque
from collections.abc import Collection, Sequence
from typing import Any, Literal

from pysnmp.error import PySnmpError  # type: ignore[import-untyped]
from pysnmp.hlapi.v3arch.asyncio import (  # type: ignore[import-untyped]
    USM_AUTH_HMAC96_MD5,
    USM_AUTH_HMAC96_SHA,
    USM_AUTH_HMAC128_SHA224,
    USM_AUTH_HMAC192_SHA256,
    USM_AUTH_HMAC256_SHA384,
    USM_AUTH_HMAC384_SHA512,
    USM_AUTH_NONE,
    USM_PRIV_CBC56_DES,
    USM_PRIV_CBC168_3DES,
    USM_PRIV_CFB128_AES,
    USM_PRIV_CFB192_AES,
    USM_PRIV_CFB192_AES_BLUMENTHAL,
    USM_PRIV_CFB256_AES,
    USM_PRIV_CFB256_AES_BLUMENTHAL,
    USM_PRIV_NONE,
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    Udp6TransportTarget,
    UdpTransportTarget,
    UsmUserData,
    get_cmd,
)
from pysnmp.proto import errind  # type: ignore[import-untyped]
from pysnmp.proto.rfc1905 import (  # type: ignore[import-untyped]
    EndOfMibView,
    NoSuchInstance,
    NoSuchObject,
)

from jaga.monitoring.probes import (
    ServiceOutcome,
    _check_port,
    _check_timeout,
    _elapsed_ms,
    _timeout_reason,
)
from jaga.monitoring.probes.tcp import os_error_reason

AuthProtocol = Literal["md5", "sha", "sha224", "sha256", "sha384", "sha512"]
PrivProtocol = Literal[
    "des", "3des", "aes", "aes192", "aes256", "aes192-blumenthal", "aes256-blumenthal"
]

SYS_UPTIME = "1.3.6.1.2.1.1.3.0"  # SNMPv2-MIB::sysUpTime.0, TimeTicks (1/100 s)
IF_OPER_STATUS = "1.3.6.1.2.1.2.2.1.8"  # IF-MIB::ifOperStatus, indexed by ifIndex
IF_OPER_NAMES = {  # IF-MIB ifOperStatus values
    1: "up",
    2: "down",
    3: "testing",
    4: "unknown",
    5: "dormant",
    6: "notPresent",
    7: "lowerLayerDown",
}
MAX_OIDS_PER_REQUEST = 40  # keeps a response well under the usual 1,472-byte UDP payload

_AUTH_PROTOCOLS: dict[str, Any] = {
    "md5": USM_AUTH_HMAC96_MD5,
    "sha": USM_AUTH_HMAC96_SHA,
    "sha224": USM_AUTH_HMAC128_SHA224,
    "sha256": USM_AUTH_HMAC192_SHA256,
    "sha384": USM_AUTH_HMAC256_SHA384,
    "sha512": USM_AUTH_HMAC384_SHA512,
}
_PRIV_PROTOCOLS: dict[str, Any] = {
    "des": USM_PRIV_CBC56_DES,
    "3des": USM_PRIV_CBC168_3DES,
    "aes": USM_PRIV_CFB128_AES,
    "aes192": USM_PRIV_CFB192_AES,  # Reeder key extension (Cisco's "AES-192")
    "aes256": USM_PRIV_CFB256_AES,  # Reeder key extension (Cisco's "AES-256")
    "aes192-blumenthal": USM_PRIV_CFB192_AES_BLUMENTHAL,  # draft-blumenthal (Net-SNMP)
    "aes256-blumenthal": USM_PRIV_CFB256_AES_BLUMENTHAL,
}
_ERROR_REASONS: dict[type[Any], str] = {
    errind.WrongDigest: "authentication failed (wrong auth key or protocol)",
    errind.UnknownUserName: "unknown SNMPv3 user",
    errind.DecryptionError: "decryption failed (wrong privacy key or protocol)",
    errind.UnsupportedSecurityLevel: "security level not supported by the agent",
    errind.NotInTimeWindow: "not in time window (agent clock or boots changed)",
    errind.UnknownEngineID: "unknown engine ID",
    errind.EncryptionError: "encryption failed (is the cryptography package installed?)",
}

_engines: dict[asyncio.AbstractEventLoop, Any] = {}
_engines_lock = threading.Lock()
_GATES = "jaga_usm_gates"  # user-context key of an engine's v3 user gates


def snmp_engine() -> SnmpEngine:
    """The ``SnmpEngine`` of the running event loop, created on first use and cached.

    Must be called from a coroutine (``RuntimeError`` otherwise). Engines of loops that
    have been closed meanwhile are dropped. ``close_snmp_engine()`` closes the current one.
    """
    loop = asyncio.get_running_loop()
    with _engines_lock:
        engine = _engines.get(loop)
        if engine is None:
            for stale in [other for other in _engines if other.is_closed()]:
                del _engines[stale]
            engine = _engines[loop] = SnmpEngine()
    return engine


def close_snmp_engine() -> None:
    """Close the running loop's cached engine (its sockets and timer), if any; the next
    ``snmp_engine()`` on this loop makes a new one. Call it before the loop ends."""
    loop = asyncio.get_running_loop()
    with _engines_lock:
        engine = _engines.pop(loop, None)
    if engine is not None:
        engine.close_dispatcher()


async def check_snmp(
    host: str,
    timeout: float,
    *,
    port: int = 161,
    version: Literal["2c", "3"] = "2c",
    community: str = "public",
    user: str = "",
    auth_key: str = "",
    auth_protocol: AuthProtocol | None = None,
    priv_key: str = "",
    priv_protocol: PrivProtocol | None = None,
    interfaces: Collection[int] = (),
    engine: SnmpEngine | None = None,
) -> ServiceOutcome:
    """GET sysUpTime.0 and, for each ifIndex in ``interfaces``, IF-MIB ifOperStatus from the
    SNMP agent at ``host`` (an IP literal or a host name, resolved to IPv4) on UDP ``port``.

    - ``version="2c"`` uses ``community``; ``version="3"`` uses USM ``user`` with
      ``auth_protocol`` and ``auth_key`` (authNoPriv), plus ``priv_protocol`` and
      ``priv_key`` (authPriv); neither gives noAuthNoPriv. Keys are pass phrases of at
      least 8 characters. ``"aes192"``/``"aes256"`` are the Reeder (Cisco) key extension,
      the ``"-blumenthal"`` variants the one Net-SNMP calls AES-192/AES-256.
    - ``timeout`` in seconds bounds the exchange (one request, no retries: the monitor
      counts failures itself; with v3 the first request also discovers the agent's engine).
      A v3 check whose user name is in use with other keys first waits for those checks.
    - ``engine``: the ``SnmpEngine`` to use; default ``snmp_engine()``.

    Returns ``ok=True`` when the agent answered without error and every listed interface
    is up. ``rtt_ms`` is the milliseconds of the first request (up to 40 OIDs per request;
    more interfaces take more requests). ``values``: ``"sysuptime_s"`` (float seconds) and
    ``"if_<N>_oper"`` per interface (``"up"``, ``"down"``, ``"testing"``, ``"dormant"``,
    ``"notPresent"``, ``"lowerLayerDown"``, ``"unknown"``, ``"absent"`` when the agent has
    no such interface). A failure's ``reason``: ``"timeout after 2 s"`` (also a wrong
    community: agents do not answer it), ``"authentication failed (wrong auth key or
    protocol)"``, ``"unknown SNMPv3 user"``, ``"SNMP error authorizationError at
    1.3.6.1.2.1.1.3.0"``, ``"interface 2 is down"``, ``"interface 9 not found"``...

    Raises ``ValueError`` for a bad port, timeout, version, interface index, or v3
    credentials that do not fit together (a key without its protocol, a key shorter than 8
    characters, privacy without authentication, no user name).
    """
    _check_timeout(timeout)
    _check_port(port)
    indexes = _check_interfaces(interfaces)
    auth = _auth_data(version, community, user, auth_key, auth_protocol, priv_key, priv_protocol)
    oids = [SYS_UPTIME, *(f"{IF_OPER_STATUS}.{index}" for index in indexes)]
    engine = snmp_engine() if engine is None else engine
    gate = _user_gate(engine, user) if version == "3" else None
    keys = (auth_protocol, auth_key, priv_protocol, priv_key)

    if gate is not None:
        await gate.enter(keys)
    try:
        return await _exchange(engine, auth, host, port, timeout, oids, indexes)
    finally:
        if gate is not None:
            gate.leave()


async def _exchange(
    engine: Any,
    auth: Any,
    host: str,
    port: int,
    timeout: float,
    oids: Sequence[str],
    indexes: Sequence[int],
) -> ServiceOutcome:
    """Send the GET requests and judge the answers (see ``check_snmp``)."""
    rtt_ms: float | None = None
    answers: dict[str, Any] = {}
    try:
        async with asyncio.timeout(timeout):
            target = await _target(host, port, timeout)
            for first in range(0, len(oids), MAX_OIDS_PER_REQUEST):
                batch = oids[first : first + MAX_OIDS_PER_REQUEST]
                started = time.perf_counter()
                error_indication, error_status, error_index, var_binds = await get_cmd(
                    engine,
                    auth,
                    target,
                    ContextData(),
                    *(ObjectType(ObjectIdentity(oid)) for oid in batch),
                    lookupMib=False,
                )
                answered = not isinstance(error_indication, errind.RequestTimedOut)
                if rtt_ms is None and answered:  # a report (USM error) is an answer too
                    rtt_ms = _elapsed_ms(started, time.perf_counter())
                if error_indication:
                    reason = _indication_reason(error_indication, timeout)
                    return ServiceOutcome(False, rtt_ms, reason)
                if error_status:
                    where = _error_oid(batch, int(error_index))
                    status = error_status.prettyPrint()
                    return ServiceOutcome(False, rtt_ms, f"SNMP error {status}{where}")
                for name, value in var_binds:
                    answers[str(name)] = value
    except TimeoutError:
        return ServiceOutcome(False, rtt_ms, _timeout_reason(timeout))
    except PySnmpError as error:
        return ServiceOutcome(False, rtt_ms, _pysnmp_error_reason(error))
    except OSError as error:
        return ServiceOutcome(False, rtt_ms, os_error_reason(error))
    return _judge(answers, indexes, rtt_ms)


def _judge(answers: dict[str, Any], indexes: Sequence[int], rtt_ms: float | None) -> ServiceOutcome:
    """The outcome of a complete answer: uptime present, every interface up."""
    values: dict[str, float | int | str] = {}
    failures: list[str] = []
    uptime = answers.get(SYS_UPTIME)
    if uptime is None or _is_absent(uptime):
        failures.append("no sysUpTime.0 in the answer")
    else:
        values["sysuptime_s"] = int(uptime) / 100.0
    for index in indexes:
        value = answers.get(f"{IF_OPER_STATUS}.{index}")
        if value is None or _is_absent(value):
            values[f"if_{index}_oper"] = "absent"
            failures.append(f"interface {index} not found")
            continue
        try:
            status = IF_OPER_NAMES.get(int(value), str(int(value)))
        except (TypeError, ValueError):
            status = str(value.prettyPrint())
        values[f"if_{index}_oper"] = status
        if status != "up":
            failures.append(f"interface {index} is {status}")
    if failures:
        return ServiceOutcome(False, rtt_ms, "; ".join(failures), values)
    return ServiceOutcome(True, rtt_ms, None, values)


def _is_absent(value: Any) -> bool:
    """True for the SNMPv2 exceptions that stand in for a missing value."""
    return isinstance(value, NoSuchInstance | NoSuchObject | EndOfMibView)


async def _target(host: str, port: int, timeout: float) -> Any:
    """The transport target for ``host:port``: UDP over IPv6 for an IPv6 literal, else
    IPv4 (host names resolve to IPv4). One request, no retries."""
    try:
        ipv6 = ipaddress.ip_address(host).version == 6
    except ValueError:
        ipv6 = False
    kind = Udp6TransportTarget if ipv6 else UdpTransportTarget
    return await kind.create((host, port), timeout=timeout, retries=0)


def _auth_data(
    version: str,
    community: str,
    user: str,
    auth_key: str,
    auth_protocol: str | None,
    priv_key: str,
    priv_protocol: str | None,
) -> Any:
    """pysnmp's ``CommunityData`` or ``UsmUserData`` for the arguments (``ValueError`` if
    they do not fit together)."""
    if version == "2c":
        if not community:
            raise ValueError("SNMP v2c needs a community")
        return CommunityData(community, mpModel=1)
    if version != "3":
        raise ValueError(f"SNMP version must be '2c' or '3', not {version!r}")
    if not user:
        raise ValueError("SNMPv3 needs a user name")
    if auth_protocol is not None and auth_protocol not in _AUTH_PROTOCOLS:
        raise ValueError(f"unknown SNMPv3 auth protocol {auth_protocol!r}")
    if priv_protocol is not None and priv_protocol not in _PRIV_PROTOCOLS:
        raise ValueError(f"unknown SNMPv3 privacy protocol {priv_protocol!r}")
    if (auth_protocol is None) != (not auth_key):
        raise ValueError("SNMPv3 auth_key and auth_protocol go together")
    if (priv_protocol is None) != (not priv_key):
        raise ValueError("SNMPv3 priv_key and priv_protocol go together")
    if priv_protocol is not None and auth_protocol is None:
        raise ValueError("SNMPv3 privacy needs authentication too")
    for key in (auth_key, priv_key):
        if key and len(key) < 8:
            raise ValueError("SNMPv3 keys must have at least 8 characters")
    return UsmUserData(
        user,
        authKey=auth_key or None,
        privKey=priv_key or None,
        authProtocol=_AUTH_PROTOCOLS[auth_protocol] if auth_protocol else USM_AUTH_NONE,
        privProtocol=_PRIV_PROTOCOLS[priv_protocol] if priv_protocol else USM_PRIV_NONE,
    )


def _check_interfaces(interfaces: Collection[int]) -> list[int]:
    """The interface indexes in order without repeats; ``ValueError`` unless each is an
    ifIndex, 1..2147483647."""
    indexes: list[int] = []
    for index in interfaces:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 < index < 2**31:
            raise ValueError(f"interface index must be an integer 1..2147483647, not {index!r}")
        if index not in indexes:
            indexes.append(index)
    return indexes


def _indication_reason(indication: Any, timeout: float) -> str:
    """A reason for an SNMP engine error indication (no answer, USM failures...)."""
    if isinstance(indication, errind.RequestTimedOut):
        return _timeout_reason(timeout)
    for kind, reason in _ERROR_REASONS.items():
        if isinstance(indication, kind):
            return reason
    return f"SNMP: {indication}"


def _pysnmp_error_reason(error: PySnmpError) -> str:
    """A reason for an exception pysnmp raised (mostly an unresolvable host: pysnmp wraps
    the resolver's ``socket.gaierror``)."""
    cause = error.__cause__ or error.__context__
    if isinstance(cause, OSError):
        return os_error_reason(cause)
    return f"SNMP: {error}"


def _error_oid(batch: Sequence[str], error_index: int) -> str:
    """``" at <OID>"`` for a 1-based SNMP error index into ``batch``, else ``""``."""
    return f" at {batch[error_index - 1]}" if 0 < error_index <= len(batch) else ""


Keys = tuple[str | None, str, str | None, str]


class _UserGate:
    """Admits concurrent SNMPv3 checks of one user name only while they use the same keys.

    Waiters are admitted in arrival order: a check with the keys in use joins at once
    unless a check with other keys is already waiting (so no key set starves).
    """

    __slots__ = ("active", "keys", "waiting")

    def __init__(self) -> None:
        self.keys: Keys | None = None
        self.active = 0
        self.waiting: deque[tuple[Keys, asyncio.Future[None]]] = deque()

    async def enter(self, keys: Keys) -> None:
        """Wait until checks with ``keys`` may run, and count this one in."""
        if not self.waiting and (self.active == 0 or self.keys == keys):
            self.keys = keys
            self.active += 1
            return
        admitted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append((keys, admitted))
        try:
            await admitted
        except BaseException:
            if admitted.done() and not admitted.cancelled():
                self.leave()  # admitted, then cancelled before it could run
            else:
                admitted.cancel()
                self._admit()
            raise

    def leave(self) -> None:
        """Count a check out and admit whoever may run now."""
        self.active -= 1
        self._admit()

    def _admit(self) -> None:
        while self.waiting:
            keys, admitted = self.waiting[0]
            if admitted.done():  # cancelled while waiting
                self.waiting.popleft()
                continue
            if self.active and keys != self.keys:
                return
            self.waiting.popleft()
            self.keys = keys
            self.active += 1
            admitted.set_result(None)


def _user_gate(engine: Any, user: str) -> _UserGate:
    """The gate of ``user`` on ``engine`` (kept in the engine's user context)."""
    gates: dict[str, _UserGate] | None = engine.get_user_context(_GATES)
    if gates is None:
        gates = {}
        engine.set_user_context(**{_GATES: gates})
    gate = gates.get(user)
    if gate is None:
        gate = gates[user] = _UserGate()
    return gate
