"""The one error type raised for bad construct options, at synth time, before anything is written."""


class ConfigurationError(ValueError):
    """An option is outside what AWS or this project allows.

    The message names the field, the value given and the allowed range.
    """


def require_int_in_range(field: str, value: object, low: int, high: int, unit: str = "") -> int:
    """Return ``value`` if it is an int within [low, high]; raise ConfigurationError otherwise."""
    suffix = f" {unit}" if unit else ""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigurationError(f"{field} must be a whole number between {low} and {high}{suffix}; got {value!r}")
    if not low <= value <= high:
        raise ConfigurationError(f"{field} must be between {low} and {high}{suffix}; got {value}")
    return value
