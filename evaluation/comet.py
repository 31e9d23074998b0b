"""COMET (Rei et al. 2020) scores, an optional extra: `pip install 'diglot[comet]'`.

COMET needs a checkpoint: a local folder (as `comet-download` or the hub leave it, with
checkpoints/model.ckpt), a .ckpt file, or a hub id such as Unbabel/wmt22-comet-da, which is
downloaded on first use where the hub is reachable.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from diglot.errors import ConfigError, DataFormatError
from evaluation.metrics import Score


def _checkpoint(model: str) -> Path:
    path = Path(model).expanduser()
    if path.is_file():
        return path
    if path.is_dir():
        found = path / "checkpoints" / "model.ckpt"
        if not found.is_file():
            raise ConfigError(f"{path} has no checkpoints/model.ckpt; give a COMET model folder")
        return found
    from comet import download_model

    try:
        found = Path(download_model(model))
    except Exception as exc:  # the hub client raises many kinds; all mean "not here"
        raise ConfigError(f"COMET model {model!r} is not a local path and could not be "
                          f"downloaded ({type(exc).__name__}); download it where the hub is "
                          "reachable and give its folder") from None
    return found if found.is_file() else found / "checkpoints" / "model.ckpt"


def comet_score(sources: Sequence[str], hypotheses: Sequence[str], references: Sequence[str],
                model: str, batch_size: int = 16) -> tuple[Score, list[float]]:
    """System-level COMET (×100, as usually reported) and per-segment scores.

    Raises:
        ConfigError: unbabel-comet is not installed, or the model cannot be found.
        DataFormatError: the three sides have different lengths.
    """
    try:
        import comet
    except ImportError:
        raise ConfigError("COMET needs its package: pip install 'diglot[comet]'") from None
    if not len(sources) == len(hypotheses) == len(references):
        raise DataFormatError("source", None, f"has {len(sources)} segments, the hypothesis "
                              f"{len(hypotheses)} and the reference {len(references)}; give "
                              "files with one segment a line")
    loaded = comet.load_from_checkpoint(str(_checkpoint(model)))
    out = loaded.predict([{"src": s, "mt": h, "ref": r}
                          for s, h, r in zip(sources, hypotheses, references, strict=True)],
                         batch_size=batch_size, gpus=0, progress_bar=False)
    signature = f"nrefs:1|model:{model}|version:{getattr(comet, '__version__', '?')}"
    return Score("comet", 100 * float(out.system_score), signature), [float(x) for x in
                                                                       out.scores]
