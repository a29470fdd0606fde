"""
Real servers for the load, fault and scale-out tests and for the benchmark.
Each one is started on a free port of 127.0.0.1, in a directory of its own,
and stopped by whoever started it: a PostgreSQL cluster, Redis, gunicorn
running the project.
"""

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, *, process=None, timeout=30):
    """Return once something listens on `port`; fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited early")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


def missing_tools():
    """Return why these servers cannot run here, or "" when they can."""
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        return "needs PostgreSQL's server binaries (apt-get install postgresql)"
    if not shutil.which("redis-server"):
        return "needs redis-server (apt-get install redis-server)"
    return ""


class Postgres:
    """A PostgreSQL cluster of its own, which a test may stop and start."""

    def __init__(self):
        self.bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="clinic-pg-"))
        self.data = self.dir / "data"
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")

    def _run(self, tool, *args):
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root.
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd="/")

    def start(self):
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=60"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l",
            str(self.dir / "log"), "-w", "start",
        )  # fmt: skip

    def stop(self):
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def create_database(self, name):
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), name)
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def destroy(self):
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()  # Unless a test left it stopped.
        shutil.rmtree(self.dir, ignore_errors=True)


class ListeningServer:
    """A process serving on a free port of 127.0.0.1; a test may stop and
    start it. Subclasses say how to run it."""

    #: Seconds to wait for the process to finish after SIGTERM.
    stop_seconds = 10

    def __init__(self):
        self.port = free_port()
        self.process = None

    def command(self):
        """Return (argv, keyword arguments for subprocess.Popen)."""
        raise NotImplementedError

    def start(self):
        argv, options = self.command()
        self.process = subprocess.Popen(argv, **options)
        wait_for_port(self.port, process=self.process)

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=self.stop_seconds)
            self.process = None


class Redis(ListeningServer):
    """A Redis server of its own."""

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self):
        return (
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            {"stdout": subprocess.DEVNULL},
        )  # fmt: skip


def production_env(**extra):
    """The environment of a production server (DEBUG off) plus `extra`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CLINIC_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="clinic.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        CLINIC_TRUSTED_PROXIES="127.0.0.1",
        DJANGO_LOG_LEVEL="WARNING",
        # Kept by each process; tests that need a mail server name one.
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    env.update(extra)
    return env


def manage(env, *args, check=True):
    """Run `manage.py *args` with `env`; return the completed process."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)}: {result.stderr}")
    return result


class Gunicorn(ListeningServer):
    """The project under gunicorn with the production config file."""

    stop_seconds = 30

    def __init__(self, env, *, workers=2, app="clinic.wsgi"):
        super().__init__()
        self.app = app
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                    "GUNICORN_WORKERS": str(workers)}  # fmt: skip

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def command(self):
        return (
            [str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
             self.app],
            {"cwd": ROOT, "env": self.env},
        )  # fmt: skip
