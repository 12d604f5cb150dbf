"""The files of ``deploy/`` (issue 19 point 4): systemd units that parse and run existing
commands with the arguments ``jaga run`` uses, an environment file naming only variables
Jaga reads (and passing ``jaga check --deploy``), and an nginx site that ``nginx -t``
accepts, whose upload limit and forwarded headers match Jaga's settings (without nginx that
check skips, except under CI=true, where it fails; ``make test`` installs it as root)."""

from __future__ import annotations

import configparser
import datetime as dt
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.management import load_command_class

from jaga.web.management.commands.run import (
    DATABASE_BACKEND,
    RQ_BACKEND,
    task_worker_argv,
    web_argv,
)
from tests.conftest import OWN_PROCESS_UNSET
from tests.test_cli import COMMANDS

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
ENV_EXAMPLE = DEPLOY / "jaga.env.example"
NGINX_SITE = DEPLOY / "nginx" / "jaga.conf"
#: What a template unit's ``%i`` stands for in the tests: a port or a worker number, an
#: agency's slug for the monitor.
INSTANCES = {"jaga-monitor@.service": "bogor"}
#: Commands of other packages the units run, and their Django app.
OTHER_COMMANDS = {
    "collectstatic": "django.contrib.staticfiles",
    "db_worker": "django_tasks_db",
    "rqworker": "django_rq",
}


def read_unit(path: Path) -> configparser.ConfigParser:
    """``path`` parsed as systemd reads it, near enough: ``KEY=VALUE`` lines, keys with
    their case, ``#`` and ``;`` comments, repeated keys allowed (the last one wins here)."""
    parser = configparser.ConfigParser(
        strict=False, interpolation=None, delimiters=("=",), comment_prefixes=("#", ";")
    )
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(), source=str(path))
    return parser


def exec_lines(path: Path) -> list[list[str]]:
    """The argv of every ``Exec*=`` line of ``path`` (all of them, repeated or not), with
    systemd's prefixes (``-``, ``@``, ``+``, ``!``) dropped and ``%i`` replaced by the
    unit's example instance."""
    instance = INSTANCES.get(path.name, "8000")
    found = []
    for line in path.read_text().splitlines():
        match = re.match(r"Exec\w*=(.*)", line)
        if match:
            found.append(shlex.split(match.group(1).lstrip("-@+!").replace("%i", instance)))
    return found


def test_it_ships_a_unit_for_each_process_of_a_deployment() -> None:
    names = {path.name for path in UNITS}
    assert {
        "jaga-web@.service",
        "jaga-static.service",
        "jaga-worker@.service",
        "jaga-db-worker@.service",
        "jaga-scheduler.service",
        "jaga-monitor@.service",
        "jaga-telegram.service",
    } <= names


@pytest.mark.parametrize("path", UNITS, ids=lambda path: path.name)
def test_it_parses_every_unit_with_its_sections(path: Path) -> None:
    unit = read_unit(path)
    assert {"Unit", "Service", "Install"} <= set(unit.sections())
    assert unit["Unit"]["Description"]
    assert unit["Service"]["ExecStart"]
    assert unit["Service"]["EnvironmentFile"] == "/etc/jaga/jaga.env"
    assert unit["Service"]["User"] == "jaga"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.parametrize("path", UNITS, ids=lambda path: path.name)
def test_it_runs_existing_commands_with_arguments_they_accept(path: Path) -> None:
    commands = exec_lines(path)
    assert commands
    for argv in commands:
        assert argv[0].endswith("/bin/python")
        assert argv[1] == "-m"
        if argv[2] == "gunicorn":
            bind = argv[argv.index("--bind") + 1]
            workers = int(argv[argv.index("--workers") + 1])
            assert argv[3:] == web_argv(bind, workers)  # what `jaga run` starts
            continue
        assert argv[2] == "jaga"
        name, args = argv[3], argv[4:]
        if name in OTHER_COMMANDS:
            app = OTHER_COMMANDS[name]
        else:
            assert (name,) in COMMANDS, f"{path.name}: no command `jaga {name}`"
            app = next(a for n, a in get_jaga_commands() if n == name)
        if name in ("db_worker", "rqworker"):
            task_workers = {
                tuple(task_worker_argv(backend, settings.JAGA_TASK_QUEUES) or ())
                for backend in (DATABASE_BACKEND, RQ_BACKEND)
            }
            assert tuple(argv[3:]) in task_workers  # what `jaga run` starts
        # Unknown options or bad values make argparse exit.
        load_command_class(app, name).create_parser("jaga", name).parse_args(args)


def get_jaga_commands() -> list[tuple[str, str]]:
    """``(command, app)`` of every management command of Jaga's apps."""
    from django.core.management import get_commands

    return [(name, app) for name, app in get_commands().items() if app.startswith("jaga.")]


def test_it_runs_a_monitor_per_agency_and_gives_it_raw_sockets() -> None:
    path = DEPLOY / "systemd" / "jaga-monitor@.service"
    (argv,) = exec_lines(path)
    assert argv[3:] == ["monitor", "--agency", "bogor"]
    assert read_unit(path)["Service"]["AmbientCapabilities"] == "CAP_NET_RAW"


