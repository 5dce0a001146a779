"""Re-acquisition of lost identities (see :mod:`reid.base`).

* :class:`~reid.base.LostTrack`: an open track the detector lost, as handed over by
  :class:`mot.api.StreamingTracker` in ``StreamUpdate.lost``.
* :class:`~reid.base.Follower`: the protocol single-object trackers implement (a later issue builds them).
"""

from reid.base import Follower, LostTrack

__all__ = ["Follower", "LostTrack"]
