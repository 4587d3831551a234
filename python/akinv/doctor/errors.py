"""The doctor's one exception: an input that cannot be read, named by where it came from."""

from __future__ import annotations

from akinv.errors import AkinvError

__all__ = ["DoctorInputError"]


class DoctorInputError(AkinvError, ValueError):
    """A NodeList, PodList or status that cannot be read or fetched.

    The message starts with the source (a file name, the kubectl command, the URL) and says what
    is wrong with it, e.g. ``nodes.json: Expected `object`, got `array` - at `$.items[0].status```.
    """
