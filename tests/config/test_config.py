import copy

import pytest
import yaml

from digitstudy.config import ProfileError, load_profile, profile_from_dict, profile_path


def raw(name="tiny"):
    return yaml.safe_load(profile_path(name).read_text())


@pytest.mark.parametrize("name", ["tiny", "paper"])
def test_builtin_profiles_load_and_round_trip_as_kfp_parameter(name):
    profile = load_profile(name)
    assert profile.name == name
    assert None not in _leaves(profile.as_parameter())
    assert profile_from_dict(profile.as_parameter()) == profile


def _leaves(d):
    for v in d.values():
        if isinstance(v, dict):
            yield from _leaves(v)
        else:
            yield v


def test_paper_profile_holds_the_study_protocol_for_problem_1():
    p1 = load_profile("paper").p1
    assert (p1.mfcc.n_mfcc, p1.mfcc.frame_ms, p1.mfcc.hop_ms, p1.mfcc.split_seed) == (13, 15.0, 7.5,
                                                                                      42)
    assert (p1.mfcc.split.train, p1.mfcc.split.val, p1.mfcc.split.test) == (0.7, 0.15, 0.15)
    assert p1.baseline.classifier.hidden_units == [256, 128, 64, 32]
    assert p1.baseline.classifier.dropout == 0.3
    assert (p1.baseline.train.epochs, p1.baseline.train.batch_size,
            p1.baseline.train.patience) == (100, 32, 10)
    assert p1.autoencoder.bottleneck_dims == [50, 100, 150, 200, 250, 300, 350, 400]
    assert (p1.autoencoder.hidden_units, p1.autoencoder.l2,
            p1.autoencoder.train.patience) == (256, 1e-3, 15)
    u = p1.utterance
    assert (u.pair_hidden, u.latent_dim, u.merger_hidden) == (128, 32, 64)
    assert (u.autoencoder_train.epochs, u.autoencoder_train.batch_size,
            u.autoencoder_train.patience) == (50, 64, 5)
    assert u.classifier.hidden_units == [512, 256, 128, 64] and u.classifier.batch_norm
    assert (u.classifier_train.batch_size, u.classifier_train.patience) == (16, 10)
    assert (u.classifier_train.reduce_lr.factor, u.classifier_train.reduce_lr.patience) == (0.5, 3)


def test_tiny_keeps_the_paper_structure():
    tiny, paper = raw("tiny"), raw("paper")

    def keys(d, prefix=""):
        out = set()
        for k, v in d.items():
            out.add(prefix + k)
            if isinstance(v, dict):
                out |= keys(v, prefix + k + ".")
        return out

    assert keys(tiny) == keys(paper)


def mutate(path, value, delete=False):
    data = copy.deepcopy(raw())
    node = data
    *parents, last = path.split(".")
    for key in parents:
        node = node[key]
    if delete:
        del node[last]
    else:
        node[last] = value
    return data


@pytest.mark.parametrize("path,value,delete,message", [
    ("p1.baseline.train.epoch", 3, False, "p1.baseline.train.epoch: unknown key"),
    ("p1.baseline.train.epochs", "many", False, "p1.baseline.train.epochs"),
    ("p1.baseline.train.epochs", 0, False, "p1.baseline.train.epochs"),
    ("p1.mfcc.split.test", 0.5, False, "p1.mfcc.split"),
    ("p1.autoencoder.bottleneck_dims", [50, 50], False, "p1.autoencoder.bottleneck_dims"),
    ("p1.mfcc.n_mfcc", None, True, "p1.mfcc.n_mfcc: missing key"),
    ("p1.baseline.classifier.dropout", 1.5, False, "p1.baseline.classifier.dropout"),
])
def test_invalid_profiles_name_the_bad_key(path, value, delete, message):
    with pytest.raises(ProfileError) as err:
        profile_from_dict(mutate(path, value, delete), source="bad.yaml")
    assert message in str(err.value)
    assert "bad.yaml" in str(err.value)


def test_profile_file_errors(tmp_path):
    with pytest.raises(ProfileError, match="neither a built-in profile"):
        load_profile(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(ProfileError, match="not valid YAML"):
        load_profile(bad)