def env_example() -> dict[str, str]:
    """The variables of ``jaga.env.example``, commented-out ones too (with their value)."""
    found = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.match(r"#?([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            found[match.group(1)] = match.group(2)
    return found


def test_it_lists_only_variables_jaga_reads_in_the_environment_example() -> None:
    sources = (ROOT / "jaga" / "config.py").read_text() + (
        ROOT / "jaga" / "settings.py"
    ).read_text()
    variables = env_example()
    assert {"DATABASE_URL", "JAGA_DATA_DIR", "JAGA_SECRET_KEY", "JAGA_PUBLIC_URL"} <= set(variables)
    assert variables["JAGA_TASK_BACKEND"] == "rq"
    assert variables["JAGA_REDIS_URL"].startswith("redis://")
    for name in variables:
        assert f'"{name}"' in sources, f"Jaga does not read {name}"


def test_it_passes_the_deploy_checks_with_the_environment_example(tmp_path: Path) -> None:
    # A server's environment: none of the test session's Django or Jaga variables (the
    # browser tests set DJANGO_ALLOW_ASYNC_UNSAFE, which the deploy checks refuse).
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in OWN_PROCESS_UNSET and not k.startswith(("DJANGO_", "JAGA_"))
    }
    env.update({k: v for k, v in env_example().items() if v})
    env["JAGA_DATA_DIR"] = str(tmp_path)  # the example's /var/lib/jaga is not ours
    result = subprocess.run(
        [sys.executable, "-m", "jaga", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def nginx_directives() -> list[list[str]]:
    """The nginx site's statements and block openings, each split into words, comments
    dropped; ``{`` and ``}`` are words of their own."""
    text = re.sub(r"#[^\n]*", "", NGINX_SITE.read_text())
    statements = []
    words: list[str] = []
    for word in re.findall(r"[{};]|[^\s{};]+", text):
        if word == ";":
            statements.append(words)
            words = []
        elif word in "{}":
            statements.append([*words, word])
            words = []
        else:
            words.append(word)
    assert not words, "a statement without its ;"
    return statements


def test_it_proxies_to_an_upstream_of_web_servers_in_the_nginx_site() -> None:
    statements = nginx_directives()
    depth = 0
    for words in statements:
        depth += words.count("{") - words.count("}")
        assert depth >= 0
    assert depth == 0
    upstreams = [words[1] for words in statements if words[:1] == ["upstream"]]
    assert len(upstreams) == 1
    start = statements.index(["upstream", upstreams[0], "{"])
    servers = []
    for words in statements[start + 1 :]:
        if words == ["}"]:
            break
        if words[0] == "server":
            servers.append(words[1])
    assert len(servers) >= 2
    assert all(re.fullmatch(r"[\w.-]+:\d+", server) for server in servers)
    assert ["proxy_pass", f"http://{upstreams[0]}"] in statements


def test_it_forwards_the_headers_jaga_trusts_behind_a_proxy() -> None:
    source = (ROOT / "jaga" / "settings.py").read_text()
    assert 'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")' in source
    assert "USE_X_FORWARDED_HOST = True" in source
    statements = nginx_directives()
    assert ["proxy_set_header", "X-Forwarded-Proto", "$scheme"] in statements
    assert ["proxy_set_header", "X-Forwarded-Host", "$host"] in statements
    assert ["proxy_set_header", "X-Forwarded-For", "$proxy_add_x_forwarded_for"] in statements
    # Uploaded files are served by views that check permissions, never by nginx.
    assert not any(words[0] in ("alias", "root") for words in statements)


def test_it_limits_request_bodies_in_nginx_as_jaga_does() -> None:
    (size,) = [words[1] for words in nginx_directives() if words[0] == "client_max_body_size"]
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", size).groups()  # type: ignore[union-attr]
    factor = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]
    if "JAGA_MAX_UPLOAD_MB" not in os.environ:
        assert int(number) * factor == settings.JAGA_MAX_REQUEST_BYTES
    assert int(number) * factor == int(env_example()["JAGA_MAX_UPLOAD_MB"]) * 1024**2


def nginx_binary() -> str:
    """The nginx program (``/usr/sbin`` is not on every user's PATH); skips without it,
    fails under CI=true."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        reason = "nginx is not installed (make test installs nginx-light when run as root)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {reason}")
        pytest.skip(reason)
    return found


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A throw-away certificate for jaga.example.go.id and its key, in ``directory``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jaga.example.go.id")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "jaga.pem", directory / "jaga.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_it_ships_an_nginx_site_that_nginx_accepts(tmp_path: Path) -> None:
    nginx = nginx_binary()
    cert, key = self_signed(tmp_path)
    site = NGINX_SITE.read_text()
    # The certificate paths are the deployment's: a throw-away pair stands in for them.
    site, certs = re.subn(r"(?m)^(\s*ssl_certificate)\s+\S+;", rf"\1 {cert};", site)
    site, keys = re.subn(r"(?m)^(\s*ssl_certificate_key)\s+\S+;", rf"\1 {key};", site)
    assert (certs, keys) == (1, 1)
    (tmp_path / "jaga.conf").write_text(site)
    temp = "\n".join(
        f"    {kind}_temp_path {tmp_path / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # The site as Debian's nginx.conf includes it: in the http block.
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\n"
        "events {}\n"
        "http {\n"
        "    access_log off;\n"
        f"{temp}\n"
        f"    include {tmp_path / 'jaga.conf'};\n"
        "}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-e", "stderr", "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
    assert "test is successful" in result.stderr
    assert "[warn]" not in result.stderr, result.stderr
