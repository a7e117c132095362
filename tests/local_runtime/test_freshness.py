"""A handler edited after ``cdktf synth`` runs as it was synthesized: the commands say so before a run.

Each test lays out a small project in a temporary folder: ``functions/fn`` (the source), another
handler folder beside it, and ``cdktf.out`` holding one synthesized stack whose function's archive
was built from ``functions/fn``.
"""

import io
import json
import os
import time
import zipfile

import pytest

from local_runtime import cli
from local_runtime.freshness import project_of, stale_functions
from local_runtime.model import load_stack

HANDLER = "def handler(event, context):\n    return {'n': event.get('n')}\n"
OTHER = "def handler(event, context):\n    raise RuntimeError('another function')\n"


@pytest.fixture
def project(tmp_path):
    """A project whose stack ``s`` runs an archive of ``functions/fn`` written just now."""
    source = tmp_path / "functions" / "fn"
    source.mkdir(parents=True)
    (source / "index.py").write_text(HANDLER)
    (tmp_path / "functions" / "other").mkdir()
    (tmp_path / "functions" / "other" / "index.py").write_text(OTHER)
    outdir = tmp_path / "cdktf.out"
    stack = outdir / "stacks" / "s"
    (stack / "assets").mkdir(parents=True)
    (outdir / "manifest.json").write_text('{"stacks": {"s": {}}}')
    (tmp_path / "cdktf.json").write_text('{"app": "python3 main.py"}')
    with zipfile.ZipFile(stack / "assets" / "archive.zip", "w") as archive:
        archive.write(source / "index.py", "index.py")
    document = {
        "provider": {"aws": [{"region": "eu-west-1"}]},
        "resource": {
            "aws_iam_role": {"R": {"name": "r", "assume_role_policy": "{}"}},
            "aws_lambda_function": {
                "Fn": {
                    "function_name": "fn",
                    "role": "${aws_iam_role.R.arn}",
                    "runtime": "python3.12",
                    "handler": "index.handler",
                    "filename": "assets/archive.zip",
                }
            },
        },
    }
    (stack / "cdk.tf.json").write_text(json.dumps(document))
    return tmp_path


def later(path, text):
    """``path`` rewritten with ``text``, dated a second after the archive."""
    path.write_text(text)
    moment = time.time() + 1
    os.utime(path, (moment, moment))


def warnings(project):
    stack = load_stack(project / "cdktf.out" / "stacks" / "s" / "cdk.tf.json")
    return [stale.warning(project) for stale in stale_functions(stack, project)]


def test_an_archive_that_holds_its_folder_as_it_is_says_nothing(project):
    assert warnings(project) == []


def test_a_handler_edited_after_synthesis_is_named_with_its_folder(project):
    # WHEN functions/fn/index.py changes after the synth
    later(project / "functions" / "fn" / "index.py", HANDLER + "# and more\n")
    # THEN the warning names that folder (not the other index.py) and the file
    assert warnings(project) == [
        "warning: Fn: functions/fn/ changed after its archive was synthesized (index.py); the run uses the "
        "archive: synthesize again (make synth, or cdktf synth) to run the change"
    ]


def test_a_module_added_after_synthesis_is_named(project):
    later(project / "functions" / "fn" / "helpers.py", "VALUE = 1\n")
    (warning,) = warnings(project)
    assert "functions/fn/ changed after its archive was synthesized (helpers.py)" in warning


def test_a_folder_changed_before_the_archive_was_written_is_not_its_source(project):
    # GIVEN the source edited, but dated before the archive (an archive built from elsewhere since)
    source = project / "functions" / "fn" / "index.py"
    source.write_text(HANDLER + "# older\n")
    os.utime(source, (1, 1))
    assert warnings(project) == []


def test_an_archive_no_folder_resembles_says_nothing(project):
    # GIVEN no folder of the project holds the archive's file any more
    (project / "functions" / "fn" / "index.py").rename(project / "functions" / "fn" / "main.py")
    (project / "functions" / "other" / "index.py").unlink()
    assert warnings(project) == []


def test_a_folder_sharing_only_file_names_with_the_archive_is_not_its_source(project):
    # GIVEN the source gone from the project, and another handler of the same file name edited since
    (project / "functions" / "fn" / "index.py").unlink()
    later(project / "functions" / "other" / "index.py", OTHER + "# edited\n")
    assert warnings(project) == []


def test_only_a_stack_in_a_cdktf_projects_output_has_a_project(project, tmp_path):
    assert project_of(project / "cdktf.out" / "stacks" / "s" / "cdk.tf.json") == project
    assert project_of(tmp_path / "elsewhere" / "cdk.tf.json") is None
    # (an output folder without cdktf.json beside it: the tests' corpora under a temporary folder)
    (project / "cdktf.json").unlink()
    assert project_of(project / "cdktf.out" / "stacks" / "s" / "cdk.tf.json") is None


def test_invoke_prints_the_warning_before_the_run(project):
    later(project / "functions" / "fn" / "index.py", HANDLER.replace("'n'", "'m'"))
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(
        ["invoke", "s", "Fn", "--payload", '{"n": 1}', "--outdir", str(project / "cdktf.out"), "--json"],
        out=out,
        err=err,
    )
    # THEN the run goes ahead on the archive (its result says n, not m), with the warning on stderr
    assert code == 0
    assert err.getvalue().startswith("warning: Fn: functions/fn/ changed after its archive was synthesized")
    assert json.loads(out.getvalue())["invocations"][0]["result"] == {"n": 1}
