"""tools.project_env: project.env read as make and sh read it, applied without overriding the caller."""

import pytest

from tools.project_env import PROJECT_ENV, apply_project_env, read_project_env


def test_the_project_env_file_is_read_whole():
    # GIVEN project.env as the Makefile includes it WHEN read THEN each exported variable is there
    assert read_project_env() == {"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "CHECKPOINT_DISABLE": "1"}


def test_a_variable_already_set_is_kept_and_the_others_are_added():
    environ = {"CHECKPOINT_DISABLE": "0", "PATH": "/usr/bin"}
    apply_project_env(environ)
    assert environ == {
        "CHECKPOINT_DISABLE": "0",
        "PATH": "/usr/bin",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }


@pytest.mark.parametrize("line", ["JSII_X=1", 'export NAME="quoted"', "export NAME=$(HOME)", "include other.env"])
def test_a_line_of_another_form_is_refused_naming_the_file_and_line(tmp_path, line):
    path = tmp_path / "project.env"
    path.write_text(f"# comment\n\n{line}\n")
    with pytest.raises(ValueError) as caught:
        read_project_env(path)
    assert str(caught.value) == (
        f"{path}:3: only `export NAME=value` lines (a plain value, no quotes or $) are read by "
        f"tools/project_env.py; got {line!r}"
    )


def test_it_reads_the_file_the_makefile_includes():
    assert PROJECT_ENV.name == "project.env"
    assert "include project.env" in (PROJECT_ENV.parent / "Makefile").read_text().splitlines()
