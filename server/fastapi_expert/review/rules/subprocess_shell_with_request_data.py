"""FE038: request data in a command run by a shell (``subprocess`` with ``shell=True``, ``os.system``)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.rule import Invalid, Rule, Valid
from fastapi_expert.review.taint import RequestData, request_data_here

if TYPE_CHECKING:
    from fastapi_expert.review.context import RuleContext

__all__ = ["SubprocessShellWithRequestData"]

#: Run their command through a shell only with ``shell=True``.
_SHELL_OPTION = frozenset(f"subprocess.{name}" for name in ("run", "call", "check_call", "check_output", "Popen")) | {
    "anyio.run_process",
    "anyio.open_process",
}
#: Always run their command through a shell.
_ALWAYS_SHELL = frozenset(
    {"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput", "commands.getoutput"}
    | {"asyncio.create_subprocess_shell", "asyncio.subprocess.create_subprocess_shell"}
)

_SHELLS = _SHELL_OPTION | _ALWAYS_SHELL


class SubprocessShellWithRequestData(Rule):
    """## What it does
    Flags a command run through a shell — `subprocess.run/call/check_output/Popen(..., shell=True)`, `os.system`,
    `os.popen`, `subprocess.getoutput`, `asyncio.create_subprocess_shell` — whose command contains request data (a
    route parameter, a body field, an upload's file name...) not quoted with `shlex.quote`.

    ## Why is this bad?
    The shell interprets `;`, `&&`, `|`, `$(...)` and backticks in the command. `?host=example.com;cat /etc/passwd`
    turns a ping endpoint into a remote shell running with the server's permissions. (ruff's S602/S605 flag every
    shell call; this rule reports those fed by the request, which are exploitable.)

    ## Example
    ```python
    import subprocess

    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/ping")
    def ping(host: str) -> str:
        return subprocess.run(f"ping -c 1 {host}", shell=True, capture_output=True, text=True).stdout
    ```

    ## Use instead
    Pass the arguments as a list, without a shell (and validate `host` too: a leading `-` is still an option):
    ```python
    import subprocess

    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/ping")
    def ping(host: str) -> str:
        return subprocess.run(["ping", "-c", "1", "--", host], capture_output=True, text=True).stdout
    ```

    ## Known problems
    Commands built in helper functions are not followed.

    ## References
    - [Python: subprocess — security considerations](https://docs.python.org/3/library/subprocess.html#security-considerations)
    - [OWASP: Command Injection](https://owasp.org/www-community/attacks/Command_Injection)
    """

    CODE = "FE038"
    MESSAGE = "request data in a shell command: `;`, `|` and `$(...)` in it run any command on the server"
    SEVERITY = Severity.ERROR
    OVERLAPS = ("S602", "S604", "S605")
    TRIGGERS = ("subprocess", "system", "popen", "getoutput", "create_subprocess_shell", "run_process", "open_process")

    VALID: ClassVar = [
        # a list of arguments without a shell
        Valid(
            "import subprocess\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            "@app.get('/ping')\ndef ping(host: str):\n    return subprocess.run(['ping', '-c', '1', host]).returncode\n"
        ),
        # quoted
        Valid(
            "import shlex, subprocess\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            "@app.get('/ping')\ndef ping(host: str):\n"
            "    return subprocess.run(f'ping -c 1 {shlex.quote(host)}', shell=True).returncode\n"
        ),
        # a number, and a fixed command
        Valid(
            "import os\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            "@app.post('/nice/{pid}')\ndef nice(pid: int):\n    os.system(f'renice 10 {pid}')\n"
            "    return os.system('uptime')\n"
        ),
        # our own run(); no command given here
        Valid(
            "import subprocess\nfrom fastapi import FastAPI\napp = FastAPI()\ndef run(cmd: str, shell: bool): ...\n"
            "@app.get('/x')\ndef x(name: str, options: dict):\n    run(name, shell=True)\n"
            "    return subprocess.run(shell=True, **options)\n"
        ),
        # outside a route
        Valid("import os\ndef run(cmd: str):\n    return os.system(cmd)\n"),
        # shell=False explicitly
        Valid(
            "import subprocess\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            "@app.get('/x')\ndef x(name: str):\n    return subprocess.check_output(['ls', name], shell=False)\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "import subprocess\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            "@app.get('/ping')\ndef ping(host: str):\n"
            "    return subprocess.run(f'ping -c 1 {host}', shell=True).returncode\n",
            line=6,
            column=12,
        ),
        # os.system with a body field, aliased
        Invalid(
            "import os as o\nfrom fastapi import APIRouter\nfrom pydantic import BaseModel\nrouter = APIRouter()\n"
            "class Convert(BaseModel):\n    filename: str\n"
            "@router.post('/convert')\ndef convert(body: Convert):\n"
            "    o.system('convert ' + body.filename + ' out.png')\n",
            line=9,
        ),
        # asyncio's shell in an async route, through a variable
        Invalid(
            "import asyncio\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            "def build():\n    @app.post('/git/{branch}')\n    async def checkout(branch: str):\n"
            "        cmd = 'git checkout %s' % branch\n        await asyncio.create_subprocess_shell(cmd)\n",
            line=8,
        ),
        # an upload's name given to Popen
        Invalid(
            "from subprocess import Popen\nfrom fastapi import FastAPI, UploadFile\napp = FastAPI()\n"
            "@app.post('/scan')\ndef scan(file: UploadFile):\n    Popen('clamscan ' + file.filename, shell=True)\n",
            line=6,
        ),
    ]

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._data: dict[int, RequestData] = {}

    def visit_Call(self, node: ast.Call) -> None:
        if not self.context.may_refer_to(node.func, _SHELLS):
            return
        qualified = self.context.qualified_name(node.func)
        if qualified in _SHELL_OPTION:
            shell = next((k.value for k in node.keywords if k.arg == "shell"), None)
            if not (isinstance(shell, ast.Constant) and shell.value is True):
                return
        elif qualified not in _ALWAYS_SHELL:
            return
        command = (
            node.args[0]
            if node.args
            else next((k.value for k in node.keywords if k.arg in {"args", "cmd", "command"}), None)
        )
        if command is None:
            return
        data = request_data_here(self.context, self._data)
        if data is not None and data.carries(command):
            self.report(node)
