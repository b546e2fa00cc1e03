"""Chapter 00's explorer: how long it takes to send a model's weights over one link."""
from __future__ import annotations

import numpy as np

from ..memory import weights_memory
from ..network import transfer_time
from ..units import Q_
from ..widgets import Explorer, choice, readable, slider
from .charts import curve_and_marker

# Link speeds as sold (Ethernet and InfiniBand generations), in Gbit/s.
LINK_SPEEDS = (1, 10, 25, 100, 200, 400, 800, 1600, 3200)
_CURVE = np.logspace(0, np.log10(3200), 60)          # Gbit/s


def _setup(fig):
    # fixed limits that hold every case (0.5 GB at 3.2 Tb/s to 8 TB at 1 Gb/s): the axes
    # never change, so an update redraws only the curve and the marker
    return curve_and_marker(fig, _CURVE, "link speed [Gbit/s]", "time to send [s]",
                            ylim=(1e-3, 1e5))


def _update(artists, params, fmt, speed):
    ax, curve, marker = artists
    size = weights_memory(params, fmt)
    t = transfer_time(size, speed)
    times = transfer_time(size, Q_(_CURVE, "Gbit/s")).m_as("s")
    curve.set_ydata(times)
    marker.set_data([speed.m_as("Gbit/s")], [t.m])
    return (f"{readable(params, 4)} in {fmt}: <b>{readable(size, 4)}</b> "
            f"= {readable(size.to('bit'), 4)}. Over {readable(speed, 4)} "
            f"({readable(speed.to('B/s'), 4)}): <b>{readable(t)}</b> = {readable(t.to('min'))}.")


def transfer_explorer() -> Explorer:
    """Time to send a model's weights over one link: size / speed, with the link speed in
    bits per second as links are sold (model: :func:`course_lib.weights_memory`, no
    latency or protocol overhead)."""
    return Explorer(
        {"params": slider("Model size", "Gparam", 1, 2000, 405, log=True),
         "fmt": choice("Format", ["FP32", "BF16", "FP8", "NVFP4", "MXFP4"], "BF16"),
         "speed": slider("Link speed", "Gbit/s", value=400, values=LINK_SPEEDS)},
        _setup, _update, title="Time to send a model's weights")


__all__ = ["transfer_explorer", "LINK_SPEEDS"]
