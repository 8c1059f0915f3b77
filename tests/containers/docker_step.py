"""One step through kfp.local.DockerRunner in a fresh process (kfp.local swaps ``print`` and
the logging handlers of the process it runs in).

    python tests/containers/docker_step.py <data folder> <pipeline root> [docker-run JSON]

Runs a component that reads one wav of the read-only data mount with librosa, tries to
write beside it, and records what it saw; prints its output artifact's text.
"""

# no `from __future__ import annotations`: kfp reads the component signature's real types

import json
import sys
from pathlib import Path

from kfp import local
from kfp.dsl import Dataset, Output

from components import image_component
from pipelines.local.runners import make_runner


@image_component
def probe_step(wav_dir: str, probe: Output[Dataset]):
    import os
    from pathlib import Path

    import librosa

    wav = sorted(Path(wav_dir).glob("*.wav"))[0]
    y, sr = librosa.load(wav, sr=None)
    mfcc = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=13)
    try:
        (Path(wav_dir) / "written-by-a-step").write_text("x")
        data_writable = True
    except OSError:
        data_writable = False
    root_writable = os.access("/", os.W_OK) and os.access("/usr", os.W_OK)
    Path(probe.path).write_text(f"uid={os.getuid()} mfcc={mfcc.shape[0]} wav={wav.name} "
                                f"data_writable={data_writable} root_writable={root_writable}")


def main(argv: list[str]) -> int:
    data, root = Path(argv[0]), Path(argv[1])
    extra = json.loads(argv[2]) if len(argv) > 2 else {}
    executor = make_runner("docker", root.resolve(), data, **extra)
    print(f"runner: {executor.description}")
    local.init(runner=executor.runner, pipeline_root=str(root.resolve()))
    task = probe_step(wav_dir=str(data.resolve()))
    print("probe:", Path(task.outputs["probe"].path).read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
