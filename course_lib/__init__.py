"""course_lib: the unit-aware library behind the teaching kit on compute scaling and energy.

Chains bytes -> FLOP/s -> watts -> dollars -> kilograms -> launches, with pint units
checked at every step. One module per chapter; ``course_lib.widgets`` (imported on
demand, it needs ipywidgets and matplotlib) turns a model into an explorer.
"""
from .units import Q_, ureg, as_quantity, as_count, UnitArgumentError
from .data import accelerator, accelerators, model, models
from .checks import check
from .formats import number_format, number_formats, representable_values, quantize
from .memory import (weights_memory, kv_cache_memory, activation_memory, training_memory,
                     devices_to_fit)

__version__ = "0.1.0"

__all__ = ["Q_", "ureg", "as_quantity", "as_count", "UnitArgumentError", "accelerator",
           "accelerators", "model", "models", "check", "number_format", "number_formats",
           "representable_values", "quantize", "weights_memory", "kv_cache_memory",
           "activation_memory", "training_memory", "devices_to_fit"]
