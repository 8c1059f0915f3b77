"""Strict types in profile files: a quoted number or 32.0 for a whole number names the key."""

from __future__ import annotations

import pytest
import yaml

from digitstudy.config import ProfileError, load_profile, profile_from_dict, profile_path


def _write(tmp_path, edit):
    data = yaml.safe_load(profile_path("tiny").read_text())
    edit(data)
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_quoted_number_is_an_error_naming_the_key(tmp_path):
    path = _write(tmp_path, lambda d: d["p1"]["baseline"]["train"].update(epochs="30"))
    with pytest.raises(ProfileError, match=r"p1.baseline.train.epochs: .*integer.*\(got '30'\)"):
        load_profile(path)


def test_a_float_for_a_whole_number_is_an_error_naming_the_key(tmp_path):
    path = _write(tmp_path, lambda d: d["p1"]["baseline"]["train"].update(batch_size=32.0))
    with pytest.raises(ProfileError, match=r"p1.baseline.train.batch_size: .*\(got 32.0\)"):
        load_profile(path)


def test_the_mix_down_setting_is_a_closed_choice(tmp_path):
    path = _write(tmp_path, lambda d: d["data"]["fsdd"].update(channels="average"))
    with pytest.raises(ProfileError, match="data.fsdd.channels"):
        load_profile(path)
    assert load_profile("tiny").data.fsdd.channels == "error"


def test_the_kfp_struct_form_with_floats_still_loads():
    # protobuf Struct carries every number as a float: the pipeline parameter form
    as_struct = yaml.safe_load(yaml.safe_dump(load_profile("tiny").as_parameter()))
    as_struct["p1"]["baseline"]["train"]["epochs"] = 30.0
    assert profile_from_dict(as_struct).p1.baseline.train.epochs == 30
