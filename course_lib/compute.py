"""How much arithmetic a training run needs, and how long accelerators take to do it.

Conventions: FLOP counts are *model* FLOPs (what the model needs, not what the hardware
re-does); accelerator peaks are the dense tensor-core figures of ``data/accelerators.csv``;
``mfu`` (model-FLOP utilisation) is the share of that peak a real run achieves.
"""
from __future__ import annotations

import pint

from .data import accelerator as _accelerator, constant, normalize
from .declare import accepts, count, flag, fraction, quantity
from .formats import number_format
from .units import Q_, describe_value

__all__ = ["training_flops", "compute_time", "peak_rate", "DEFAULT_MFU"]

# The old name of compute_time's default (a row of data/constants.csv).
DEFAULT_MFU = float(constant("model FLOP utilisation").m)


def peak_rate(accelerator, fmt="BF16") -> pint.Quantity:
    """Dense peak of ``accelerator`` in number format ``fmt``, in FLOP/s.

    Format names are read as everywhere in the kit (``"fp8"``, ``"FP8 E4M3"``, ``"NVFP4"``
    all work): a block-scaled or sub-typed format runs at the peak of its element width
    (NVFP4 and MXFP4 at the FP4 peak, FP8 E4M3 at the FP8 peak).

    >>> peak_rate("H100", "fp8").to("TFLOP/s")
    <Quantity(1978.9, 'teraFLOP / second')>
    """
    acc = _accelerator(accelerator)
    peaks = {normalize(k): v for k, v in acc.peak.items()}
    key = normalize(fmt) if isinstance(fmt, str) else ""
    if key not in peaks:
        try:
            f = number_format(fmt)
            key = next((k for k in peaks if normalize(f.name).endswith(k)
                        or normalize(f.name).startswith(k)), key)
        except KeyError:
            pass
    if key not in peaks:
        raise ValueError(f"{acc.name} has no peak for the format {describe_value(fmt)} in the table; "
                         f"known: {', '.join(acc.peak)}.")
    return peaks[key]


@accepts(returns="FLOP", params=count("param"), tokens=count("token"), recompute=flag())
def training_flops(params, tokens, recompute=False) -> pint.Quantity:
    """FLOPs to train a dense transformer of ``params`` parameters on ``tokens`` tokens.

    Model: ``6 N D`` (Kaplan et al., "Scaling Laws for Neural Language Models",
    arXiv:2001.08361, section 2.1): 2 FLOPs per parameter per token forward (a multiply
    and an add), 4 backward. It leaves out the attention score FLOPs (``~6 n_layers
    n_ctx d_model`` per token, a few percent at ordinary context lengths), embeddings and
    norms. With full activation recomputation (``recompute=True``) the hardware repeats the
    forward pass: ``8 N D`` hardware FLOPs (MFU still counts the 6).
    For a mixture-of-experts model, pass the *active* parameters.
    Check: GPT-3, 175e9 parameters x 300e9 tokens = 3.15e23 FLOP (paper: 3.14e23).

    Parameters
    ----------
    params : parameters used per token (a count, or ``"70 Gparam"``)
    tokens : training tokens (a count, or ``"15 Ttoken"``)
    recompute : count the repeated forward pass of full recomputation (8 N D)

    >>> training_flops("175 Gparam", "300 Gtoken").to("ZFLOP")
    <Quantity(315.0, 'zettaFLOP')>
    """
    factor = 8 if recompute else 6
    return Q_(factor * params * tokens, "FLOP")


@accepts(returns="s", flops=quantity("FLOP"), devices=count(whole=True, minimum=1),
         mfu=fraction(default="model FLOP utilisation"))
def compute_time(flops, devices, accelerator, fmt="BF16", mfu=None) -> pint.Quantity:
    """Wall time for ``devices`` accelerators to do ``flops`` at ``mfu`` of their dense peak.

    Model: ``flops / (devices * peak[fmt] * mfu)``. The peak is the datasheet's dense
    tensor-core figure for ``fmt``; ``mfu`` folds in everything that keeps a real run
    below it (communication not hidden, memory-bound kernels, stalls). The default sits
    inside the 38-43 % that Llama 3 405B reached on 8,192-16,384 H100s in BF16.
    Restarts and failures are not included.

    Parameters
    ----------
    flops : work to do (e.g. from :func:`training_flops`)
    devices : number of accelerators
    accelerator : name or record (``"H100"``)
    fmt : number format of the peak used (``"BF16"``, ``"FP8"``, ``"FP4"``)
    mfu : model-FLOP utilisation, a fraction in (0, 1]

    >>> print(f'{compute_time("1e21 FLOP", 1000, "H100", mfu=0.5).to("min"):.4g~P}')
    33.69 min
    """
    return flops / (peak_rate(accelerator, fmt) * (devices * mfu))
