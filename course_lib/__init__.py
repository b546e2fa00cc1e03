"""course_lib: the unit-aware library behind the teaching kit on compute scaling and energy.

Chains bytes -> FLOP/s -> watts -> dollars -> kilograms -> launches, with pint units
checked at every step. One module per chapter; ``course_lib.widgets`` and
``course_lib.explorers`` (imported on demand, they need ipywidgets and matplotlib) turn a
model into an explorer; ``course_lib.chapters`` declares the chapters.
"""
from .units import Q_, ureg, as_quantity, as_count, UnitArgumentError
from .data import (accelerator, accelerators, model, models, power_scale, power_scales,
                   interconnect, interconnects, system, systems, city, cities, constant,
                   river, rivers, build_time, build_times, launch_vehicle, launch_vehicles,
                   launches)
from .checks import check, compare_estimate
from .formats import (number_format, number_formats, representable_values, quantize,
                      block_quantize, clipped_blocks)
from .memory import (weights_memory, kv_cache_memory, activation_memory, training_memory,
                     training_recipes, devices_to_fit)
from .compute import training_flops, compute_time
from .interconnect import (transfer_time, collective_time, algorithm_bandwidth, bus_bandwidth,
                           crossover_size, hierarchical_all_reduce_time, data_parallel_step,
                           ring_all_reduce_states, propagation_delay, great_circle_distance,
                           orbital_path_length)
from .power import (server_overhead, it_power, facility_power, energy, average_power,
                    energy_cost, emissions, training_energy, annualized_cost, revenue_to_power,
                    solar_area, cooling_water, grow, doubling_time, supply_gap)
from .orbit import (orbital_period, eclipse_fraction, solar_array_power, array_area,
                    radiator_flux, radiator_area, specific_power, launches_per_year,
                    launch_cost_breakeven, surviving_fraction, spares_needed)
# Importing the submodule course_lib.interconnect bound that name to the module; the
# table accessor interconnect("NVLink 5") is the public name (the module stays importable).
from .data import interconnect  # noqa: E402,F811

__version__ = "0.2.0"

__all__ = ["Q_", "ureg", "as_quantity", "as_count", "UnitArgumentError", "accelerator",
           "accelerators", "model", "models", "power_scale", "power_scales", "check",
           "compare_estimate", "number_format", "number_formats", "representable_values",
           "quantize", "block_quantize", "clipped_blocks", "weights_memory",
           "kv_cache_memory", "activation_memory", "training_memory", "training_recipes",
           "devices_to_fit", "interconnect", "interconnects", "system", "systems", "city",
           "cities", "constant", "training_flops", "compute_time", "transfer_time",
           "collective_time", "algorithm_bandwidth", "bus_bandwidth", "crossover_size",
           "hierarchical_all_reduce_time", "data_parallel_step", "ring_all_reduce_states",
           "propagation_delay", "great_circle_distance", "orbital_path_length", "river",
           "rivers", "build_time", "build_times", "server_overhead", "it_power",
           "facility_power", "energy", "average_power", "energy_cost", "emissions",
           "training_energy", "annualized_cost", "revenue_to_power", "solar_area",
           "cooling_water", "grow", "doubling_time", "supply_gap", "launch_vehicle",
           "launch_vehicles", "launches", "orbital_period", "eclipse_fraction",
           "solar_array_power", "array_area", "radiator_flux", "radiator_area",
           "specific_power", "launches_per_year", "launch_cost_breakeven",
           "surviving_fraction", "spares_needed"]
