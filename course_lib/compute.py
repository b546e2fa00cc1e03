"""How much arithmetic a training run needs, and how long accelerators take to do it.

Conventions: FLOP counts are *model* FLOPs (what the model needs, not what the hardware
re-does); accelerator peaks are the dense tensor-core figures of ``data/accelerators.csv``;
``mfu`` (model-FLOP utilisation) is the share of that peak a real run achieves.
"""
from __future__ import annotations

import pint

from .data import accelerator as _accelerator
from .units import Q_, accepts, count, fraction, quantity

__all__ = ["training_flops", "compute_time", "DEFAULT_MFU"]

# Llama 3 405B pre-training on 8,192-16,384 H100s reached 38-43 % BF16 MFU (The Llama 3
# Herd of Models, arXiv:2407.21783, Table 4); 0.40 sits inside that range.
DEFAULT_MFU = 0.40


@accepts(params=count("param"), tokens=count("token"))
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
    return Q_(factor * params.m_as("param") * tokens.m_as("token"), "FLOP")


@accepts(flops=quantity("FLOP"), devices=count(positive=True), mfu=fraction())
def compute_time(flops, devices, accelerator, fmt="BF16", mfu=DEFAULT_MFU) -> pint.Quantity:
    """Wall time for ``devices`` accelerators to do ``flops`` at ``mfu`` of their dense peak.

    Model: ``flops / (devices * peak[fmt] * mfu)``. The peak is the datasheet's dense
    tensor-core figure for ``fmt``; ``mfu`` folds in everything that keeps a real run
    below it (communication not hidden, memory-bound kernels, stalls). The default 0.40 is
    the middle of the 38-43 % that Llama 3 405B reached on 16,384 H100s in BF16
    (arXiv:2407.21783, Table 4). Restarts and failures are not included.

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
    acc = _accelerator(accelerator)
    if fmt not in acc.peak:
        raise ValueError(f"compute_time(): {acc.name} has no {fmt} peak in the table; "
                         f"known: {', '.join(acc.peak)}.")
    rate = acc.peak[fmt] * (devices.m * mfu)
    return (flops / rate).to("s")
