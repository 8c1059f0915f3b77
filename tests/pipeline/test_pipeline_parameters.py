"""The run arguments a local run and a submit pass are the study pipeline's parameters: the
names live in pipelines/arguments.py, the signature in pipelines/study.py."""

from digitstudy.config import load_profile
from pipelines import arguments, submit
from pipelines.study import build_study


def test_the_named_parameters_are_the_pipelines_signature():
    study = build_study(load_profile("tiny"))
    assert tuple(study.component_spec.inputs) == arguments.PIPELINE_PARAMETERS


def test_a_local_run_and_a_submit_pass_only_pipeline_parameters(tmp_path):
    declared = set(arguments.PIPELINE_PARAMETERS)
    local = arguments.pipeline_arguments(tmp_path, run_id="tiny-x")
    assert set(local) <= declared
    assert set(local) == declared - {arguments.PROFILE_NAME, arguments.PARTS,
                                     arguments.DATA_FINGERPRINT}
    assert {local[arguments.source_parameter(d)] for d in arguments.DATASETS} == {str(tmp_path)}
    on_cluster = submit.run_arguments("s3://datasets", "tiny-x")
    assert set(on_cluster) == set(local)
    assert on_cluster[arguments.source_parameter("mnist")] == "s3://datasets/mnist"
